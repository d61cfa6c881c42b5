package dev.kindling.cuda;

import dev.kindling.Diagnostic;
import dev.kindling.cuda.kernels.KernelCache;
import dev.kindling.cuda.kernels.Nvrtc;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.bytedeco.cuda.global.cublas;
import org.bytedeco.cuda.global.cudart;
import org.bytedeco.javacpp.Loader;

/**
 * The CUDA section of {@code Kindling.doctor()}: availability (or the exact reason), versions of the
 * driver, runtime, cuBLAS and NVRTC, each GPU, where every CUDA library was loaded from, and when
 * something is missing, where the NVIDIA libraries it needs were looked for.
 */
public final class CudaDiagnostic implements Diagnostic {
    private static final String[] LIBRARIES = {"libcuda.so.1", "libcudart.so.13", "libcublas.so.13", "libcublasLt.so.13", "libnvrtc.so.13",
            "libnvrtc-builtins.so.13.0", "libnvrtc-builtins.so.13.1"};

    @Override
    public String report() {
        StringBuilder s = new StringBuilder("CUDA (kindling-cuda, JNI bindings org.bytedeco:cuda ").append(bindingsVersion()).append(")\n");
        Driver.Status st = Driver.status();
        if (!st.available()) {
            s.append("  unavailable: ").append(st.reason()).append('\n');
            s.append(librarySearch());
            return s.toString();
        }
        s.append("  available: ").append(st.deviceCount()).append(st.deviceCount() == 1 ? " GPU" : " GPUs").append('\n');
        s.append("  driver supports CUDA ").append(Driver.versionString(st.driverVersion())).append('\n');
        if (st.driverVersion() < 13000) {
            s.append("  warning: these bindings are CUDA 13's; its runtime, cuBLAS and NVRTC need a CUDA 13 driver (580 or newer)\n");
        }
        int[] rt = new int[1];
        s.append("  runtime (cudart) ").append(cudart.cudaRuntimeGetVersion(rt) == 0 ? Driver.versionString(rt[0]) : "unknown").append('\n');
        s.append("  cuBLAS ").append(attempt(() -> {
            // libraryPropertyType: 0 major, 1 minor, 2 patch level.
            int[] major = new int[1], minor = new int[1], patch = new int[1];
            cublas.cublasGetProperty(0, major);
            cublas.cublasGetProperty(1, minor);
            cublas.cublasGetProperty(2, patch);
            return major[0] + "." + minor[0] + "." + patch[0];
        })).append('\n');
        s.append("  NVRTC ").append(attempt(Nvrtc::version)).append('\n');
        for (int i = 0; i < st.deviceCount(); i++) {
            final int index = i;
            s.append("  ").append(attempt(() -> {
                CudaDevice d = CudaDevice.get(index);
                return String.format("cuda:%d %s, compute capability %s, %d multiprocessors, %.1f GiB", index, d.name(), d.capabilityString(),
                        d.multiprocessors(), d.totalMemory() / (double) (1L << 30));
            })).append('\n');
        }
        s.append("  kernel cache ").append(KernelCache.directory()).append('\n');
        s.append(loadedLibraries());
        return s.toString();
    }

    private interface Probe {
        String get();
    }

    private static String attempt(Probe p) {
        try {
            return p.get();
        } catch (RuntimeException | LinkageError e) {
            return "unavailable: " + Driver.explainLinkError(e);
        }
    }

    private static String bindingsVersion() {
        String v = cudart.class.getPackage().getImplementationVersion();
        return v != null ? v : "(version unknown)";
    }

    /** The native CUDA libraries in this process, from the dynamic loader's own map. */
    private static String loadedLibraries() {
        StringBuilder s = new StringBuilder("  loaded:\n");
        Set<String> seen = new LinkedHashSet<>();
        try {
            for (String line : Files.readAllLines(Paths.get("/proc/self/maps"))) {
                int slash = line.indexOf('/');
                if (slash < 0) continue;
                String path = line.substring(slash);
                String file = path.substring(path.lastIndexOf('/') + 1);
                if (file.matches("lib(cuda|cudart|cublas|cublasLt|nvrtc|nvrtc-builtins|jnicudart|jnicublas|jninvrtc)\\.so.*")) seen.add(path);
            }
        } catch (IOException e) {
            for (Map.Entry<String, String> e2 : Loader.getLoadedLibraries().entrySet()) seen.add(e2.getKey() + " <- " + e2.getValue());
        }
        for (String p : seen) s.append("    ").append(p).append('\n');
        return s.toString();
    }

    /** Where each NVIDIA library would be found by name, so a missing one is easy to place. */
    static String librarySearch() {
        List<String> dirs = new ArrayList<>();
        for (String var : new String[]{System.getenv("LD_LIBRARY_PATH"), System.getProperty("java.library.path")}) {
            if (var != null) for (String d : var.split(File.pathSeparator)) if (!d.isEmpty() && !dirs.contains(d)) dirs.add(d);
        }
        for (String d : new String[]{"/usr/lib/x86_64-linux-gnu", "/usr/lib64", "/usr/local/nvidia/lib64", "/usr/local/cuda/lib64"}) {
            if (!dirs.contains(d)) dirs.add(d);
        }
        StringBuilder s = new StringBuilder("  NVIDIA libraries looked for in LD_LIBRARY_PATH, java.library.path and ")
                .append("the usual folders:\n");
        for (String lib : LIBRARIES) {
            String found = null;
            for (String d : dirs) {
                Path p = Paths.get(d, lib);
                if (Files.exists(p)) {
                    found = p.toString();
                    break;
                }
            }
            s.append("    ").append(lib).append(": ").append(found != null ? found : "not found").append('\n');
        }
        return s.toString();
    }
}
