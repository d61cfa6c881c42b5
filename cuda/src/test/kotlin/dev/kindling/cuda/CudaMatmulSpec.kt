package dev.kindling.cuda

import dev.kindling.tensor.DType
import io.kotest.core.spec.style.FunSpec

class CudaMatmulSpec : FunSpec({
    gpuTest("matrix products in float32 and float64, every operand layout") {
        for (t in listOf(DType.FLOAT32, DType.FLOAT64)) {
            val tol = if (t == DType.FLOAT32) 1e-4 else 1e-11
            val a = randn(t, 37, 53)
            val b = randn(t, 53, 29)
            checkOp("mm $t", a, b, rtol = tol) { it[0].matmul(it[1]) }
            checkOp("mm $t, A transposed", a.t().contiguous(), b, rtol = tol) { it[0].t().matmul(it[1]) }
            checkOp("mm $t, B transposed", a, b.t().contiguous(), rtol = tol) { it[0].matmul(it[1].t()) }
            checkOp("mm $t, both transposed", a.t().contiguous(), b.t().contiguous(), rtol = tol) { it[0].t().matmul(it[1].t()) }
            checkOp("mm $t, a strided slice", randn(t, 37, 106), b, rtol = tol) { it[0].slice(1, 0, 106, 2).matmul(it[1]) }
            checkOp("vector @ matrix $t", randn(t, 53), b, rtol = tol) { it[0].matmul(it[1]) }
            checkOp("matrix @ vector $t", a, randn(t, 53), rtol = tol) { it[0].matmul(it[1]) }
            checkOp("vector @ vector $t", randn(t, 53), randn(t, 53), rtol = tol) { it[0].matmul(it[1]) }
            checkOp("bmm $t", randn(t, 5, 7, 9), randn(t, 5, 9, 4), rtol = tol) { it[0].bmm(it[1]) }
            checkOp("batched, broadcast weight $t", randn(t, 3, 5, 7, 9), randn(t, 9, 4), rtol = tol) { it[0].matmul(it[1]) }
            checkOp("batched, broadcast batch dims $t", randn(t, 3, 1, 7, 9), randn(t, 1, 5, 9, 4), rtol = tol) { it[0].matmul(it[1]) }
            checkOp("batched, transposed $t", randn(t, 4, 9, 7), randn(t, 4, 6, 9), rtol = tol) {
                it[0].transpose(1, 2).matmul(it[1].transpose(1, 2))
            }
            checkOp("empty inner dim $t", randn(t, 3, 0), randn(t, 0, 4)) { it[0].matmul(it[1]) }
        }
        checkOp("linear layer shape, 1024^2", randn(DType.FLOAT32, 256, 1024), randn(DType.FLOAT32, 512, 1024), rtol = 1e-4) {
            it[0].matmul(it[1].t())
        }
    }
})
