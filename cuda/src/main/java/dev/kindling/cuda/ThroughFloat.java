package dev.kindling.cuda;

import dev.kindling.tensor.DType;
import dev.kindling.tensor.NDArray;

/**
 * How the CUDA backend runs ops that have no 16-bit kernels (everything except conversions, cuBLAS
 * GEMMs and cuDNN convolutions): widen float16/bfloat16 operands to float32 on the device (exact),
 * run the float32 kernel and round the result once into the 16-bit output. Under autocast the ops
 * that matter for speed (GEMM, convolution) run in 16 bits natively; the rest costs one conversion
 * kernel per operand, as the same op would in a float32 region.
 */
final class ThroughFloat {
    private ThroughFloat() {}

    static boolean needed(NDArray... xs) {
        for (NDArray x : xs) if (x != null && x.dtype().isHalf()) return true;
        return false;
    }

    static NDArray widen(NDArray x) { return x == null || !x.dtype().isHalf() ? x : x.to(DType.FLOAT32); }

    static NDArray target(NDArray out) { return out.dtype().isHalf() ? NDArray.zeros(DType.FLOAT32, out.device(), out.shape()) : out; }

    static void narrow(NDArray result, NDArray out) { if (result != out) ElementwiseOps.copy(result, out); }
}
