package dev.kindling.tensor.cpu

import dev.kindling.tensor.DType
import dev.kindling.tensor.NDArray
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe

/**
 * Strided.forEach visits, for every chunk [from, to) of the row-major order, exactly those elements of
 * each operand, in order: one to three operands (fewer are padded with zero strides), dims merged or not,
 * broadcast and transposed views, and chunks that start and end inside a row. Every elementwise kernel
 * and reduction walks its operands this way; parallel loops cut the range at arbitrary points.
 */
class StridedSpec : FunSpec({
    fun layouts(): Map<String, List<NDArray>> {
        val base = NDArray.zeros(DType.FLOAT32, 4, 6, 5)
        return mapOf(
            "one dense operand (one merged dim)" to listOf(base),
            "one sliced operand" to listOf(base.narrow(1, 1, 4).narrow(2, 2, 3)),
            "two: dense and transposed" to listOf(NDArray.zeros(DType.FLOAT32, 4, 5, 6), base.transpose(1, 2)),
            "two: dense and a broadcast row" to listOf(base, base.select(0, 2).select(0, 3).expand(4, 6, 5)),
            "three: offset slice, dense, broadcast column" to listOf(
                base.narrow(0, 1, 3), NDArray.zeros(DType.FLOAT32, 3, 6, 5), NDArray.zeros(DType.FLOAT32, 3, 6, 1).expand(3, 6, 5)),
            "one element" to listOf(base.narrow(0, 2, 1).narrow(1, 3, 1).narrow(2, 4, 1)),
        )
    }

    /** Each operand's element offset at row-major position p, from its own shape, strides and offset. */
    fun offsetAt(x: NDArray, p: Long): Int {
        val shape = x.shape()
        val strides = x.strides()
        var rest = p
        var o = x.offset()
        for (d in shape.indices.reversed()) {
            o += (rest % shape[d]).toInt() * strides[d]
            rest /= shape[d]
        }
        return o
    }

    for ((name, xs) in layouts()) {
        test("forEach names each operand's elements of any chunk, in order: $name") {
            val walk = Strided.of(*xs.toTypedArray())
            val n = walk.numel
            val cuts = listOf(0L to n, 0L to 1L, 1L to n, 3L to n - 2, n / 2 to n, n - 1 to n).filter { (a, b) -> a < b }
            for ((from, to) in cuts) {
                val want = (from until to).map { p -> xs.map { offsetAt(it, p) } + List(3 - xs.size) { 0 } }
                val got = mutableListOf<List<Int>>()
                walk.forEach(from, to) { count, o0, o1, o2 ->
                    val s = xs.indices.map { walk.innerStride(it) } + List(3 - xs.size) { 0 }
                    for (e in 0 until count) got.add(listOf(o0 + e * s[0], o1 + e * s[1], o2 + e * s[2]))
                }
                got shouldBe want
            }
        }
    }
})
