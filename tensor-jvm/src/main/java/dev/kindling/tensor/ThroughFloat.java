package dev.kindling.tensor;

/**
 * How a backend runs a kernel it has only in float32 on float16/bfloat16 operands: widen them to
 * float32 (exact), run the float32 kernel (float accumulation, as PyTorch's CPU kernels and cuDNN's
 * half paths accumulate) and round the result once into the 16-bit output. The CPU backend takes this
 * detour for GEMM, convolution and pooling (its elementwise ops, reductions and indexing convert per
 * element through their generic loops); the CUDA backend for everything but conversions, cuBLAS GEMMs
 * and cuDNN convolutions, so under autocast the ops that matter for speed still run in 16 bits.
 */
public final class ThroughFloat {
    private ThroughFloat() {}

    /** Whether any of xs (nulls skipped) is a 16-bit float. */
    public static boolean needed(NDArray... xs) {
        for (NDArray x : xs) if (x != null && x.dtype().isHalf()) return true;
        return false;
    }

    /** x itself, or its float32 copy on the same device when it is a 16-bit float. */
    public static NDArray widen(NDArray x) { return x == null || !x.dtype().isHalf() ? x : x.to(DType.FLOAT32); }

    /** A zeroed float32 array to compute {@code out} into, or out itself when it is not a 16-bit float. */
    public static NDArray target(NDArray out) {
        return out.dtype().isHalf() ? NDArray.zeros(DType.FLOAT32, out.device(), out.shape()) : out;
    }

    /** Rounds a float32 result computed into {@link #target}'s array into out. */
    public static void narrow(NDArray result, NDArray out) { if (result != out) out.backend().copy(result, out); }
}
