package dev.kindling.tensor.cpu;

import dev.kindling.tensor.DType;
import dev.kindling.tensor.NDArray;

/**
 * How the CPU backend runs its GEMM, convolution and pooling kernels on float16/bfloat16 operands:
 * widen them to float32 (exact), run the float32 kernel (float accumulation, as PyTorch's CPU
 * kernels and cuDNN's half paths accumulate) and round the result once into the 16-bit output.
 * Elementwise ops, reductions and indexing need no detour: their generic loops read and write
 * through {@link Buf}, which converts per element in double.
 */
final class ThroughFloat {
    private ThroughFloat() {}

    static boolean needed(NDArray... xs) {
        for (NDArray x : xs) if (x != null && x.dtype().isHalf()) return true;
        return false;
    }

    /** x itself, or its float32 copy when it is a 16-bit float. */
    static NDArray widen(NDArray x) { return x == null || !x.dtype().isHalf() ? x : x.to(DType.FLOAT32); }

    /** A zeroed float32 array to compute {@code out} into, or out itself when it is not a 16-bit float. */
    static NDArray target(NDArray out) { return out.dtype().isHalf() ? NDArray.zeros(DType.FLOAT32, out.shape()) : out; }

    /** Rounds a float32 result computed by {@link #target} into out. */
    static void narrow(NDArray result, NDArray out) { if (result != out) CpuBackend.INSTANCE.copy(result, out); }
}
