package dev.kindling.cuda.kernels;

import dev.kindling.cuda.CudaException;
import org.bytedeco.cuda.nvrtc._nvrtcProgram;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.PointerPointer;
import org.bytedeco.javacpp.SizeTPointer;

import static org.bytedeco.cuda.global.nvrtc.*;

/**
 * Compiles CUDA C++ to device code at run time with NVRTC. It needs only libnvrtc (no GPU, no
 * driver), which is why kernel sources can be compile-checked on a machine without a GPU.
 */
public final class Nvrtc {
    /** Machine code for one architecture ({@code cubin}) or, where NVRTC does not know it, PTX for the driver to finish. */
    public record Compiled(byte[] image, boolean cubin, String log) {}

    private Nvrtc() {}

    /** NVRTC's version as {@code major.minor}. */
    public static String version() {
        int[] major = new int[1], minor = new int[1];
        check(nvrtcVersion(major, minor), "nvrtcVersion", null);
        return major[0] + "." + minor[0];
    }

    /**
     * Compiles {@code source} for compute capability {@code arch} (90 for sm_90): a cubin when NVRTC
     * supports that architecture, else PTX for the newest virtual one it supports.
     */
    public static Compiled compile(String source, String fileName, int arch) {
        int target = Math.min(arch, newestSupported());
        boolean cubin = target == arch;
        _nvrtcProgram program = new _nvrtcProgram();
        check(nvrtcCreateProgram(program, new BytePointer(source), new BytePointer(fileName), 0, (PointerPointer<?>) null,
                (PointerPointer<?>) null), "nvrtcCreateProgram", null);
        try {
            String[] options = {
                    (cubin ? "--gpu-architecture=sm_" : "--gpu-architecture=compute_") + target,
                    "--std=c++17",
                    // No --use_fast_math: division, sqrt and the transcendentals keep their IEEE
                    // accuracy, so results stay within a few ulps of the CPU backend's.
                    "--fmad=true",
            };
            int rc = nvrtcCompileProgram(program, options.length, new PointerPointer<>(options));
            String log = log(program);
            if (rc != NVRTC_SUCCESS) {
                throw new CudaException("NVRTC could not compile kernel " + fileName + " for sm_" + target + ": "
                        + nvrtcGetErrorString(rc).getString() + "\n" + log + "\n--- source ---\n" + numbered(source));
            }
            SizeTPointer size = new SizeTPointer(1);
            byte[] image;
            if (cubin) {
                check(nvrtcGetCUBINSize(program, size), "nvrtcGetCUBINSize", fileName);
                image = new byte[(int) size.get()];
                check(nvrtcGetCUBIN(program, image), "nvrtcGetCUBIN", fileName);
            } else {
                check(nvrtcGetPTXSize(program, size), "nvrtcGetPTXSize", fileName);
                image = new byte[(int) size.get()];
                check(nvrtcGetPTX(program, image), "nvrtcGetPTX", fileName);
            }
            return new Compiled(image, cubin, log);
        } finally {
            nvrtcDestroyProgram(program);
        }
    }

    private static volatile int newest;

    /** The newest real architecture this NVRTC can emit machine code for. */
    public static int newestSupported() {
        if (newest == 0) {
            int[] n = new int[1];
            check(nvrtcGetNumSupportedArchs(n), "nvrtcGetNumSupportedArchs", null);
            int[] archs = new int[n[0]];
            check(nvrtcGetSupportedArchs(archs), "nvrtcGetSupportedArchs", null);
            int best = 0;
            for (int a : archs) best = Math.max(best, a);
            newest = best;
        }
        return newest;
    }

    private static String log(_nvrtcProgram program) {
        SizeTPointer size = new SizeTPointer(1);
        if (nvrtcGetProgramLogSize(program, size) != NVRTC_SUCCESS || size.get() <= 1) return "";
        byte[] text = new byte[(int) size.get()];
        nvrtcGetProgramLog(program, text);
        return new String(text, 0, text.length - 1, java.nio.charset.StandardCharsets.UTF_8);
    }

    private static String numbered(String source) {
        StringBuilder s = new StringBuilder();
        String[] lines = source.split("\n", -1);
        for (int i = 0; i < lines.length; i++) s.append(String.format("%4d  %s%n", i + 1, lines[i]));
        return s.toString();
    }

    private static void check(int rc, String call, String file) {
        if (rc != NVRTC_SUCCESS) {
            throw new CudaException(call + (file == null ? "" : " (" + file + ")") + " failed: " + nvrtcGetErrorString(rc).getString());
        }
    }
}
