package dev.kindling.cuda

import dev.kindling.tensor.BinaryOp
import dev.kindling.tensor.DType
import dev.kindling.tensor.NDArray
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe

class CudaIndexingSpec : FunSpec({
    gpuTest("indexSelect along every dim, with negative indices, for every dtype") {
        for (t in DType.values()) {
            val x = randn(DType.FLOAT64, 6, 7, 8).mul(10.0).to(t)
            for (d in 0 until 3) {
                val idx = NDArray.of(longArrayOf(0, -1, 2, 2, 1), 5)
                checkOp("indexSelect $t dim $d", x, idx) { it[0].indexSelect(d, it[1]) }
                checkOp("indexSelect $t dim $d from a transposed view", x, idx) { it[0].transpose(0, 2).indexSelect(d, it[1]) }
            }
        }
        checkOp("embedding lookup, index of any shape", randn(DType.FLOAT32, 50, 16), randint(0, 50, DType.INT64, 4, 9)) {
            it[0].index(it[1])
        }
    }

    gpuTest("gather along every dim") {
        for (t in listOf(DType.FLOAT32, DType.FLOAT64, DType.INT64, DType.BOOL)) {
            val x = randn(DType.FLOAT64, 5, 6, 7).to(t)
            for (d in 0 until 3) {
                val shape = intArrayOf(4, 5, 6)
                val idx = randint(0, x.shape()[d].toLong(), DType.INT64, *shape)
                checkOp("gather $t dim $d", x, idx) { it[0].gather(d, it[1]) }
            }
        }
        checkOp("gather of class scores (crossEntropy's pick)", randn(DType.FLOAT32, 128, 10), randint(0, 10, DType.INT64, 128, 1)) {
            it[0].gather(1, it[1])
        }
    }

    gpuTest("scatter without duplicates, and scatterAdd with many") {
        for (t in listOf(DType.FLOAT32, DType.FLOAT64, DType.INT32, DType.INT64)) {
            val target = randn(DType.FLOAT64, 6, 8).mul(10.0).to(t)
            // A permutation per row: every target element is written at most once.
            val perm = NDArray.of(LongArray(6 * 8) { (it * 5 % 8).toLong() }, 6, 8).narrow(1, 0, 5)
            val src = randn(DType.FLOAT64, 6, 5).mul(10.0).to(t)
            checkOp("scatter $t", target, perm, src) { it[0].scatter(1, it[1], it[2], false) }
            val dup = randint(0, 3, DType.INT64, 6, 40)
            val many = randn(DType.FLOAT64, 6, 40).to(t)
            // float32 atomics add in another order than the CPU loop: a looser bound.
            checkOp("scatterAdd $t", target, dup, many, rtol = if (t == DType.FLOAT32) 1e-3 else null) {
                it[0].scatter(1, it[1], it[2], true)
            }
        }
    }

    gpuTest("indexAdd_ accumulates rows named repeatedly") {
        for (t in listOf(DType.FLOAT32, DType.FLOAT64, DType.INT64)) {
            val idx = NDArray.of(longArrayOf(0, 2, 2, -1, 0, 0), 6)
            val src = randn(DType.FLOAT64, 6, 5).mul(4.0).to(t)
            checkOp("indexAdd $t dim 0", NDArray.zeros(t, 4, 5), idx, src) { it[0].copy().indexAdd_(0, it[1], it[2]) }
            checkOp("indexAdd $t dim 1", NDArray.zeros(t, 5, 4), idx, src.t().contiguous()) { it[0].copy().indexAdd_(1, it[1], it[2]) }
        }
    }

    gpuTest("maskedSelect keeps row-major order across blocks") {
        for (t in listOf(DType.FLOAT32, DType.INT64, DType.BOOL)) {
            val x = randn(DType.FLOAT64, 300, 17).mul(5.0).to(t)
            val mask = randn(DType.FLOAT32, 300, 17).binary(BinaryOp.GT, 0.3)
            checkOp("maskedSelect $t", x, mask) { it[0].maskedSelect(it[1]) }
        }
        checkOp("maskedSelect with a broadcast mask", randn(DType.FLOAT32, 4, 5), NDArray.of(booleanArrayOf(true, false, true, true, false), 5)) {
            it[0].maskedSelect(it[1])
        }
        val none = randn(DType.FLOAT32, 10).to(GPU).maskedSelect(NDArray.zeros(DType.BOOL, GPU, 10))
        none.numel() shouldBe 0L
    }

    gpuTest("cat, stack and pad on the GPU") {
        val a = randn(DType.FLOAT32, 3, 4)
        val b = randn(DType.FLOAT32, 2, 4)
        checkOp("cat", a, b) { NDArray.cat(listOf(it[0], it[1]), 0) }
        checkOp("stack", a, a.mul(2.0)) { NDArray.stack(listOf(it[0], it[1]), 1) }
        checkOp("pad", a) { it[0].pad(intArrayOf(1, 2, 0, 1), -3.0) }
    }

    gpuTest("im2col and col2im match the CPU, with stride, padding and dilation") {
        val x = randn(DType.FLOAT32, 2, 3, 9, 11)
        checkOp("im2col 3x3", x) { it[0].im2col(3, 3, 1, 1, 1, 1, 1, 1) }
        checkOp("im2col strided dilated", x) { it[0].im2col(3, 2, 2, 3, 1, 0, 2, 1) }
        val cols = randn(DType.FLOAT64, 2, 3 * 3 * 2, 4 * 4)
        checkOp("col2im", cols) { it[0].col2im(3, 9, 11, 3, 2, 2, 3, 1, 0, 2, 1) }
    }
})
