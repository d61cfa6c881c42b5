package dev.kindling.tensor

import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe

/** toString must print exactly what PyTorch prints (torch/_tensor_str.py, default print options). */
class PrinterSpec : FunSpec({
    fun f32(vararg v: Float) = NDArray.of(v, v.size)

    test("integral float32 values print with a trailing dot") {
        f32(1f, 2f, 3f).toString() shouldBe "tensor([1., 2., 3.])"
    }

    test("a matrix puts each row on its own line, aligned under the first") {
        NDArray.of(floatArrayOf(1f, 2f, 3f, 4f), 2, 2).toString() shouldBe "tensor([[1., 2.],\n        [3., 4.]])"
    }

    test("a 3-d array separates its matrices by a blank line and pads to a common width") {
        NDArray.arange(0.0, 12.0, 1.0, DType.FLOAT32).reshape(2, 2, 3).toString() shouldBe
            "tensor([[[ 0.,  1.,  2.],\n" +
            "         [ 3.,  4.,  5.]],\n" +
            "\n" +
            "        [[ 6.,  7.,  8.],\n" +
            "         [ 9., 10., 11.]]])"
    }

    test("fractions print with four decimals") {
        f32(0.1f, 0.25f).toString() shouldBe "tensor([0.1000, 0.2500])"
        f32(-1.5f, 2f).toString() shouldBe "tensor([-1.5000,  2.0000])"
        f32(1.23456789f).toString() shouldBe "tensor([1.2346])"
    }

    test("a wide range of magnitudes switches to scientific notation") {
        f32(1e-5f, 1f).toString() shouldBe "tensor([1.0000e-05, 1.0000e+00])"
        f32(1e10f, 1f).toString() shouldBe "tensor([1.0000e+10, 1.0000e+00])"
        f32(100000f).toString() shouldBe "tensor([100000.])"
        f32(1e-10f).toString() shouldBe "tensor([1.0000e-10])"
    }

    test("integer dtypes print plainly; int64 has no dtype suffix, int32 does") {
        NDArray.of(longArrayOf(1, 2, 3), 3).toString() shouldBe "tensor([1, 2, 3])"
        NDArray.of(intArrayOf(1, 2), 2).toString() shouldBe "tensor([1, 2], dtype=torch.int32)"
        NDArray.of(longArrayOf(-5, 10), 2).toString() shouldBe "tensor([-5, 10])"
    }

    test("bools print as True and False padded to a common width") {
        NDArray.of(booleanArrayOf(true, false), 2).toString() shouldBe "tensor([ True, False])"
        NDArray.of(booleanArrayOf(true, true), 2).toString() shouldBe "tensor([True, True])"
    }

    test("float64 carries a dtype suffix") {
        NDArray.of(doubleArrayOf(1.0, 2.0), 2).toString() shouldBe "tensor([1., 2.], dtype=torch.float64)"
        NDArray.of(doubleArrayOf(1.5), 1).toString() shouldBe "tensor([1.5000], dtype=torch.float64)"
    }

    test("a 0-d array prints its value alone") {
        NDArray.scalar(3.5, DType.FLOAT32).toString() shouldBe "tensor(3.5000)"
        NDArray.scalar(3.0, DType.INT64).toString() shouldBe "tensor(3)"
        NDArray.scalar(Double.NaN, DType.FLOAT32).toString() shouldBe "tensor(nan)"
    }

    test("empty arrays print [] with their size unless 1-d, and their dtype unless float32") {
        NDArray.zeros(DType.FLOAT32, 0).toString() shouldBe "tensor([])"
        NDArray.zeros(DType.FLOAT32, 0, 3).toString() shouldBe "tensor([], size=(0, 3))"
        NDArray.zeros(DType.INT64, 0).toString() shouldBe "tensor([], dtype=torch.int64)"
    }

    test("more than 1000 elements print summarised with three from each end") {
        NDArray.arange(0.0, 2000.0, 1.0, DType.INT64).toString() shouldBe "tensor([   0,    1,    2,  ..., 1997, 1998, 1999])"
        NDArray.arange(0.0, 2000.0, 1.0, DType.INT64).reshape(1000, 2).toString() shouldBe
            "tensor([[   0,    1],\n" +
            "        [   2,    3],\n" +
            "        [   4,    5],\n" +
            "        ...,\n" +
            "        [1994, 1995],\n" +
            "        [1996, 1997],\n" +
            "        [1998, 1999]])"
    }

    test("a summarised matrix in scientific notation wraps each row at 80 columns") {
        NDArray.arange(0.0, 2000.0, 1.0, DType.FLOAT32).reshape(2, 1000).toString() shouldBe
            "tensor([[0.0000e+00, 1.0000e+00, 2.0000e+00,  ..., 9.9700e+02, 9.9800e+02,\n" +
            "         9.9900e+02],\n" +
            "        [1.0000e+03, 1.0010e+03, 1.0020e+03,  ..., 1.9970e+03, 1.9980e+03,\n" +
            "         1.9990e+03]])"
    }

    test("nan and inf print by name and do not count towards the width") {
        f32(Float.NaN, Float.POSITIVE_INFINITY, 1f).toString() shouldBe "tensor([nan, inf, 1.])"
        f32(Float.NEGATIVE_INFINITY, 0.5f).toString() shouldBe "tensor([  -inf, 0.5000])"
    }

    test("zeros and negative zero print in integer mode") {
        NDArray.zeros(DType.FLOAT32, 2, 3).toString() shouldBe "tensor([[0., 0., 0.],\n        [0., 0., 0.]])"
        f32(-0f, 1f).toString() shouldBe "tensor([-0., 1.])"
    }

    test("long rows wrap at 80 columns") {
        NDArray.arange(0.0, 30.0, 1.0, DType.FLOAT32).toString() shouldBe
            "tensor([ 0.,  1.,  2.,  3.,  4.,  5.,  6.,  7.,  8.,  9., 10., 11., 12., 13.,\n" +
            "        14., 15., 16., 17., 18., 19., 20., 21., 22., 23., 24., 25., 26., 27.,\n" +
            "        28., 29.])"
    }

    test("a non-contiguous view prints its own elements") {
        NDArray.of(floatArrayOf(1f, 2f, 3f, 4f), 2, 2).t().toString() shouldBe "tensor([[1., 3.],\n        [2., 4.]])"
    }
})
