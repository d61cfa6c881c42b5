package dev.kindling.tensor

import io.kotest.assertions.throwables.shouldThrow
import io.kotest.assertions.withClue
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain

class TypePromotionSpec : FunSpec({
    fun t(dtype: DType, vararg shape: Int) = NDArray.ones(dtype, *shape)
    fun scalar(dtype: DType) = NDArray.scalar(1.0, dtype)

    test("two dimensioned operands promote as torch.promote_types: category first, then width") {
        // Rows and columns in the order BOOL, INT32, INT64, FLOAT16, BFLOAT16, FLOAT32, FLOAT64.
        val expected = listOf(
            listOf("BOOL", "INT32", "INT64", "FLOAT16", "BFLOAT16", "FLOAT32", "FLOAT64"),
            listOf("INT32", "INT32", "INT64", "FLOAT16", "BFLOAT16", "FLOAT32", "FLOAT64"),
            listOf("INT64", "INT64", "INT64", "FLOAT16", "BFLOAT16", "FLOAT32", "FLOAT64"),
            listOf("FLOAT16", "FLOAT16", "FLOAT16", "FLOAT16", "FLOAT32", "FLOAT32", "FLOAT64"),
            listOf("BFLOAT16", "BFLOAT16", "BFLOAT16", "FLOAT32", "BFLOAT16", "FLOAT32", "FLOAT64"),
            listOf("FLOAT32", "FLOAT32", "FLOAT32", "FLOAT32", "FLOAT32", "FLOAT32", "FLOAT64"),
            listOf("FLOAT64", "FLOAT64", "FLOAT64", "FLOAT64", "FLOAT64", "FLOAT64", "FLOAT64"),
        )
        for ((i, a) in DType.values().withIndex()) {
            for ((j, b) in DType.values().withIndex()) {
                withClue("$a with $b") {
                    NDArray.resultType(t(a, 3), t(b, 3)).name shouldBe expected[i][j]
                    t(a, 3).binary(BinaryOp.ADD, t(b, 3)).dtype().name shouldBe expected[i][j]
                }
            }
        }
    }

    test("int32 + int64 is int64 and int64 + float32 is float32") {
        t(DType.INT32, 2).add(t(DType.INT64, 2)).dtype() shouldBe DType.INT64
        t(DType.INT64, 2).add(t(DType.FLOAT32, 2)).dtype() shouldBe DType.FLOAT32
    }

    test("bool + bool stays bool and acts as logical or, as in PyTorch") {
        val a = NDArray.of(booleanArrayOf(true, true, false, false), 4)
        val b = NDArray.of(booleanArrayOf(true, false, true, false), 4)
        val r = a.binary(BinaryOp.ADD, b)
        r.dtype() shouldBe DType.BOOL
        r.toBooleanArray().toList() shouldBe listOf(true, true, true, false)
    }

    test("a 0-d operand only decides the type when its category is higher (PyTorch's scalar rule)") {
        NDArray.resultType(scalar(DType.FLOAT64), t(DType.FLOAT32, 3)) shouldBe DType.FLOAT32
        NDArray.resultType(t(DType.FLOAT32, 3), scalar(DType.FLOAT64)) shouldBe DType.FLOAT32
        NDArray.resultType(scalar(DType.FLOAT64), t(DType.INT32, 3)) shouldBe DType.FLOAT64
        NDArray.resultType(scalar(DType.INT64), t(DType.INT32, 3)) shouldBe DType.INT32
        NDArray.resultType(scalar(DType.INT64), t(DType.BOOL, 3)) shouldBe DType.INT64
        NDArray.resultType(scalar(DType.FLOAT64), scalar(DType.INT32)) shouldBe DType.FLOAT64
        NDArray.resultType(scalar(DType.FLOAT32), scalar(DType.FLOAT64)) shouldBe DType.FLOAT64
        scalar(DType.FLOAT64).add(t(DType.FLOAT32, 3)).dtype() shouldBe DType.FLOAT32
        scalar(DType.FLOAT64).add(t(DType.INT32, 3)).dtype() shouldBe DType.FLOAT64
    }

    test("a Python-float scalar turns integer arrays into float32 and keeps float64") {
        t(DType.INT32, 2).add(0.5).dtype() shouldBe DType.FLOAT32
        t(DType.INT64, 2).binary(BinaryOp.MUL, 2.0).dtype() shouldBe DType.FLOAT32
        t(DType.BOOL, 2).binary(BinaryOp.ADD, 1.5).dtype() shouldBe DType.FLOAT32
        t(DType.FLOAT64, 2).add(0.5).dtype() shouldBe DType.FLOAT64
        t(DType.INT32, 2).add(0.5).toDoubleArray().toList() shouldBe listOf(1.5, 1.5)
    }

    test("a Python-int scalar keeps the array's integer type, and makes bool int64") {
        t(DType.INT32, 2).binary(BinaryOp.ADD, 3L).dtype() shouldBe DType.INT32
        t(DType.INT64, 2).binary(BinaryOp.MUL, 3L).dtype() shouldBe DType.INT64
        t(DType.BOOL, 2).binary(BinaryOp.ADD, 3L).dtype() shouldBe DType.INT64
        t(DType.FLOAT32, 2).binary(BinaryOp.ADD, 3L).dtype() shouldBe DType.FLOAT32
        t(DType.INT32, 2).binary(BinaryOp.ADD, 3L).toLongArray().toList() shouldBe listOf(4L, 4L)
    }

    test("division of integers is true division in float32") {
        val r = NDArray.of(longArrayOf(1, 7), 2).div(NDArray.of(longArrayOf(2, 2), 2))
        r.dtype() shouldBe DType.FLOAT32
        r.toDoubleArray().toList() shouldBe listOf(0.5, 3.5)
        NDArray.of(intArrayOf(1, 3), 2).binary(BinaryOp.DIV, 2L).toDoubleArray().toList() shouldBe listOf(0.5, 1.5)
        NDArray.of(doubleArrayOf(1.0), 1).div(NDArray.of(longArrayOf(4), 1)).dtype() shouldBe DType.FLOAT64
    }

    test("comparisons give bool whatever the operand types") {
        for (op in listOf(BinaryOp.EQ, BinaryOp.NE, BinaryOp.LT, BinaryOp.LE, BinaryOp.GT, BinaryOp.GE)) {
            t(DType.INT32, 2).binary(op, t(DType.FLOAT64, 2)).dtype() shouldBe DType.BOOL
            t(DType.FLOAT32, 2).binary(op, 0.5).dtype() shouldBe DType.BOOL
            t(DType.INT64, 2).binary(op, 1L).dtype() shouldBe DType.BOOL
        }
        // int 1 compared with float 1.5 is computed in float, not truncated.
        NDArray.of(longArrayOf(1), 1).binary(BinaryOp.LT, 1.5).toBooleanArray()[0] shouldBe true
    }

    test("logical ops read operands as truth values and give bool") {
        val a = NDArray.of(doubleArrayOf(0.0, 2.0, 0.0, -1.0), 4)
        val b = NDArray.of(longArrayOf(0, 0, 5, 3), 4)
        a.binary(BinaryOp.LOGICAL_AND, b).toBooleanArray().toList() shouldBe listOf(false, false, false, true)
        a.binary(BinaryOp.LOGICAL_OR, b).toBooleanArray().toList() shouldBe listOf(false, true, true, true)
        a.binary(BinaryOp.LOGICAL_XOR, b).toBooleanArray().toList() shouldBe listOf(false, true, true, false)
    }

    test("unary float functions of integers are float32; integer functions keep the type") {
        NDArray.of(longArrayOf(0, 1), 2).unary(UnaryOp.EXP).dtype() shouldBe DType.FLOAT32
        NDArray.of(intArrayOf(-2, 1), 2).unary(UnaryOp.ABS).dtype() shouldBe DType.INT32
        NDArray.of(intArrayOf(-2, 1), 2).unary(UnaryOp.ABS).toLongArray().toList() shouldBe listOf(2L, 1L)
        NDArray.of(doubleArrayOf(0.0, 2.0), 2).unary(UnaryOp.LOGICAL_NOT).dtype() shouldBe DType.BOOL
    }

    test("an in-place op refuses a result type the target cannot hold") {
        val e = shouldThrow<IllegalArgumentException> { t(DType.INT64, 2).binary_(BinaryOp.ADD, t(DType.FLOAT32, 2)) }
        e.message shouldContain "add_"
        e.message shouldContain "FLOAT32"
        shouldThrow<IllegalArgumentException> { t(DType.INT64, 2).unary_(UnaryOp.EXP) }.message shouldContain "exp_"
        // A wider type of the same kind fits: float32 += float64 stays float32.
        t(DType.FLOAT32, 2).binary_(BinaryOp.ADD, t(DType.FLOAT64, 2)).dtype() shouldBe DType.FLOAT32
    }

    test("conversion with to() truncates floats toward zero and reads non-zero as true") {
        val x = NDArray.of(doubleArrayOf(-1.7, -0.2, 0.0, 2.9), 4)
        x.to(DType.INT64).toLongArray().toList() shouldBe listOf(-1L, 0L, 0L, 2L)
        x.to(DType.BOOL).toBooleanArray().toList() shouldBe listOf(true, true, false, true)
    }
})
