package dev.kindling.cuda;

import dev.kindling.tensor.DType;
import dev.kindling.tensor.NDArray;
import org.bytedeco.cuda.global.cublas;
import org.bytedeco.cuda.global.cudart;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;

/**
 * Matrix products through cuBLAS ({@code gemm}, and {@code gemmStridedBatched} for batches). cuBLAS
 * is column-major; a row-major product C = A B is the column-major product C^T = B^T A^T, so the
 * operands swap places and each one's layout picks its transpose flag: a row-major matrix (unit
 * column stride) is read as-is with leading dimension = its row stride, a transposed view (unit
 * row stride) is read with the transpose flag, and only a view with neither unit stride is copied.
 * A batch stride of 0 (a broadcast operand) is passed as is. float32 stays in full float32 (no
 * TF32), as PyTorch's default.
 */
final class Gemm {
    private static final FloatPointer F_ONE = new FloatPointer(1f), F_ZERO = new FloatPointer(0f);
    private static final DoublePointer D_ONE = new DoublePointer(1.0), D_ZERO = new DoublePointer(0.0);

    private Gemm() {}

    /** A device address as the typed pointer JavaCPP's cuBLAS signatures take. */
    static final class At extends Pointer {
        At(long address) { this.address = address; }
    }

    /** How cuBLAS reads one operand, column-major: the transpose flag, leading dimension, batch stride. */
    private record Layout(NDArray array, int op, int ld, long batchStride) {}

    /** The layout of a [B, rows, cols] row-major operand, or a contiguous copy's when its strides do not fit. */
    private static Layout layout(NDArray x) {
        int[] s = x.shapeRef(), st = x.stridesRef();
        int rows = s[1], cols = s[2];
        // A dim of size 1 has no meaningful stride: give it whichever makes the layout valid.
        boolean rowUnit = rows == 1 || st[1] == 1, colUnit = cols == 1 || st[2] == 1;
        int rowStride = rows == 1 ? Math.max(1, cols) : st[1], colStride = cols == 1 ? Math.max(1, rows) : st[2];
        long batch = s[0] == 1 ? 0 : st[0];
        if (colUnit && rowStride >= Math.max(1, cols)) return new Layout(x, cublas.CUBLAS_OP_N, rowStride, batch);
        if (rowUnit && colStride >= Math.max(1, rows)) return new Layout(x, cublas.CUBLAS_OP_T, colStride, batch);
        NDArray c = x.contiguous();
        return new Layout(c, cublas.CUBLAS_OP_N, Math.max(1, cols), s[0] == 1 ? 0 : (long) rows * cols);
    }

    static void matmul(NDArray a, NDArray b, NDArray out) {
        CudaDevice dev = Operand.device("matmul", a, b, out);
        int batch = a.shapeRef()[0], m = a.shapeRef()[1], k = a.shapeRef()[2], n = b.shapeRef()[2];
        if (batch == 0 || m == 0 || n == 0 || k == 0) return;   // out is already zero-filled
        Layout la = layout(a), lb = layout(b);
        long pa = Operand.readAddress(la.array()), pb = Operand.readAddress(lb.array()), pc = Operand.writeAddress(out);
        dev.makeCurrent();
        var h = dev.cublas();
        int rc;
        if (a.dtype() == DType.FLOAT32) {
            FloatPointer A = new FloatPointer(new At(pb)), B = new FloatPointer(new At(pa)), C = new FloatPointer(new At(pc));
            rc = batch == 1
                    ? cublas.cublasSgemm_v2(h, lb.op(), la.op(), n, m, k, F_ONE, A, lb.ld(), B, la.ld(), F_ZERO, C, n)
                    : cublas.cublasSgemmStridedBatched(h, lb.op(), la.op(), n, m, k, F_ONE, A, lb.ld(), lb.batchStride(), B, la.ld(),
                    la.batchStride(), F_ZERO, C, n, (long) m * n, batch);
        } else if (a.dtype() == DType.FLOAT64) {
            DoublePointer A = new DoublePointer(new At(pb)), B = new DoublePointer(new At(pa)), C = new DoublePointer(new At(pc));
            rc = batch == 1
                    ? cublas.cublasDgemm_v2(h, lb.op(), la.op(), n, m, k, D_ONE, A, lb.ld(), B, la.ld(), D_ZERO, C, n)
                    : cublas.cublasDgemmStridedBatched(h, lb.op(), la.op(), n, m, k, D_ONE, A, lb.ld(), lb.batchStride(), B, la.ld(),
                    la.batchStride(), D_ZERO, C, n, (long) m * n, batch);
        } else if (a.dtype().isHalf()) {
            // 16-bit operands and result, float32 accumulation and scalars (CUBLAS_COMPUTE_32F), as PyTorch's half GEMMs.
            int t = a.dtype() == DType.FLOAT16 ? cudart.CUDA_R_16F : cudart.CUDA_R_16BF;
            Pointer A = new At(pb), B = new At(pa), C = new At(pc);
            rc = batch == 1
                    ? cublas.cublasGemmEx(h, lb.op(), la.op(), n, m, k, F_ONE, A, t, lb.ld(), B, t, la.ld(), F_ZERO, C, t, n,
                    cublas.CUBLAS_COMPUTE_32F, cublas.CUBLAS_GEMM_DEFAULT)
                    : cublas.cublasGemmStridedBatchedEx(h, lb.op(), la.op(), n, m, k, F_ONE, A, t, lb.ld(), lb.batchStride(), B, t, la.ld(),
                    la.batchStride(), F_ZERO, C, t, n, (long) m * n, batch, cublas.CUBLAS_COMPUTE_32F, cublas.CUBLAS_GEMM_DEFAULT);
        } else {
            throw new IllegalArgumentException("matmul: cuBLAS multiplies floating types (float16, bfloat16, float32, float64), got " + a.dtype());
        }
        if (rc != cublas.CUBLAS_STATUS_SUCCESS) {
            throw new CudaException("cuBLAS gemm [" + batch + ", " + m + ", " + k + "] @ [" + batch + ", " + k + ", " + n + "] ("
                    + a.dtype() + ") failed: " + cublas.cublasGetStatusString(rc).getString());
        }
    }
}
