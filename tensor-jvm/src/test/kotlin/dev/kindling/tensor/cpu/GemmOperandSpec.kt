package dev.kindling.tensor.cpu

import dev.kindling.tensor.DType
import dev.kindling.tensor.NDArray
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe

/**
 * GemmOperand.forEachRun names exactly the elements of a rectangle of one matrix of the batch, each once,
 * for every layout BLAS reads: the copies a GEMM's slabs make in and out of the staging buffers rely on
 * it, and a split product only reaches the partial rectangles on a machine with several cores.
 */
class GemmOperandSpec : FunSpec({
    fun layouts(): Map<String, NDArray> {
        val base = NDArray.zeros(DType.FLOAT32, 3, 9, 11)
        return mapOf(
            "contiguous" to base.narrow(1, 0, 7).narrow(2, 0, 11).contiguous(),
            "sliced rows, offset" to base.narrow(1, 1, 7).narrow(2, 2, 6),
            "transposed" to base.narrow(1, 0, 9).transpose(1, 2).contiguous().transpose(1, 2),
            "transposed slice" to base.narrow(2, 1, 8).transpose(1, 2),
            "broadcast batch" to base.select(0, 1).narrow(1, 3, 5).unsqueeze(0).expand(3, 9, 5),
            "column vector, strided" to base.narrow(2, 4, 1),
            "row vector, strided" to NDArray.zeros(DType.FLOAT32, 3, 6, 2).select(2, 0).unsqueeze(1),
        )
    }

    for ((name, x) in layouts()) {
        test("forEachRun covers each element of any rectangle once: $name") {
            GemmOperand.blasReadable(x) shouldBe true
            val o = GemmOperand(x)
            val st = x.strides()
            for (i in 0 until x.shape()[0]) {
                for ((r0, r1) in listOf(0 to o.rows, 0 to 1, 1 to o.rows, o.rows / 2 to o.rows)) {
                    for ((c0, c1) in listOf(0 to o.cols, 0 to 1, 1 to o.cols, o.cols / 2 to o.cols)) {
                        if (r0 >= r1 || c0 >= c1) continue
                        val want = buildList {
                            for (r in r0 until r1) for (c in c0 until c1) add(i * st[0] + r * st[1] + c * st[2])
                        }.sorted()
                        val got = mutableListOf<Int>()
                        o.forEachRun(i, r0, r1, c0, c1) { at, count -> for (e in at until at + count) got.add(e) }
                        got.sorted() shouldBe want
                    }
                }
            }
        }
    }
})
