package dev.kindling.cuda.memory;

/**
 * The device's own allocator under the cache: {@code cuMemAlloc}/{@code cuMemFree} on a GPU, a fake
 * in tests, so the pooling logic of {@link CachingAllocator} runs and is tested without one.
 */
public interface RawMemory {
    /** A new region of {@code bytes} bytes, or 0 when the device has no memory left (other failures throw). */
    long malloc(long bytes);

    /** Returns a region from {@link #malloc}. */
    void free(long address);

    /** The device's free and total bytes as the driver sees them, for error messages; null when unknown. */
    default long[] freeAndTotal() { return null; }
}
