package dev.kindling.tensor

import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe

/** float32 where/maskedFill take a flat loop when operands are contiguous or one broadcast value: same results as elementwise. */
class WhereFastPathSpec : FunSpec({
    val g = Generator(17)
    val n = 4 * 6
    val mask = BooleanArray(n) { g.nextDouble() < 0.5 }
    val xs = FloatArray(n) { g.nextDouble().toFloat() }
    val ys = FloatArray(n) { -g.nextDouble().toFloat() }
    val cond = NDArray.of(mask, 4, 6)

    fun expect(pick: (Int) -> Float) = FloatArray(n) { pick(it) }.toList()

    test("contiguous on both sides") {
        NDArray.where(cond, NDArray.of(xs, 4, 6), NDArray.of(ys, 4, 6)).toFloatArray().toList() shouldBe
            expect { if (mask[it]) xs[it] else ys[it] }
    }

    test("a broadcast value on either side or both") {
        NDArray.where(cond, NDArray.full(2.5, DType.FLOAT32, Device.CPU), NDArray.of(ys, 4, 6)).toFloatArray().toList() shouldBe
            expect { if (mask[it]) 2.5f else ys[it] }
        NDArray.where(cond, NDArray.of(xs, 4, 6), NDArray.full(-1.0, DType.FLOAT32, Device.CPU)).toFloatArray().toList() shouldBe
            expect { if (mask[it]) xs[it] else -1f }
        NDArray.where(cond, NDArray.full(1.0, DType.FLOAT32, Device.CPU), NDArray.full(0.0, DType.FLOAT32, Device.CPU))
            .toFloatArray().toList() shouldBe expect { if (mask[it]) 1f else 0f }
    }

    test("in place, on a contiguous view that starts inside its storage") {
        val base = NDArray.of(FloatArray(n + 6) { if (it < 6) 9f else xs[it - 6] }, 5, 6)
        val view = base.narrow(0, 1, 4)
        view.maskedFill_(cond, 0.0)
        base.toFloatArray().toList() shouldBe List(6) { 9f } + expect { if (mask[it]) 0f else xs[it] }
    }

    test("a strided operand still takes the general path") {
        val t = NDArray.of(xs, 6, 4).transpose(0, 1)
        NDArray.where(cond, t, NDArray.of(ys, 4, 6)).toFloatArray().toList() shouldBe
            expect { val r = it / 6; val c = it % 6; if (mask[it]) xs[c * 4 + r] else ys[it] }
    }

    test("empty operands") {
        NDArray.where(NDArray.of(BooleanArray(0), 0), NDArray.of(FloatArray(0), 0), NDArray.full(1.0, DType.FLOAT32, Device.CPU))
            .numel() shouldBe 0L
    }
})
