package dev.kindling.tensor

import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.doubles.shouldBeLessThan
import io.kotest.matchers.shouldBe

/** float16/bfloat16 arrays on the CPU: creation, printing, conversion, promotion, ops computed through float32. */
class HalfTensorsSpec : FunSpec({
    val halves = listOf(DType.FLOAT16, DType.BFLOAT16)

    fun roundTo(t: DType, v: Double): Double =
        if (t == DType.FLOAT16) HalfFloats.float16ToFloat(HalfFloats.toFloat16(v)).toDouble()
        else HalfFloats.bfloat16ToFloat(HalfFloats.toBfloat16(v)).toDouble()

    test("half dtypes are 2-byte floating types with PyTorch's names") {
        DType.FLOAT16.itemSize() shouldBe 2
        DType.BFLOAT16.isFloatingPoint() shouldBe true
        DType.FLOAT16.isHalf() shouldBe true
        DType.FLOAT32.isHalf() shouldBe false
        DType.FLOAT16.torchName() shouldBe "torch.float16"
        DType.BFLOAT16.torchName() shouldBe "torch.bfloat16"
    }

    test("promotion: a half with a wider float gives the wider, float16 with bfloat16 gives float32 as torch.promote_types") {
        DType.promote(DType.FLOAT16, DType.FLOAT32) shouldBe DType.FLOAT32
        DType.promote(DType.BFLOAT16, DType.FLOAT64) shouldBe DType.FLOAT64
        DType.promote(DType.FLOAT16, DType.BFLOAT16) shouldBe DType.FLOAT32
        DType.promote(DType.INT64, DType.BFLOAT16) shouldBe DType.BFLOAT16
        NDArray.of(floatArrayOf(1f), 1).to(DType.FLOAT16).binary(BinaryOp.ADD, NDArray.of(floatArrayOf(1f), 1).to(DType.BFLOAT16))
            .dtype() shouldBe DType.FLOAT32
    }

    for (t in halves) {
        test("$t: conversion from float64 rounds each element once, to nearest even, and back exactly") {
            val rng = java.util.Random(7)
            val v = DoubleArray(500) { rng.nextGaussian() * Math.pow(10.0, rng.nextInt(9) - 4.0) }
            val h = NDArray.of(v, 500).to(t)
            h.dtype() shouldBe t
            h.toDoubleArray().toList() shouldBe v.map { roundTo(t, it) }
            h.to(DType.FLOAT32).toFloatArray().toList() shouldBe v.map { roundTo(t, it).toFloat() }
            h.to(DType.INT64).toLongArray().toList() shouldBe v.map { roundTo(t, it).toLong() }
        }

        test("$t: prints as PyTorch does, with the dtype suffix") {
            val x = NDArray.of(floatArrayOf(1f, 0.1f, -2.5f), 3).to(t)
            // bfloat16's 0.1 is 0.10009765625, which PyTorch prints as 0.1001 too.
            val tenth = if (t == DType.FLOAT16) "0.1000" else "0.1001"
            x.toString() shouldBe "tensor([ 1.0000,  $tenth, -2.5000], dtype=${t.torchName()})"
            NDArray.zeros(t, 2).toString() shouldBe "tensor([0., 0.], dtype=${t.torchName()})"
        }

        test("$t: zeros, full and rand create the dtype; rand stays below one") {
            NDArray.full(3.0, t, 2, 2).toDoubleArray().toList() shouldBe listOf(3.0, 3.0, 3.0, 3.0)
            val r = NDArray.rand(Generator(3), t, 4000)
            r.dtype() shouldBe t
            r.toDoubleArray().max() shouldBeLessThan 1.0
        }

        test("$t: elementwise ops compute in double and round the result once") {
            val a = NDArray.of(doubleArrayOf(1.0, 3.0, 0.3, -7.0), 4).to(t)
            val b = NDArray.of(doubleArrayOf(3.0, 7.0, 0.7, 0.001), 4).to(t)
            val da = a.toDoubleArray()
            val db = b.toDoubleArray()
            a.binary(BinaryOp.DIV, b).toDoubleArray().toList() shouldBe da.indices.map { roundTo(t, da[it] / db[it]) }
            a.unary(UnaryOp.EXP).toDoubleArray().toList() shouldBe da.map { roundTo(t, Math.exp(it)) }
            a.binary(BinaryOp.DIV, b).dtype() shouldBe t
        }

        test("$t: matmul, sum and conv2d compute through float32 and round once") {
            val rng = java.util.Random(11)
            val a = NDArray.of(FloatArray(6 * 5) { rng.nextFloat() - 0.5f }, 6, 5).to(t)
            val b = NDArray.of(FloatArray(5 * 4) { rng.nextFloat() - 0.5f }, 5, 4).to(t)
            val expect = a.to(DType.FLOAT32).matmul(b.to(DType.FLOAT32)).toDoubleArray().map { roundTo(t, it) }
            val got = a.matmul(b)
            got.dtype() shouldBe t
            got.toDoubleArray().toList() shouldBe expect
            val s = a.sum()
            s.dtype() shouldBe t
            s.item() shouldBe roundTo(t, a.toDoubleArray().sum())
            val x = NDArray.of(FloatArray(2 * 3 * 5 * 5) { rng.nextFloat() }, 2, 3, 5, 5).to(t)
            val w = NDArray.of(FloatArray(4 * 3 * 3 * 3) { rng.nextFloat() - 0.5f }, 4, 3, 3, 3).to(t)
            val p = ConvParams(1, 1, 1, 1, 1, 1, 1)
            val y = x.conv2d(w, null, p)
            y.dtype() shouldBe t
            y.toDoubleArray().toList() shouldBe x.to(DType.FLOAT32).conv2d(w.to(DType.FLOAT32), null, p).toDoubleArray().map { roundTo(t, it) }
        }
    }
})
