package dev.kindling.tensor.cpu

import dev.kindling.tensor.DType
import dev.kindling.tensor.Generator
import dev.kindling.tensor.NDArray
import dev.kindling.tensor.cpu.RecurrentKernels.Cell
import dev.kindling.tensor.cpu.RecurrentKernels.Gradients
import dev.kindling.tensor.cpu.RecurrentKernels.Inputs
import dev.kindling.tensor.cpu.RecurrentKernels.Results
import dev.kindling.tensor.cpu.RecurrentKernels.Steps
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.doubles.shouldBeLessThan

/**
 * The recurrent kernels with the hidden units cut into several slabs (run on several threads, each with
 * its own GEMM over its gates and, in backward, a partial sum of dh), and with the batch cut into parts
 * (each a whole recurrence over its entries), against the same kernels in one slab, which the nn
 * module's specs check against step-by-step equations and gradcheck. The layer sizes of those specs are
 * too small to be cut, so this is where the cuts themselves are tested: uneven slabs and parts, packed
 * variable-length batches (whose last entries end early, so a part can have fewer steps), both
 * directions, every cell.
 */
class RecurrentSlabsSpec : FunSpec({
    val hidden = 7
    val steps = Steps.packed(longArrayOf(5, 5, 3, 2))
    val batch = steps.batch()

    /** Every array forward and backward write, for one slab count. */
    fun run(cell: Cell, dtype: DType, reverse: Boolean, slabs: Int, parts: Int = 1): List<NDArray> {
        val g = Generator(7)
        val width = cell.gates * hidden
        fun rand(vararg shape: Int) = NDArray.rand(g, dtype, *shape).sub(0.5)
        val lstm = cell == Cell.LSTM
        val inputs = Inputs(rand(steps.rows(), width), rand(width, hidden), rand(width), rand(width), rand(batch, hidden),
                if (lstm) rand(batch, hidden) else null)
        fun zeros(vararg shape: Int) = NDArray.zeros(dtype, *shape)
        val results = Results(zeros(steps.rows(), hidden), zeros(batch, hidden), if (lstm) zeros(batch, hidden) else null,
                zeros(steps.rows(), width), zeros(steps.rows(), hidden))
        RecurrentKernels.forward(cell, steps, reverse, inputs, results, slabs, parts)
        val dGx = zeros(steps.rows(), width)
        val grads = Gradients(rand(steps.rows(), hidden), rand(batch, hidden), if (lstm) rand(batch, hidden) else null,
                dGx, if (cell == Cell.GRU) zeros(steps.rows(), width) else dGx, zeros(steps.rows(), hidden),
                zeros(batch, hidden), if (lstm) zeros(batch, hidden) else null)
        RecurrentKernels.backward(cell, steps, reverse, inputs, results, grads, slabs, parts)
        return listOfNotNull(results.out(), results.hN(), results.cN(), results.gates(), results.cells(),
                grads.dGx(), grads.dGh(), grads.hPrev(), grads.dh0(), grads.dc0())
    }

    for (cell in Cell.values()) {
        for (dtype in listOf(DType.FLOAT64, DType.FLOAT32)) {
            for (reverse in listOf(false, true)) {
                test("$cell $dtype${if (reverse) " reverse" else ""}: 3 and 7 slabs, 2 and 5 batch parts give what one slab gives") {
                    val tolerance = if (dtype == DType.FLOAT64) 1e-12 else 2e-5
                    val one = run(cell, dtype, reverse, 1)
                    val cuts = listOf(run(cell, dtype, reverse, 3), run(cell, dtype, reverse, hidden),
                            run(cell, dtype, reverse, 1, parts = 2), run(cell, dtype, reverse, 1, parts = batch))
                    for (cut in cuts) {
                        for ((a, b) in one.zip(cut)) {
                            val x = a.contiguous().toDoubleArray()
                            val y = b.contiguous().toDoubleArray()
                            x.indices.maxOf { Math.abs(x[it] - y[it]) } shouldBeLessThan tolerance
                        }
                    }
                }
            }
        }
    }
})
