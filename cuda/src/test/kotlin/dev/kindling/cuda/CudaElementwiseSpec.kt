package dev.kindling.cuda

import dev.kindling.tensor.BinaryOp
import dev.kindling.tensor.DType
import dev.kindling.tensor.Device
import dev.kindling.tensor.NDArray
import dev.kindling.tensor.UnaryOp
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain

private val ALL_TYPES = DType.values().toList()
private val FLOAT_TYPES = listOf(DType.FLOAT32, DType.FLOAT64)

/** Inputs in each op's domain: positive for log/sqrt, small for exp/tan, integers in a narrow range. */
private fun inputFor(op: UnaryOp, t: DType, vararg shape: Int): NDArray = when {
    t == DType.BOOL -> randint(0, 2, DType.INT64, *shape).to(DType.BOOL)
    !t.isFloatingPoint -> randint(-20, 20, t, *shape)
    op in setOf(UnaryOp.LOG, UnaryOp.SQRT, UnaryOp.RSQRT, UnaryOp.LOG1P) -> randn(t, *shape).unary(UnaryOp.ABS).add(0.01)
    op == UnaryOp.TAN -> randn(t, *shape).mul(0.5)
    else -> randn(t, *shape).mul(3.0)
}

class CudaElementwiseSpec : FunSpec({
    gpuTest("arrays of every dtype go to the GPU and back unchanged, and the transfers are counted") {
        for (t in ALL_TYPES) {
            val x = if (t == DType.BOOL) randint(0, 2, DType.INT64, 1000).to(t) else randn(t, 1000).mul(100.0).to(t)
            Cuda.resetTransferStats()
            val back = x.to(GPU).to(Device.CPU)
            back.toDoubleArray().toList() shouldBe x.toDoubleArray().toList()
            val s = Cuda.transferStats()
            s.hostToDeviceCopies() shouldBe 1L
            s.deviceToHostCopies() shouldBe 1L
            s.hostToDeviceBytes() shouldBe 1000L * t.itemSize()
        }
    }

    gpuTest("a tensor of 20M floats crosses in several pinned chunks") {
        val x = randn(DType.FLOAT32, 20_000_000)
        x.to(GPU).to(Device.CPU).toFloatArray().contentEquals(x.toFloatArray()) shouldBe true
    }

    gpuTest("zeros, full and fill_ on the GPU") {
        for (t in ALL_TYPES) {
            NDArray.zeros(t, GPU, 3, 4).toDoubleArray().all { it == 0.0 } shouldBe true
            assertMatches(NDArray.full(7.0, t, 3, 4), NDArray.full(7.0, t, GPU, 3, 4), "full $t")
            val z = NDArray.zeros(t, GPU, 5, 6)
            z.narrow(1, 1, 3).fill_(-2.5)
            assertMatches(NDArray.zeros(t, 5, 6).also { it.narrow(1, 1, 3).fill_(-2.5) }, z, "fill_ of a strided view, $t")
        }
    }

    gpuTest("fresh tensors read as zeros however they are first touched, even in recycled blocks") {
        repeat(3) {
            // Dirty blocks of this size go back to the cache, so the zeros below land in reused memory.
            run { randn(DType.FLOAT32, 64, 64).to(GPU).mul(3.0).sum() }
            System.gc()
            NDArray.zeros(DType.FLOAT32, GPU, 64, 64).toFloatArray().all { it == 0f } shouldBe true
            NDArray.zeros(DType.FLOAT32, GPU, 64, 64).binary_(BinaryOp.ADD, 1.0).toFloatArray().all { it == 1f } shouldBe true
            val part = NDArray.zeros(DType.FLOAT32, GPU, 64, 64).also { it.narrow(0, 0, 1).fill_(5.0) }
            part.sum().item() shouldBe 5.0 * 64
            val s = NDArray.zeros(DType.FLOAT32, GPU, 4, 64).scatter(1, NDArray.of(longArrayOf(0, 1, 2, 3), 4, 1).to(GPU),
                NDArray.full(1.0, DType.FLOAT32, GPU, 4, 1), false)
            s.sum().item() shouldBe 4.0
            NDArray.zeros(DType.FLOAT32, GPU, 64, 0).matmul(NDArray.zeros(DType.FLOAT32, GPU, 0, 64)).sum().item() shouldBe 0.0
        }
    }

    gpuTest("copies of strided views and casts between every pair of dtypes") {
        val base = randn(DType.FLOAT64, 4, 5, 6).mul(10.0)
        for (from in ALL_TYPES) for (to in ALL_TYPES) {
            val x = base.to(from)
            checkOp("cast $from -> $to", x) { it[0].to(to) }
            checkOp("transpose copy $from -> $to", x) { it[0].permute(2, 0, 1).contiguous().to(to) }
        }
        checkOp("slice with step", base) { it[0].slice(2, 1, 6, 2).contiguous() }
        checkOp("expanded view", randn(DType.FLOAT32, 1, 5, 1)) { it[0].expand(3, 5, 4).contiguous() }
        checkOp("copy_ broadcast into a view", randn(DType.FLOAT32, 6)) { x ->
            NDArray.zeros(DType.FLOAT32, x[0].device(), 4, 6).also { it.narrow(0, 1, 2).copy_(x[0]) }
        }
    }

    gpuTest("every unary op on every dtype it takes, contiguous and transposed") {
        for (op in UnaryOp.values()) {
            val types = if (op == UnaryOp.LOGICAL_NOT) listOf(DType.BOOL) else if (op.floatResult()) FLOAT_TYPES else ALL_TYPES
            for (t in types) {
                val x = inputFor(op, t, 33, 17)
                checkOp("$op $t", x) { it[0].unary(op) }
                checkOp("$op $t transposed", x) { it[0].t().unary(op) }
            }
        }
    }

    gpuTest("unary ops in place") {
        checkOp("relu_", randn(DType.FLOAT32, 100)) { it[0].copy().unary_(UnaryOp.RELU) }
        checkOp("neg_ on a view", randn(DType.FLOAT64, 10, 10)) { x -> x[0].copy().also { it.narrow(0, 2, 3).unary_(UnaryOp.NEG) } }
    }

    gpuTest("every binary op on every dtype with broadcasting") {
        for (op in BinaryOp.values()) {
            for (t in ALL_TYPES) {
                if (op.kind() == BinaryOp.Kind.LOGICAL && t != DType.BOOL) continue
                if (op == BinaryOp.POW && !t.isFloatingPoint) continue   // negative exponents throw on the CPU
                if (op == BinaryOp.REMAINDER && !t.isFloatingPoint) continue   // zero divisors throw on the CPU
                val a = inputFor(UnaryOp.NEG, t, 7, 1, 5)
                val b = if (op == BinaryOp.POW) inputFor(UnaryOp.LOG, t, 6, 1) else inputFor(UnaryOp.NEG, t, 6, 1)
                val aa = if (op == BinaryOp.POW) a.unary(UnaryOp.ABS) else a
                checkOp("$op $t", aa, b) { it[0].binary(op, it[1]) }
            }
        }
        checkOp("integer pow", randint(-5, 5, DType.INT64, 30), randint(0, 6, DType.INT64, 30)) { it[0].binary(BinaryOp.POW, it[1]) }
        checkOp("integer remainder", randint(-50, 50, DType.INT64, 30), randint(1, 9, DType.INT64, 30)) {
            it[0].binary(BinaryOp.REMAINDER, it[1].binary(BinaryOp.MUL, -1L))
        }
        checkOp("type promotion int + float", randint(-5, 5, DType.INT32, 4, 4), randn(DType.FLOAT32, 4)) { it[0].add(it[1]) }
    }

    gpuTest("binary ops with a scalar on either side, and in place") {
        for (op in BinaryOp.values()) {
            for (t in listOf(DType.FLOAT32, DType.FLOAT64, DType.INT64)) {
                if (op.kind() == BinaryOp.Kind.LOGICAL) continue
                if (!t.isFloatingPoint && op in setOf(BinaryOp.POW, BinaryOp.REMAINDER, BinaryOp.DIV, BinaryOp.ATAN2)) continue
                val x = inputFor(UnaryOp.NEG, t, 20, 3)
                checkOp("$op $t scalar", x) { it[0].binary(op, 0.75) }
                checkOp("$op $t scalar first", x) { it[0].binaryReversed(op, 0.75) }
                if (!t.isFloatingPoint) checkOp("$op $t int scalar", x) { it[0].binary(op, 3L) }
            }
        }
        checkOp("compare float32 with a double scalar", NDArray.of(floatArrayOf(0.1f, 0.2f), 2)) { it[0].binary(BinaryOp.LT, 0.1) }
        checkOp("add_ broadcast", randn(DType.FLOAT32, 5, 4), randn(DType.FLOAT32, 4)) { it[0].copy().binary_(BinaryOp.ADD, it[1]) }
        checkOp("mul_ scalar", randn(DType.FLOAT64, 5, 4)) { it[0].copy().binary_(BinaryOp.MUL, -2.0) }
    }

    gpuTest("where, maskedFill and clamp") {
        val x = randn(DType.FLOAT32, 8, 9)
        val mask = randn(DType.FLOAT32, 8, 1).binary(BinaryOp.GT, 0.0)
        checkOp("where", mask, x, randn(DType.FLOAT32, 9)) { NDArray.where(it[0], it[1], it[2]) }
        checkOp("maskedFill", x, mask) { it[0].maskedFill(it[1], -1e9) }
        for (t in listOf(DType.FLOAT32, DType.FLOAT64, DType.INT32, DType.INT64)) {
            val v = inputFor(UnaryOp.NEG, t, 50)
            checkOp("clamp $t", v) { it[0].clamp(-1.5, 2.5) }
            checkOp("clamp $t below only", v) { it[0].clamp(-0.5, Double.NaN) }
        }
        checkOp("clamp keeps NaN", NDArray.of(floatArrayOf(Float.NaN, 5f, -5f), 3)) { it[0].clamp(-1.0, 1.0) }
    }

    gpuTest("softmax and logSoftmax along every dim") {
        val x = randn(DType.FLOAT32, 6, 7, 8).mul(4.0)
        for (d in 0 until 3) {
            checkOp("softmax dim $d", x) { it[0].softmax(d) }
            checkOp("logSoftmax dim $d", x) { it[0].logSoftmax(d) }
        }
        checkOp("logSoftmax float64", randn(DType.FLOAT64, 32, 10)) { it[0].logSoftmax(1) }
    }

    gpuTest("elementwise ops, matmul and reductions run without a transfer") {
        val a = randn(DType.FLOAT32, 64, 32).to(GPU)
        val b = randn(DType.FLOAT32, 32, 16).to(GPU)
        Cuda.resetTransferStats()
        val y = a.matmul(b).unary(UnaryOp.TANH).add(1.0).mul(a.sum(1, true).expand(64, 16)).softmax(1).sum(0, false)
        Cuda.synchronize()
        Cuda.transferStats() shouldBe TransferStats(0, 0, 0, 0)
        y.numel() shouldBe 16L
    }

    gpuTest("mixing devices in one op is an error naming both devices") {
        val g = randn(DType.FLOAT32, 3).to(GPU)
        val c = randn(DType.FLOAT32, 3)
        shouldThrow<IllegalArgumentException> { g.add(c) }.message shouldContain "different devices, cuda:0 and cpu"
        shouldThrow<IllegalArgumentException> { c.matmul(g) }.message shouldContain "different devices, cpu and cuda:0"
        shouldThrow<IllegalArgumentException> {
            NDArray.zeros(DType.FLOAT32, GPU, 3, 2).indexAdd_(0, NDArray.of(longArrayOf(0), 1).to(GPU), NDArray.zeros(DType.FLOAT32, 1, 2))
        }.message shouldContain "different devices"
    }

    gpuTest("printing a GPU tensor shows its values and device") {
        NDArray.of(floatArrayOf(1f, 2f), 2).to(GPU).toString() shouldContain "device='cuda:0'"
    }
})
