package dev.kindling.cuda;

import dev.kindling.cuda.memory.RawMemory;
import org.bytedeco.cuda.global.cudart;
import org.bytedeco.javacpp.SizeTPointer;

/** {@code cuMemAlloc}/{@code cuMemFree} in one device's context: the memory under the caching allocator. */
final class DriverMemory implements RawMemory {
    private final CudaDevice device;

    DriverMemory(CudaDevice device) { this.device = device; }

    @Override
    public long malloc(long bytes) {
        device.makeCurrent();
        long[] address = new long[1];
        int rc = cudart.cuMemAlloc(address, bytes);
        if (rc == cudart.CUDA_ERROR_OUT_OF_MEMORY) return 0;
        Driver.check(rc, "cuMemAlloc(" + bytes + " bytes) on " + device.device());
        return address[0];
    }

    @Override
    public void free(long address) {
        device.makeCurrent();
        // Kernels queued on the stream may still read the segment's last blocks.
        device.synchronize();
        Driver.check(cudart.cuMemFree(address), "cuMemFree on " + device.device());
    }

    @Override
    public long[] freeAndTotal() {
        device.makeCurrent();
        try (SizeTPointer free = new SizeTPointer(1); SizeTPointer total = new SizeTPointer(1)) {
            if (cudart.cuMemGetInfo(free, total) != 0) return null;
            return new long[]{free.get(), total.get()};
        }
    }
}
