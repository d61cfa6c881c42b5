package dev.kindling;

import java.util.Map;
import java.util.ServiceLoader;
import org.bytedeco.javacpp.Loader;

/**
 * What Kindling runs on, for bug reports and setup problems:
 * <pre>{@code
 * System.out.println(Kindling.doctor());
 * }</pre>
 * prints the JVM, JavaCPP, where OpenBLAS loaded from, whether OpenBLAS reads the Java arrays themselves
 * and whether recurrent layers run on oneDNN (or why not), then one section per optional module on
 * the class path: with kindling-cuda, the CUDA driver, runtime, cuBLAS and NVRTC versions and where
 * each library was loaded from, every GPU with its compute capability, or exactly why CUDA cannot be
 * used (no driver library, no device, a missing CUDA library).
 */
public final class Kindling {
    private Kindling() {}

    /** Prints {@link #doctor()}: {@code java -cp ... dev.kindling.Kindling}. */
    public static void main(String[] args) { System.out.println(doctor()); }

    public static String doctor() {
        StringBuilder s = new StringBuilder("Kindling doctor\n");
        Runtime rt = Runtime.getRuntime();
        s.append(String.format("Java %s (%s) at %s; %s %s, %d cores, max heap %d MiB%n", System.getProperty("java.version"),
                System.getProperty("java.vendor"), System.getProperty("java.home"), System.getProperty("os.name"),
                System.getProperty("os.arch"), rt.availableProcessors(), rt.maxMemory() >> 20));
        s.append("JavaCPP ").append(Loader.class.getPackage().getImplementationVersion()).append(", platform ")
                .append(Loader.getPlatform()).append(", cache ").append(cacheDir()).append('\n');
        s.append("CPU threads: ").append(dev.kindling.tensor.cpu.Parallel.threads())
                .append(" (-Dkindling.threads); large loops and GEMMs split over them, OpenBLAS single-threaded inside\n");
        s.append(openblas());
        s.append("GEMM operands: ").append(dev.kindling.tensor.cpu.CpuBackend.gemmOperands())
                .append(" (-Dkindling.heapBlas=false stages them)\n");
        s.append("Recurrent layers (float32): ").append(dev.kindling.tensor.cpu.DnnlRecurrent.status())
                .append(" (-Dkindling.dnnl=false runs Kindling's kernels)\n");
        boolean any = false;
        for (Diagnostic d : ServiceLoader.load(Diagnostic.class)) {
            any = true;
            try {
                s.append(d.report());
            } catch (RuntimeException | LinkageError e) {
                s.append(d.getClass().getName()).append(" failed: ").append(e).append('\n');
            }
        }
        if (!any) s.append("CUDA: kindling-cuda is not on the class path\n");
        return s.toString();
    }

    private static String cacheDir() {
        try {
            return Loader.getCacheDir().getPath();
        } catch (java.io.IOException e) {
            return "unavailable (" + e.getMessage() + ")";
        }
    }

    private static String openblas() {
        try {
            Loader.load(org.bytedeco.openblas.global.openblas_nolapack.class);
        } catch (LinkageError e) {
            return "OpenBLAS: failed to load: " + e + "\n";
        }
        StringBuilder s = new StringBuilder("OpenBLAS loaded:\n");
        for (Map.Entry<String, String> e : Loader.getLoadedLibraries().entrySet()) {
            if (e.getKey().contains("openblas") || e.getKey().contains("gfortran")) {
                s.append("  ").append(e.getKey()).append(" <- ").append(e.getValue()).append('\n');
            }
        }
        return s.toString();
    }
}
