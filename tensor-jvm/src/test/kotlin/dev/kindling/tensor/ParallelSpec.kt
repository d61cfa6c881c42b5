package dev.kindling.tensor

import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.doubles.shouldBeLessThan
import io.kotest.property.checkAll
import kotlin.math.abs
import kotlin.random.Random

/**
 * The other specs use small arrays, which every kernel runs on the calling thread. These arrays are
 * large enough (over 2 * Parallel.GRAIN elements) that loops split into chunks starting mid-array, on
 * strided and broadcast layouts, so each chunk's starting offsets are checked too.
 */
class ParallelSpec : FunSpec({
    /** A large array of about 40k-120k elements in a random layout. */
    fun Random.large(dtype: DType): Sample {
        val shape = intArrayOf(nextInt(150, 300), nextInt(150, 300), if (nextBoolean()) 1 else 2)
        return sample(shape, dtype, lo = -2.0, hi = 2.0)
    }

    test("binary ops on large strided and broadcast operands match the reference") {
        checkAll(props(6), gen {
            val a = large(if (nextBoolean()) DType.FLOAT32 else DType.FLOAT64)
            val b = sample(broadcastableTo(a.x.shape()), a.x.dtype(), lo = -2.0, hi = 2.0)
            Triple(a, b, listOf(BinaryOp.ADD, BinaryOp.MUL, BinaryOp.MAXIMUM, BinaryOp.REMAINDER).random(this))
        }) { (a, b, op) ->
            val expected = a.ref.zip(b.ref) { x, y -> op.apply(x, y) }
            a.x.binary(op, b.x).shouldMatch(if (a.x.dtype() == DType.FLOAT32) expected.asFloat32() else expected,
                    what = "$a ${op.opName()} $b")
        }
    }

    test("binary ops on large dense float32 operands of one shape match the reference") {
        val rnd = Random(30)
        val a = rnd.sample(intArrayOf(300, 250), DType.FLOAT32, depth = 0)
        val b = rnd.sample(intArrayOf(300, 250), DType.FLOAT32, depth = 0)
        for (op in listOf(BinaryOp.ADD, BinaryOp.SUB, BinaryOp.MUL, BinaryOp.DIV, BinaryOp.MAXIMUM, BinaryOp.MINIMUM)) {
            a.x.binary(op, b.x).shouldMatch(a.ref.zip(b.ref) { x, y -> op.apply(x, y) }.asFloat32(), what = "$a ${op.opName()} $b")
        }
    }

    test("unary ops on large strided arrays match the reference") {
        checkAll(props(6), gen { large(DType.FLOAT32) }) { s ->
            s.x.unary(UnaryOp.SIN).shouldMatch(s.ref.map { kotlin.math.sin(it) }.asFloat32(), what = "$s.sin")
            s.x.unary(UnaryOp.EXP).shouldMatch(s.ref.map { kotlin.math.exp(it) }, rtol = 2e-6, what = "$s.exp")
            s.x.contiguous().shouldMatch(s.ref, what = "$s.contiguous")
            s.x.to(DType.FLOAT64).shouldMatch(s.ref, what = "$s.to(FLOAT64)")
        }
    }

    test("reductions of large strided arrays over any dims match the reference") {
        checkAll(props(6), gen {
            val s = large(if (nextBoolean()) DType.FLOAT32 else DType.FLOAT64)
            s to listOf(intArrayOf(0), intArrayOf(1), intArrayOf(2), intArrayOf(0, 2), intArrayOf(1, 2)).random(this)
        }) { (s, dims) ->
            val tol = if (s.x.dtype() == DType.FLOAT32) 1e-6 else 1e-12
            s.x.reduce(ReduceOp.SUM, dims, false).shouldMatch(s.ref.reduce(dims, false) { it.sum() }, tol, tol, "$s.sum(${dims.str()})")
            s.x.reduce(ReduceOp.MAX, dims, true).shouldMatch(s.ref.reduce(dims, true) { it.max() }, what = "$s.max(${dims.str()})")
            val (values, indices) = s.x.maxMin(false, dims[0], false)
            val (rv, ri) = s.ref.argReduce(false, dims[0], false)
            values.shouldMatch(rv, what = "$s.min(${dims[0]}) values")
            indices.shouldMatch(ri, what = "$s.min(${dims[0]}) indices")
        }
    }

    test("where and maskedFill on large broadcast operands match the reference") {
        checkAll(props(4), gen {
            val a = large(DType.FLOAT32)
            Triple(a, sample(broadcastableTo(a.x.shape()), DType.BOOL), sample(broadcastableTo(a.x.shape()), DType.FLOAT32))
        }) { (a, c, b) ->
            val expected = a.ref.zip(c.ref) { x, m -> if (m != 0.0) 1.0 else x }
            a.x.maskedFill(c.x, 1.0).shouldMatch(expected, what = "$a.maskedFill($c)")
            val w = NDArray.where(c.x, a.x, b.x)
            val ew = Ref.build(a.ref.shape) { at ->
                if (c.ref.at(Ref.broadcastIndex(at, c.ref.shape)) != 0.0) a.ref.at(at) else b.ref.at(Ref.broadcastIndex(at, b.ref.shape))
            }
            w.shouldMatch(ew, what = "where($c, $a, $b)")
        }
    }

    test("a float32 sum of a large strided array is accurate whatever the chunking") {
        val x = Random(31).sample(intArrayOf(400, 300, 2), DType.FLOAT32, lo = 0.0, hi = 1.0)
        val exact = x.ref.v.sum()
        abs(x.x.sum().item() - exact) / exact shouldBeLessThan 1e-6
    }
})
