package dev.kindling.cuda.memory;

/**
 * A piece of a segment (one {@link RawMemory#malloc} region). Blocks of a segment form an address-ordered
 * list so a freed block can merge with free neighbours, as in PyTorch's caching allocator.
 */
public final class Block {
    final boolean small;
    long address;
    long size;
    boolean allocated;
    Block prev, next;

    Block(boolean small, long address, long size) {
        this.small = small;
        this.address = address;
        this.size = size;
    }

    /** The device address of the block's first byte. */
    public long address() { return address; }

    /** The block's size in bytes: the request rounded up to the allocator's granularity. */
    public long size() { return size; }

    boolean wholeSegment() { return prev == null && next == null; }

    @Override
    public String toString() {
        return String.format("Block(0x%x, %d bytes, %s)", address, size, allocated ? "allocated" : "free");
    }
}
