package dev.kindling.nn.functional

import dev.kindling.autograd.Autograd
import dev.kindling.autograd.GradMode
import dev.kindling.autograd.Tensor
import dev.kindling.tensor.DType
import dev.kindling.tensor.Generator
import dev.kindling.tensor.NDArray
import dev.kindling.tensor.cpu.DnnlRecurrent
import dev.kindling.tensor.cpu.RecurrentKernels.Cell
import dev.kindling.tensor.cpu.RecurrentKernels.Steps
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.assertions.withClue
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import kotlin.math.abs
import kotlin.math.max

/**
 * The oneDNN node (DnnlRecurrentLayer) against the node on Kindling's own kernels (RecurrentLayer), which the
 * float64 gradchecks and the step-by-step equations of RecurrentLayersSpec check: for LSTM, GRU and both RNNs,
 * the same outputs and the same gradient for every input, in one direction and both, with both biases, none
 * or either one, from given states.
 */
class DnnlRecurrentSpec : FunSpec({
    val onLinuxX64 = System.getProperty("os.name").startsWith("Linux") && System.getProperty("os.arch") == "amd64"

    test("oneDNN loads on Linux x86-64 and takes float32 sequences of one length only") {
        if (onLinuxX64 && System.getProperty("kindling.dnnl") == null) DnnlRecurrent.status() shouldBe "oneDNN"
        if (DnnlRecurrent.status() == "oneDNN") {
            for (cell in Cell.values()) DnnlRecurrent.supports(cell, Steps.padded(4, 3), DType.FLOAT32, 5, 7, 1, true) shouldBe true
            DnnlRecurrent.supports(Cell.LSTM, Steps.padded(4, 3), DType.FLOAT64, 5, 7, 1, true) shouldBe false
            DnnlRecurrent.supports(Cell.GRU, Steps.packed(longArrayOf(3, 2, 2, 1)), DType.FLOAT32, 5, 7, 1, true) shouldBe false
        }
    }

    val on = { cell: Cell, t: Int, b: Int, f: Int, h: Int, d: Int ->
        DnnlRecurrent.supports(cell, Steps.padded(t, b), DType.FLOAT32, f, h, d, true)
    }
    val onForInference = { cell: Cell, t: Int, b: Int, f: Int, h: Int, d: Int ->
        DnnlRecurrent.supports(cell, Steps.padded(t, b), DType.FLOAT32, f, h, d, false)
    }

    /**
     * The node's inputs: x, stacked W_ih, then W_hh, b_ih, b_hh per direction ("ih" or "hh" for one of the two
     * only, "both", "none"), then h0 (taken from a larger array, at an offset) and for LSTM c0, all needing gradients.
     */
    fun inputs(cell: Cell, seed: Long, steps: Int, batch: Int, features: Int, hidden: Int, directions: Int, biases: String): Array<Tensor?> {
        val g = Generator(seed)
        fun rand(vararg shape: Int): Tensor =
            Tensor.wrap(NDArray.rand(g, DType.FLOAT32, *shape).sub(0.5).mul(0.8))
                .requiresGrad_(true)
        val gh = cell.gates * hidden
        val ins = arrayOfNulls<Tensor>(2 + 3 * directions + if (cell == Cell.LSTM) 2 else 1)
        ins[0] = rand(steps * batch, features)
        ins[1] = rand(directions * gh, features)
        for (k in 0 until directions) {
            ins[2 + 3 * k] = rand(gh, hidden)
            if (biases == "both" || biases == "ih") ins[3 + 3 * k] = rand(gh)
            if (biases == "both" || biases == "hh") ins[4 + 3 * k] = rand(gh)
        }
        ins[2 + 3 * directions] = Tensor.wrap(NDArray.rand(g, DType.FLOAT32, directions + 2, batch, hidden).narrow(0, 1, directions))
            .requiresGrad_(true)
        if (cell == Cell.LSTM) ins[3 + 3 * directions] = rand(directions, batch, hidden)
        return ins
    }

    fun close(what: String, got: Tensor, want: Tensor) {
        got.shape().toList() shouldBe want.shape().toList()
        val a = got.data().toDoubleArray()
        val b = want.data().toDoubleArray()
        for (i in b.indices) {
            if (abs(a[i] - b[i]) > 2e-5 * max(1.0, abs(b[i]))) throw AssertionError("$what, element $i: oneDNN ${a[i]}, kernels ${b[i]}")
        }
    }

    for (cell in Cell.values()) {
        for (directions in listOf(1, 2)) {
            for (biases in listOf("both", "none", "ih", "hh")) {
                test("$cell, $directions direction(s), biases: $biases: outputs and every gradient equal the kernels'") {
                    if (!on(cell, 5, 3, 6, 7, directions)) return@test
                    val (t, b, features, hidden) = listOf(5, 3, 6, 7)
                    val steps = Steps.padded(t, b)
                    val ins = inputs(cell, 21L + directions, t, b, features, hidden, directions, biases)
                    val viaDnnl = DnnlRecurrentLayer(cell, steps, hidden, directions).apply(*ins)
                    val viaKernels = RecurrentLayer(cell, steps, hidden, directions).apply(*ins)
                    viaDnnl.size shouldBe viaKernels.size
                    for (i in viaKernels.indices) close("output $i", viaDnnl[i], viaKernels[i])
                    val g = Generator(99)
                    val seeds = viaDnnl.map { Tensor.wrap(NDArray.rand(g, DType.FLOAT32, *it.shape())) }.toTypedArray()
                    val wrt = ins.filterNotNull().toTypedArray()
                    val gradDnnl = Autograd.grad(viaDnnl, wrt, seeds, false, false, false)
                    val gradKernels = Autograd.grad(viaKernels, wrt, seeds, false, false, false)
                    for (i in wrt.indices) withClue("input $i") { close("gradient of input $i", gradDnnl[i], gradKernels[i]) }
                }
            }
        }
    }

    test("backward may run again while the graph is retained, with the same gradients") {
        if (!on(Cell.LSTM, 4, 2, 3, 5, 2)) return@test
        val ins = inputs(Cell.LSTM, 5, 4, 2, 3, 5, 2, "both")
        val outs = DnnlRecurrentLayer(Cell.LSTM, Steps.padded(4, 2), 5, 2).apply(*ins)
        val wrt = ins.filterNotNull().toTypedArray()
        val first = Autograd.grad(arrayOf(outs[0].sum()), wrt, null, true, false, false)
        val second = Autograd.grad(arrayOf(outs[0].sum()), wrt, null, false, false, false)
        for (i in wrt.indices) close("gradient of input $i", second[i], first[i])
    }

    for (cell in Cell.values()) {
        test("$cell without gradients (oneDNN's inference form: batch 16 and more, both directions): the kernels' outputs") {
            if (!onForInference(cell, 4, 17, 3, 5, 2)) return@test
            val ins = inputs(cell, 6, 4, 17, 3, 5, 2, "both")
            val (inference, kernels) = GradMode.noGrad().use {
                DnnlRecurrentLayer(cell, Steps.padded(4, 17), 5, 2).apply(*ins) to RecurrentLayer(cell, Steps.padded(4, 17), 5, 2).apply(*ins)
            }
            inference[0].requiresGrad() shouldBe false
            for (i in kernels.indices) close("output $i", inference[i], kernels[i])
        }
    }

    test("a state of the wrong shape is refused, not copied past oneDNN's buffer") {
        if (!on(Cell.LSTM, 4, 2, 3, 5, 1)) return@test
        val ins = inputs(Cell.LSTM, 8, 4, 2, 3, 5, 1, "both")
        ins[5] = Tensor.zeros(1, 3, 5)
        shouldThrow<IllegalArgumentException> { DnnlRecurrentLayer(Cell.LSTM, Steps.padded(4, 2), 5, 1).apply(*ins) }.message shouldContain
            "h0 of shape [1, 3, 5] has 15 elements where this layer's shape needs 10"
    }

    test("two threads running one shape at once get the results each gets alone") {
        if (!on(Cell.GRU, 6, 4, 5, 8, 2)) return@test
        val inputs = listOf(inputs(Cell.GRU, 31, 6, 4, 5, 8, 2, "both"), inputs(Cell.GRU, 32, 6, 4, 5, 8, 2, "both"))
        fun run(ins: Array<Tensor?>): List<DoubleArray> {
            val outs = DnnlRecurrentLayer(Cell.GRU, Steps.padded(6, 4), 8, 2).apply(*ins)
            val grads = Autograd.grad(arrayOf(outs[0].sum()), ins.filterNotNull().toTypedArray(), null, false, false, false)
            return (outs.toList() + grads.toList()).map { it.data().toDoubleArray() }
        }
        val alone = inputs.map { run(it) }
        val failures = java.util.concurrent.ConcurrentLinkedQueue<String>()
        val threads = inputs.indices.map { i ->
            Thread {
                repeat(20) { if (run(inputs[i]).zip(alone[i]).any { (a, b) -> !a.contentEquals(b) }) failures.add("thread $i") }
            }
        }
        threads.forEach { it.start() }
        threads.forEach { it.join() }
        failures.toList() shouldBe emptyList()
    }

    test("a training forward's native state is counted until it is closed") {
        if (!on(Cell.LSTM, 4, 2, 3, 5, 1)) return@test
        val ins = inputs(Cell.LSTM, 9, 4, 2, 3, 5, 1, "both").map { it?.data()?.contiguous() }
        val out = NDArray.zeros(DType.FLOAT32, 8, 5)
        val hN = NDArray.zeros(DType.FLOAT32, 1, 2, 5)
        val cN = NDArray.zeros(DType.FLOAT32, 1, 2, 5)
        val state = DnnlRecurrent.forward(Cell.LSTM, true, Steps.padded(4, 2), ins[0], ins[1], arrayOf(ins[2]), arrayOf(ins[3]),
            arrayOf(ins[4]), ins[5], ins[6], out, hN, cN)
        val kept = state.keptBytes()
        (kept > 0) shouldBe true
        (DnnlRecurrent.heldBytes() >= kept) shouldBe true
        state.close()
        state.keptBytes() shouldBe 0L
        DnnlRecurrent.forward(Cell.LSTM, false, Steps.padded(4, 2), ins[0], ins[1], arrayOf(ins[2]), arrayOf(ins[3]),
            arrayOf(ins[4]), ins[5], ins[6], out, hN, cN) shouldBe null
    }

    test("second derivatives go through the Tensor-op form, as on the kernels") {
        if (!on(Cell.LSTM, 3, 2, 3, 4, 1)) return@test
        val ins = inputs(Cell.LSTM, 7, 3, 2, 3, 4, 1, "both")
        val x = ins[0]!!
        val viaDnnl = DnnlRecurrentLayer(Cell.LSTM, Steps.padded(3, 2), 4, 1).apply(*ins)
        val viaKernels = RecurrentLayer(Cell.LSTM, Steps.padded(3, 2), 4, 1).apply(*ins)
        val gx1 = Autograd.grad(arrayOf(viaDnnl[0].pow(2.0).sum()), arrayOf(x), null, true, true, false)[0]
        val gx2 = Autograd.grad(arrayOf(viaKernels[0].pow(2.0).sum()), arrayOf(x), null, true, true, false)[0]
        val ggDnnl = Autograd.grad(arrayOf(gx1.sum()), arrayOf(x), null, false, false, false)[0]
        val ggKernels = Autograd.grad(arrayOf(gx2.sum()), arrayOf(x), null, false, false, false)[0]
        close("second derivative", ggDnnl, ggKernels)
    }
})
