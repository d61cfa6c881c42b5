package dev.kindling.tensor

import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.kotest.property.checkAll

class BroadcastingSpec : FunSpec({
    val arithmetic = listOf(BinaryOp.ADD, BinaryOp.SUB, BinaryOp.MUL, BinaryOp.DIV, BinaryOp.MAXIMUM, BinaryOp.MINIMUM)

    /** Two operands that broadcast to a random shape, each contiguous or a view of a view. */
    fun operands(dtype: DType) = gen {
        val out = shape()
        val a = sample(broadcastableTo(out), dtype)
        val b = sample(broadcastableTo(out), dtype)
        if (nextBoolean()) a to b else b to a
    }

    for (dtype in FLOATS) {
        for (op in arithmetic) {
            test("${op.opName()} of broadcast $dtype operands matches the reference, rounded once to $dtype") {
                checkAll(props(60), operands(dtype)) { (a, b) ->
                    val expected = a.ref.zip(b.ref) { x, y -> op.apply(x, y) }
                    a.x.binary(op, b.x).shouldMatch(if (dtype == DType.FLOAT32) expected.asFloat32() else expected,
                            what = "$a ${op.opName()} $b")
                }
            }
        }
    }

    test("a scalar operand on either side broadcasts against a non-contiguous array") {
        checkAll(props(40), gen { sample(shape(), if (nextBoolean()) DType.FLOAT32 else DType.FLOAT64) to nextDouble(-2.0, 2.0) }) { (a, s) ->
            val round: (Double) -> Double = if (a.x.dtype() == DType.FLOAT32) { v -> v.toFloat().toDouble() } else { v -> v }
            val sr = round(s)
            a.x.binary(BinaryOp.SUB, s).shouldMatch(a.ref.map { round(it - sr) }, what = "$a - $s")
            a.x.binaryReversed(BinaryOp.SUB, s).shouldMatch(a.ref.map { round(sr - it) }, what = "$s - $a")
            a.x.binaryReversed(BinaryOp.DIV, s).shouldMatch(a.ref.map { round(sr / it) }, what = "$s / $a")
        }
    }

    test("comparisons broadcast and give bool") {
        checkAll(props(40), operands(DType.INT64)) { (a, b) ->
            for (op in listOf(BinaryOp.EQ, BinaryOp.NE, BinaryOp.LT, BinaryOp.LE, BinaryOp.GT, BinaryOp.GE)) {
                val r = a.x.binary(op, b.x)
                r.dtype() shouldBe DType.BOOL
                r.shouldMatch(a.ref.zip(b.ref) { x, y -> op.apply(x, y) }, what = "$a ${op.opName()} $b")
            }
        }
    }

    test("integer arithmetic broadcasts and stays exact") {
        checkAll(props(40), operands(DType.INT64)) { (a, b) ->
            for (op in listOf(BinaryOp.ADD, BinaryOp.SUB, BinaryOp.MUL, BinaryOp.MAXIMUM, BinaryOp.MINIMUM)) {
                a.x.binary(op, b.x).shouldMatch(a.ref.zip(b.ref) { x, y -> op.apply(x, y) }, what = "$a ${op.opName()} $b")
            }
        }
    }

    test("maximum and minimum propagate NaN in float32 and float64") {
        for (dtype in FLOATS) {
            val a = NDArray.of(doubleArrayOf(Double.NaN, 1.0, 2.0), 3).to(dtype)
            val b = NDArray.of(doubleArrayOf(0.0, Double.NaN, 1.0), 3).to(dtype)
            a.binary(BinaryOp.MAXIMUM, b).shouldMatch(Ref(intArrayOf(3), doubleArrayOf(Double.NaN, Double.NaN, 2.0)))
            a.binary(BinaryOp.MINIMUM, b).shouldMatch(Ref(intArrayOf(3), doubleArrayOf(Double.NaN, Double.NaN, 1.0)))
        }
    }

    test("in-place binary_ writes through a strided view into its base") {
        val base = NDArray.zeros(DType.FLOAT32, 4, 6)
        val view = base.slice(1, 1, 6, 2).t() // [3, 4], strides [2, 6]
        view.binary_(BinaryOp.ADD, NDArray.of(floatArrayOf(1f, 2f, 3f), 3, 1))
        base.shouldMatch(Ref.build(intArrayOf(4, 6)) { (_, j) -> if (j % 2 == 1) ((j - 1) / 2 + 1).toDouble() else 0.0 })
    }

    test("in-place binary_ rejects an operand that would grow the target") {
        val e = shouldThrow<IllegalArgumentException> { NDArray.zeros(DType.FLOAT32, 3).binary_(BinaryOp.ADD, NDArray.zeros(DType.FLOAT32, 2, 3)) }
        e.message shouldContain "add_"
        e.message shouldContain "[2, 3]"
        e.message shouldContain "[3]"
    }

    test("broadcasting [2, 3] with [4] fails naming the op and both shapes") {
        val e = shouldThrow<IllegalArgumentException> { NDArray.zeros(DType.FLOAT32, 2, 3).add(NDArray.zeros(DType.FLOAT32, 4)) }
        e.message shouldContain "add"
        e.message shouldContain "[2, 3]"
        e.message shouldContain "[4]"
    }
})
