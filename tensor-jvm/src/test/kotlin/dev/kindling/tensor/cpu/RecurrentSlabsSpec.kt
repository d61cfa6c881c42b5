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
import io.kotest.matchers.shouldBe

/**
 * The recurrent kernels with the hidden units cut into several slabs (run on several threads, each with
 * its own GEMM over its gates and, in backward, a partial sum of dh) against the same kernels in one slab,
 * which the nn module's specs check against step-by-step equations and gradcheck. The layer sizes of
 * those specs are too small to be cut, so this is where the cut itself is tested: uneven slabs, packed
 * variable-length batches, both directions, every cell, and states passed in any layout.
 */
class RecurrentSlabsSpec : FunSpec({
    val hidden = 7
    val steps = Steps.packed(longArrayOf(5, 5, 3, 2))
    val batch = steps.batch()

    /**
     * Every array forward and backward write, for one slab count, the gates last. With {@code columnMajor}
     * every [B, H] state, read or written, is a column-major view; with {@code inPlace} forward writes the
     * gates over the input projection, and backward, given no projection, writes dG_x over the gates (as the
     * fused layer runs them), so the last array holds dG_x.
     */
    fun run(cell: Cell, dtype: DType, reverse: Boolean, slabs: Int, columnMajor: Boolean = false, inPlace: Boolean = false): List<NDArray> {
        val g = Generator(7)
        val width = cell.gates * hidden
        fun rand(vararg shape: Int) = NDArray.rand(g, dtype, *shape).sub(0.5)
        fun state(m: NDArray) = if (columnMajor) m.t().contiguous().t() else m
        val lstm = cell == Cell.LSTM
        val inputs = Inputs(rand(steps.rows(), width), rand(width, hidden), rand(width), rand(width), state(rand(batch, hidden)),
                if (lstm) state(rand(batch, hidden)) else null)
        fun zeros(vararg shape: Int) = NDArray.zeros(dtype, *shape)
        fun stateZeros() = state(zeros(batch, hidden))
        val results = Results(zeros(steps.rows(), hidden), stateZeros(), if (lstm) stateZeros() else null,
                if (inPlace) inputs.xProj() else zeros(steps.rows(), width), zeros(steps.rows(), hidden))
        RecurrentKernels.forward(cell, steps, reverse, inputs, results, slabs)
        val backwardInputs = if (inPlace) Inputs(null, inputs.wHh(), inputs.bIh(), inputs.bHh(), inputs.h0(), inputs.c0()) else inputs
        val dGx = if (inPlace) results.gates() else zeros(steps.rows(), width)
        val grads = Gradients(rand(steps.rows(), hidden), state(rand(batch, hidden)), if (lstm) state(rand(batch, hidden)) else null,
                dGx, if (cell == Cell.GRU) zeros(steps.rows(), width) else dGx, zeros(steps.rows(), hidden),
                stateZeros(), if (lstm) stateZeros() else null)
        RecurrentKernels.backward(cell, steps, reverse, backwardInputs, results, grads, slabs)
        // dGx is copied: with inPlace it is the gates array itself.
        return listOfNotNull(results.out(), results.hN(), results.cN(), results.cells(), grads.dGx().copy(), grads.dGh(),
                grads.hPrev(), grads.dh0(), grads.dc0(), results.gates())
    }

    test("W_hh staged off-heap, split over the threads, is its rows regrouped by slab (backward: their transpose)") {
        // hidden 130: four whole 32-wide tiles and a ragged one; with 4 gates enough work for the copy to be
        // split over two threads (Parallel.GRAIN), with 1 gate not.
        val h = 130
        for (dtype in listOf(DType.FLOAT32, DType.FLOAT64)) {
            for (gates in listOf(1, 4)) {
                val width = gates * h
                val w = NDArray.rand(Generator(11), dtype, width + 3, h).narrow(0, 2, width)
                val v = w.contiguous().toDoubleArray()
                for (slabs in listOf(1, 3)) {
                    // Slab s owns units [lo, hi); its gate rows g * h + lo .. g * h + hi - 1 sit together from row gates * lo.
                    val source = IntArray(width)
                    for (s in 0 until slabs) {
                        val lo = h * s / slabs
                        val u = h * (s + 1) / slabs - lo
                        for (g in 0 until gates) for (j in 0 until u) source[gates * lo + g * u + j] = g * h + lo + j
                    }
                    for (backward in listOf(false, true)) {
                        val staged = RecurrentSlabs.stage(w, gates, slabs, backward)
                        val got = DoubleArray(width * h)
                        if (dtype == DType.FLOAT32) {
                            val f = FloatArray(width * h)
                            (staged as org.bytedeco.javacpp.FloatPointer).get(f)
                            for (i in f.indices) got[i] = f[i].toDouble()
                        } else {
                            (staged as org.bytedeco.javacpp.DoublePointer).get(got)
                        }
                        staged.close()
                        for (r in 0 until width) {
                            for (k in 0 until h) {
                                val at = if (backward) k * width + r else r * h + k
                                got[at] shouldBe v[source[r] * h + k]
                            }
                        }
                    }
                }
            }
        }
    }

    for (cell in Cell.values()) {
        for (dtype in listOf(DType.FLOAT64, DType.FLOAT32)) {
            for (reverse in listOf(false, true)) {
                test("$cell $dtype${if (reverse) " reverse" else ""}: 3 and 7 slabs, and column-major states, give what one slab gives") {
                    val tolerance = if (dtype == DType.FLOAT64) 1e-12 else 2e-5
                    val one = run(cell, dtype, reverse, 1)
                    val cuts = listOf(run(cell, dtype, reverse, 3), run(cell, dtype, reverse, hidden),
                            run(cell, dtype, reverse, 1, columnMajor = true), run(cell, dtype, reverse, 3, columnMajor = true))
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

    for (cell in listOf(Cell.LSTM, Cell.GRU)) {
        for (reverse in listOf(false, true)) {
            test("$cell${if (reverse) " reverse" else ""}: gates over the input projection, and dG_x over the gates, as in separate arrays") {
                for (slabs in listOf(1, 3)) {
                    val apart = run(cell, DType.FLOAT32, reverse, slabs)
                    val inPlace = run(cell, DType.FLOAT32, reverse, slabs, inPlace = true)
                    // Everything but the last array (apart: the gates; in place: dG_x written over them) is the same.
                    for ((a, b) in apart.dropLast(1).zip(inPlace.dropLast(1))) a.contiguous().toFloatArray() shouldBe b.contiguous().toFloatArray()
                    val dGxAt = if (cell == Cell.LSTM) 4 else 3 // after out, hN, (cN,) cells
                    inPlace.last().toFloatArray() shouldBe apart[dGxAt].toFloatArray()
                }
            }
        }
    }
})
