package dev.kindling.cuda;

import dev.kindling.cuda.kernels.KernelArgs;
import dev.kindling.cuda.kernels.KernelCache;
import dev.kindling.cuda.memory.CachingAllocator;
import dev.kindling.tensor.Device;
import java.nio.charset.StandardCharsets;
import org.bytedeco.cuda.cudart.CUctx_st;
import org.bytedeco.cuda.cudart.CUfunc_st;
import org.bytedeco.cuda.cudart.CUstream_st;
import org.bytedeco.cuda.cublas.cublasContext;
import org.bytedeco.cuda.global.cublas;
import org.bytedeco.cuda.global.cudart;
import org.bytedeco.javacpp.SizeTPointer;

/**
 * One GPU as Kindling uses it: its primary context (the one the CUDA runtime, cuBLAS and PyTorch
 * share), one non-blocking stream that every kernel, copy and cuBLAS call of this device goes on
 * (so work runs in the order it was issued and the allocator may reuse a freed block at once), the
 * caching allocator, the compiled-kernel cache, pinned staging buffers for transfers and a cuBLAS
 * handle. Created on first use of {@code Device.cuda(i)}.
 */
final class CudaDevice {
    /** Default reserved bytes before the allocator collects garbage (see {@link CachingAllocator}). */
    static final long DEFAULT_GC_THRESHOLD = Long.getLong("kindling.cuda.gcThreshold", 1L << 30);

    private static final CudaDevice[] DEVICES = new CudaDevice[64];
    private static final ThreadLocal<CudaDevice> CURRENT = new ThreadLocal<>();

    private final int index;
    private final Device device;
    private final CUctx_st context = new CUctx_st();
    private final CUstream_st stream = new CUstream_st();
    private final String name;
    private final int capabilityMajor, capabilityMinor, multiprocessors;
    private final long totalMemory;
    private final CachingAllocator allocator;
    private final KernelCache kernels;
    private final Staging staging;
    private cublasContext cublasHandle;
    private org.bytedeco.cuda.cudnn.cudnnContext cudnnHandle;

    private CudaDevice(int index) {
        this.index = index;
        this.device = Device.cuda(index);
        int[] dev = new int[1];
        Driver.check(cudart.cuDeviceGet(dev, index), "cuDeviceGet(" + index + ")");
        byte[] nameBytes = new byte[256];
        Driver.check(cudart.cuDeviceGetName(nameBytes, nameBytes.length, dev[0]), "cuDeviceGetName");
        int len = 0;
        while (len < nameBytes.length && nameBytes[len] != 0) len++;
        name = new String(nameBytes, 0, len, StandardCharsets.UTF_8);
        capabilityMajor = attribute(cudart.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, dev[0]);
        capabilityMinor = attribute(cudart.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, dev[0]);
        multiprocessors = attribute(cudart.CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT, dev[0]);
        try (SizeTPointer total = new SizeTPointer(1)) {
            Driver.check(cudart.cuDeviceTotalMem(total, dev[0]), "cuDeviceTotalMem");
            totalMemory = total.get();
        }
        Driver.check(cudart.cuDevicePrimaryCtxRetain(context, dev[0]), "cuDevicePrimaryCtxRetain(" + index + ")");
        makeCurrent();
        Driver.check(cudart.cuStreamCreate(stream, cudart.CU_STREAM_NON_BLOCKING), "cuStreamCreate on " + device);
        allocator = new CachingAllocator(device.toString(), new DriverMemory(this), System::gc, DEFAULT_GC_THRESHOLD);
        kernels = new KernelCache(this::makeCurrent, capabilityMajor * 10 + capabilityMinor, Driver::errorName);
        staging = new Staging(this);
    }

    private static int attribute(int which, int dev) {
        int[] v = new int[1];
        Driver.check(cudart.cuDeviceGetAttribute(v, which, dev), "cuDeviceGetAttribute(" + which + ")");
        return v[0];
    }

