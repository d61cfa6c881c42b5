package dev.kindling.cuda;

import dev.kindling.cuda.memory.CudaMemoryStats;

/**
 * CUDA at a glance, as {@code torch.cuda}: whether a GPU can be used and why not, the caching
 * allocator's statistics and cache, host-device transfer counters, and synchronisation.
 * <pre>{@code
 * if (Cuda.isAvailable()) model.to(Device.cuda(0));
 * System.out.println(Cuda.memoryStats());        // allocated / reserved / cached on cuda:0
 * Cuda.emptyCache();                              // give cached segments back to the driver
 * }</pre>
 */
public final class Cuda {
    private Cuda() {}

    /** True when the NVIDIA driver loads and reports at least one GPU. */
    public static boolean isAvailable() { return Driver.status().available(); }

    /** GPUs the driver reports; 0 when CUDA is unavailable. */
    public static int deviceCount() { return Driver.status().deviceCount(); }

    /** Why CUDA cannot be used here (missing driver library, no device, ...), or null when it can. */
    public static String unavailableReason() { return Driver.status().reason(); }

    /** The caching allocator's statistics for {@code cuda:device}. */
    public static CudaMemoryStats memoryStats(int device) { return CudaDevice.get(device).allocator().stats(); }

    public static CudaMemoryStats memoryStats() { return memoryStats(0); }

    /** Returns every wholly free cached segment of every device in use to the driver; the bytes released. */
    public static long emptyCache() {
        long released = 0;
        for (CudaDevice d : CudaDevice.created()) if (d != null) released += d.allocator().emptyCache();
        return released;
    }

    /** The peaks of {@link #memoryStats(int)} restart from the current values. */
    public static void resetPeakMemoryStats(int device) { CudaDevice.get(device).allocator().resetPeaks(); }

    /**
     * Reserved bytes past which {@code cuda:device}'s allocator collects garbage before it grows (1 GiB
     * by default, or {@code -Dkindling.cuda.gcThreshold=BYTES}); see docs/cuda.md.
     */
    public static void setGcThreshold(int device, long bytes) { CudaDevice.get(device).allocator().setGcThreshold(bytes); }

    /** Waits for all work queued on {@code cuda:device}. */
    public static void synchronize(int device) { CudaDevice.get(device).synchronize(); }

    public static void synchronize() { synchronize(0); }

    /** Host-device copies since the last reset (all devices). */
    public static TransferStats transferStats() {
        return new TransferStats(Staging.H2D_COPIES.get(), Staging.H2D_BYTES.get(), Staging.D2H_COPIES.get(), Staging.D2H_BYTES.get());
    }

    public static void resetTransferStats() {
        Staging.H2D_COPIES.set(0);
        Staging.H2D_BYTES.set(0);
        Staging.D2H_COPIES.set(0);
        Staging.D2H_BYTES.set(0);
    }

    /** How many kernels {@code cuda:device} has loaded, compiled and read from the disk cache. */
    public static String kernelCacheSummary(int device) { return CudaDevice.get(device).kernels().summary(); }
}
