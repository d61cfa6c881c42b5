package dev.kindling.cuda;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.PointerPointer;
import org.bytedeco.cuda.global.cudart;

/**
 * Loads the CUDA bindings once and says whether a GPU can be used, and if not, exactly why: the
 * JNI wrapper links the driver library directly, so a machine without the NVIDIA driver fails at
 * class loading with an {@link UnsatisfiedLinkError} naming {@code libcuda.so.1}; a driver without a
 * usable device fails in {@code cuInit}. Nothing here throws: callers ask {@link #status()}.
 */
final class Driver {
    /** What the probe found: a usable driver and how many GPUs, or the reason there is none. */
    record Status(boolean available, int deviceCount, int driverVersion, String reason) {}

    private static volatile Status status;

    private Driver() {}

    static Status status() {
        Status s = status;
        if (s == null) {
            synchronized (Driver.class) {
                if (status == null) status = probe();
                s = status;
            }
        }
        return s;
    }

    private static Status probe() {
        if (Boolean.getBoolean("kindling.cuda.disable")) {
            return new Status(false, 0, 0, "CUDA is disabled by -Dkindling.cuda.disable=true");
        }
        try {
            Loader.load(cudart.class);
        } catch (LinkageError e) {
            return new Status(false, 0, 0, explainLinkError(e));
        }
        int rc = cudart.cuInit(0);
        int[] version = new int[1];
        cudart.cuDriverGetVersion(version);
        if (rc != 0) {
            return new Status(false, 0, version[0], "the NVIDIA driver (CUDA " + versionString(version[0]) + ") is loaded, but cuInit failed: "
                    + errorName(rc) + " (" + errorString(rc) + ")" + (rc == cudart.CUDA_ERROR_NO_DEVICE ? "; no GPU is visible to this process"
                    + " (check CUDA_VISIBLE_DEVICES and nvidia-smi)" : ""));
        }
        int[] count = new int[1];
        rc = cudart.cuDeviceGetCount(count);
        if (rc != 0 || count[0] == 0) {
            return new Status(false, 0, version[0], rc != 0 ? "cuDeviceGetCount failed: " + errorName(rc)
                    : "the NVIDIA driver (CUDA " + versionString(version[0]) + ") reports no GPU");
        }
        return new Status(true, count[0], version[0], null);
    }

    /** The first cause that names a missing library, with what it means for the user. */
    static String explainLinkError(Throwable e) {
        StringBuilder why = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t.getMessage() != null && !why.toString().contains(t.getMessage())) {
                if (why.length() > 0) why.append(" <- ");
                why.append(t.getClass().getSimpleName()).append(": ").append(t.getMessage());
            }
        }
        String text = why.toString();
        String hint;
        if (text.contains("libcuda.so")) hint = "the NVIDIA driver library libcuda.so.1 is not installed or not on the library path (no GPU driver on this machine)";
        else if (text.contains("libcudart.so")) hint = "the CUDA runtime libcudart.so.13 is missing: install the CUDA 13 toolkit or add its lib64 folder to LD_LIBRARY_PATH";
        else if (text.contains("no jnicudart")) hint = "the CUDA JNI wrapper for this platform is missing: add org.bytedeco:cuda with this OS's classifier";
        else hint = "the CUDA bindings could not load";
        return hint + " [" + text + "]";
    }

    static String versionString(int v) { return v == 0 ? "unknown" : (v / 1000) + "." + (v % 1000) / 10; }

    static String errorName(int rc) {
        try (PointerPointer<BytePointer> p = new PointerPointer<>(1)) {
            return cudart.cuGetErrorName(rc, p) == 0 && p.get(0) != null ? p.getString(0) : "CUDA error " + rc;
        }
    }

    static String errorString(int rc) {
        try (PointerPointer<BytePointer> p = new PointerPointer<>(1)) {
            return cudart.cuGetErrorString(rc, p) == 0 && p.get(0) != null ? p.getString(0) : "no description";
        }
    }

    /** Throws a {@link CudaException} naming the call when a driver call fails. */
    static void check(int rc, String call) {
        if (rc != 0) throw new CudaException(call + " failed: " + errorName(rc) + " (" + errorString(rc) + ")");
    }
}