    /** The device for {@code index}, set up on first use; an error naming the reason when there is none. */
    static CudaDevice get(int index) {
        Driver.Status s = Driver.status();
        if (!s.available()) throw new IllegalStateException("cuda:" + index + " is not available: " + s.reason());
        if (index >= s.deviceCount()) {
            throw new IllegalArgumentException("cuda:" + index + " does not exist: this machine has " + s.deviceCount() + " GPU"
                    + (s.deviceCount() == 1 ? " (cuda:0)" : "s (cuda:0 to cuda:" + (s.deviceCount() - 1) + ")"));
        }
        CudaDevice d = DEVICES[index];
        if (d == null) {
            synchronized (DEVICES) {
                if (DEVICES[index] == null) DEVICES[index] = new CudaDevice(index);
                d = DEVICES[index];
            }
        }
        return d;
    }

    /** The devices set up so far (for statistics; null entries were never used). */
    static CudaDevice[] created() {
        synchronized (DEVICES) {
            return DEVICES.clone();
        }
    }

    /** Makes this device's context current on the calling thread (one thread-local read when it already is). */
    void makeCurrent() {
        if (CURRENT.get() != this) {
            Driver.check(cudart.cuCtxSetCurrent(context), "cuCtxSetCurrent(" + device + ")");
            CURRENT.set(this);
        }
    }

    /** Waits for everything queued on this device's stream. */
    void synchronize() {
        makeCurrent();
        Driver.check(cudart.cuStreamSynchronize(stream), "cuStreamSynchronize(" + device + ")");
    }

    /**
     * Launches {@code fn} on the device's stream over a grid of {@code gridX x gridY} blocks of
     * {@code block} threads.
     */
    void launch(CUfunc_st fn, int gridX, int gridY, int block, int sharedBytes, KernelArgs args) {
        makeCurrent();
        Driver.check(cudart.cuLaunchKernel(fn, gridX, gridY, 1, block, 1, 1, sharedBytes, stream, args.pointers(), (org.bytedeco.javacpp.Pointer) null),
                "cuLaunchKernel on " + device);
    }

    /** Blocks for a grid-stride loop over n elements: enough to fill the GPU, never more than needed. */
    int gridFor(long n, int block) {
        long wanted = (n + block - 1) / block;
        return (int) Math.max(1, Math.min(wanted, (long) multiprocessors * 32));
    }

    synchronized cublasContext cublas() {
        if (cublasHandle == null) {
            makeCurrent();
            cublasContext h = new cublasContext();
            int rc = cublas.cublasCreate_v2(h);
            if (rc != cublas.CUBLAS_STATUS_SUCCESS) {
                throw new CudaException("cublasCreate on " + device + " failed: " + cublas.cublasGetStatusString(rc).getString());
            }
            rc = cublas.cublasSetStream_v2(h, stream);
            if (rc != cublas.CUBLAS_STATUS_SUCCESS) {
                throw new CudaException("cublasSetStream on " + device + " failed: " + cublas.cublasGetStatusString(rc).getString());
            }
            cublasHandle = h;
        }
        return cublasHandle;
    }

    /** The cuDNN handle of this device, bound to its stream; created on first use (it loads libcudnn). */
    synchronized org.bytedeco.cuda.cudnn.cudnnContext cudnn() {
        if (cudnnHandle == null) {
            makeCurrent();
            cudnnHandle = Cudnn.create(this);
        }
        return cudnnHandle;
    }

    CUstream_st stream() { return stream; }

    Device device() { return device; }

    int index() { return index; }

    String name() { return name; }

    int capability() { return capabilityMajor * 10 + capabilityMinor; }

    String capabilityString() { return capabilityMajor + "." + capabilityMinor; }

    int multiprocessors() { return multiprocessors; }

    long totalMemory() { return totalMemory; }

    CachingAllocator allocator() { return allocator; }

    KernelCache kernels() { return kernels; }

    Staging staging() { return staging; }
}
