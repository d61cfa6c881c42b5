package dev.kindling.cuda

import dev.kindling.tensor.DType
import dev.kindling.tensor.NDArray
import dev.kindling.tensor.ReduceOp
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe

class CudaReductionsSpec : FunSpec({
    gpuTest("every reduction over every subset of dims, for every dtype it takes") {
        val dimSets = listOf(null, intArrayOf(0), intArrayOf(1), intArrayOf(2), intArrayOf(0, 2), intArrayOf(1, 2))
        for (op in ReduceOp.values()) {
            for (t in DType.values()) {
                if (op == ReduceOp.MEAN && !t.isFloatingPoint) continue
                val x = when {
                    t == DType.BOOL -> randint(0, 2, DType.INT64, 5, 6, 7).to(DType.BOOL)
                    op == ReduceOp.PROD && t.isFloatingPoint -> randn(DType.FLOAT64, 5, 6, 7).mul(0.3).add(1.0).to(t)
                    op == ReduceOp.PROD -> randint(-1, 2, t, 5, 6, 7)     // products of up to 210 factors stay exact
                    t.isFloatingPoint -> randn(t, 5, 6, 7)
                    else -> randint(-100, 100, t, 5, 6, 7)
                }
                // A float32 product of 210 factors rounds 210 times, in a different order on each side.
                val tol = if (op == ReduceOp.PROD && t == DType.FLOAT32) 1e-4 else null
                for (dims in dimSets) {
                    for (keep in listOf(true, false)) {
                        checkOp("$op $t dims ${dims?.toList()} keepdim $keep", x, rtol = tol) { it[0].reduce(op, dims, keep) }
                    }
                }
                checkOp("$op $t over a transposed view", x, rtol = tol) { it[0].permute(2, 0, 1).reduce(op, intArrayOf(1), false) }
            }
        }
    }

    gpuTest("a full sum of 3M elements splits over many blocks and matches the CPU's double accumulation") {
        val x = randn(DType.FLOAT32, 3_000_000)
        checkOp("sum 3M", x, rtol = 1e-6) { it[0].sum() }
        checkOp("mean 3M", x, rtol = 1e-6) { it[0].mean() }
        checkOp("max 3M", x) { it[0].reduce(ReduceOp.MAX, null, false) }
        checkOp("sum over a long column", randn(DType.FLOAT64, 200_000, 3)) { it[0].sum(0, false) }
    }

    gpuTest("reductions of empty dims give the identity") {
        checkOp("sum of nothing", NDArray.zeros(DType.FLOAT32, 4, 0)) { it[0].sum(1, false) }
        checkOp("prod of nothing", NDArray.zeros(DType.FLOAT64, 4, 0)) { it[0].reduce(ReduceOp.PROD, intArrayOf(1), false) }
        checkOp("all of nothing", NDArray.zeros(DType.BOOL, 0)) { it[0].reduce(ReduceOp.ALL, null, false) }
    }

    gpuTest("max and min propagate NaN") {
        val x = NDArray.of(floatArrayOf(1f, Float.NaN, 3f, 4f, 5f, 6f), 2, 3)
        checkOp("max with NaN", x) { it[0].reduce(ReduceOp.MAX, intArrayOf(1), false) }
        checkOp("min with NaN", x) { it[0].reduce(ReduceOp.MIN, null, false) }
    }

    gpuTest("max/min along a dim give the first index of the extreme, NaN first") {
        for (t in listOf(DType.FLOAT32, DType.FLOAT64, DType.INT32, DType.INT64, DType.BOOL)) {
            val x = if (t.isFloatingPoint) randn(t, 9, 300, 4) else randint(-3, 3, DType.INT64, 9, 300, 4).to(t)
            for (d in 0 until 3) for (max in listOf(true, false)) {
                val cpu = x.maxMin(max, d, false)
                val gpu = x.to(GPU).maxMin(max, d, false)
                assertMatches(cpu[0], gpu[0], "values $t dim $d max $max")
                assertMatches(cpu[1], gpu[1], "indices $t dim $d max $max")
            }
        }
        val ties = NDArray.of(floatArrayOf(2f, 7f, 7f, Float.NaN, 1f, Float.NaN), 6)
        checkOp("argmax with ties and NaN", ties) { it[0].argmax() }
        checkOp("argmin of integers with ties", NDArray.of(longArrayOf(3, 1, 1, 2), 4)) { it[0].argmin() }
    }

    gpuTest("var, norm and logsumexp built from reductions") {
        val x = randn(DType.FLOAT64, 10, 20)
        checkOp("var", x) { it[0].`var`(intArrayOf(1), 1, false) }
        checkOp("norm 2", x) { it[0].norm(2.0, null, false) }
        checkOp("logsumexp", x) { it[0].logsumexp(intArrayOf(0), true) }
        (kotlin.math.abs(x.to(GPU).sum().item() - x.sum().item()) < 1e-9) shouldBe true
    }
})
