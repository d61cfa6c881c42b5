package dev.kindling.cuda;

import dev.kindling.cuda.memory.Block;
import dev.kindling.cuda.memory.CachingAllocator;
import dev.kindling.tensor.Allocations;
import dev.kindling.tensor.DType;
import dev.kindling.tensor.Device;
import dev.kindling.tensor.Storage;

/**
 * Elements in device memory: a block of the device's caching allocator, leased to this storage.
 * When the storage becomes unreachable (no view, no graph node refers to it) the block goes back
 * to the cache; the backend returns its own temporaries at once with {@link #release()}. Bool
 * elements are one byte each, 0 or 1.
 *
 * <p>A new storage must read as zeros, but almost every op's output is overwritten whole by its
 * kernel, so the zero-fill is owed rather than done: the first read, or a write to part of the
 * storage, does it ({@link #materialize()}), while a kernel that writes every element cancels it
 * ({@link #overwritten()}). That saves one memset launch per op.
 */
final class CudaStorage extends Storage {
    private final CudaDevice device;
    private final DType dtype;
    private final int size;
    private final Block block;
    private final CachingAllocator.Lease lease;
    private boolean zeroOwed;

    CudaStorage(CudaDevice device, DType dtype, int size) {
        this.device = device;
        this.dtype = dtype;
        this.size = size;
        if (size == 0) {
            block = null;
            lease = null;
        } else {
            block = device.allocator().allocate((long) size * dtype.itemSize());
            lease = device.allocator().track(this, block);
        }
        Allocations.record(this);
    }

    CudaDevice cudaDevice() { return device; }

    /** Marks a fresh storage as reading zeros without filling it yet. */
    void oweZeros() { zeroOwed = size > 0; }

    /** Fills the storage with zeros now if it still owes them (queued on the device's stream). */
    synchronized void materialize() {
        if (!zeroOwed) return;
        ElementwiseOps.zero(device, this);
        zeroOwed = false;
    }

    /** A kernel is about to write every element: the owed zeros will never be read. */
    synchronized void overwritten() { zeroOwed = false; }

    /** The device address of element {@code index}. */
    long address(long index) { return block == null ? 0 : block.address() + index * dtype.itemSize(); }

    /** Returns the block now; only for storages no view outside the backend can reach. */
    void release() {
        if (lease != null) lease.release();
    }

    @Override
    public Device device() { return device.device(); }

    @Override
    public DType dtype() { return dtype; }

    @Override
    public int size() { return size; }
}
