package dev.kindling.nn.recurrent

import dev.kindling.Random
import dev.kindling.autograd.Tensor
import dev.kindling.nn.GRUCell
import dev.kindling.nn.LSTM
import dev.kindling.nn.LSTMCell
import dev.kindling.nn.RNNCell
import dev.kindling.nn.RNNCellBase
import dev.kindling.nn.RecurrentState
import dev.kindling.nn.functional.F
import dev.kindling.nn.functional.Recurrent
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import kotlin.math.abs
import kotlin.math.sqrt

/** RNNCell, LSTMCell and GRUCell against the step equations of [RecurrentReference], names, init and errors. */
class RecurrentCellsSpec : FunSpec({
    beforeTest { Random.manualSeed(17) }

    /** The reference reads cell weights under the layers' names with an empty suffix. */
    fun reference(mode: String, cell: RNNCellBase) =
        RecurrentReference(mode, cell.stateDict().mapKeys { it.key }.mapValues { it.value.toDoubleArray() }, cell.hiddenSize, 1, false)

    fun rows(t: Tensor): Array<DoubleArray> { val s = t.shape(); val v = t.toDoubleArray(); return Array(s[0]) { r -> v.copyOfRange(r * s[1], (r + 1) * s[1]) } }

    fun expected(mode: String, cell: RNNCellBase, x: Tensor, h: Tensor, c: Tensor): Pair<DoubleArray, DoubleArray> {
        val ref = reference(mode, cell)
        val xs = rows(x); val hs = rows(h); val cs = rows(c)
        val out = xs.indices.map { b -> ref.cell("", xs[b], hs[b], cs[b]) }
        return out.flatMap { it.first.asIterable() }.toDoubleArray() to out.flatMap { it.second.asIterable() }.toDoubleArray()
    }

    test("LSTMCell computes one step of PyTorch's LSTM equations, from a given state and from zeros") {
        val cell = LSTMCell(5, 3)
        val x = Tensor.randn(4, 5); val h = Tensor.randn(4, 3); val c = Tensor.randn(4, 3)
        val s = cell.forward(x, RecurrentState.of(h, c))
        val (eh, ec) = expected("LSTM", cell, x, h, c)
        assertClose(s.hidden().toDoubleArray(), eh, 1e-5, "h'")
        assertClose(s.cell().toDoubleArray(), ec, 1e-5, "c'")
        val (zh, _) = expected("LSTM", cell, x, Tensor.zeros(4, 3), Tensor.zeros(4, 3))
        assertClose(cell.forward(x).toDoubleArray(), zh, 1e-5, "h' from zeros")
    }

    test("GRUCell and RNNCell (tanh, relu, without bias) compute one step of PyTorch's equations") {
        val x = Tensor.randn(3, 4); val h = Tensor.randn(3, 6); val z = Tensor.zeros(3, 6)
        val gru = GRUCell(4, 6)
        assertClose(gru.forward(x, h).toDoubleArray(), expected("GRU", gru, x, h, z).first, 1e-5, "GRU")
        val tanh = RNNCell(4, 6)
        assertClose(tanh.forward(x, h).toDoubleArray(), expected("RNN_TANH", tanh, x, h, z).first, 1e-5, "tanh")
        val relu = RNNCell(4, 6, false, "relu")
        relu.stateDict().keys.toList() shouldBe listOf("weight_ih", "weight_hh")
        assertClose(relu.forward(x, h).toDoubleArray(), expected("RNN_RELU", relu, x, h, z).first, 1e-5, "relu")
    }

    test("a loop of LSTMCell steps with the layer's weights reproduces LSTM over the sequence") {
        val lstm = LSTM(3, 4)
        val cell = LSTMCell(3, 4)
        cell.loadStateDict(lstm.stateDict().mapKeys { it.key.removeSuffix("_l0") }, true)
        val x = Tensor.randn(6, 2, 3)
        var s: RecurrentState? = null
        val outs = (0 until 6).map { t -> cell.forward(x.select(0, t), s).also { s = it }.hidden() }
        assertClose(Tensor.stack(outs, 0).toDoubleArray(), lstm.forward(x).toDoubleArray(), 1e-5)
    }

    test("cells take unbatched [inputSize] inputs with [hidden] states") {
        val cell = GRUCell(4, 2)
        val x = Tensor.randn(4); val h = Tensor.randn(2)
        val y = cell.forward(x, h)
        y.shape().toList() shouldBe listOf(2)
        assertClose(y.toDoubleArray(), expected("GRU", cell, x.unsqueeze(0), h.unsqueeze(0), Tensor.zeros(1, 2)).first, 1e-5)
        LSTMCell(4, 2).forward(x, null).cell().shape().toList() shouldBe listOf(2)
    }

    test("the functional cells agree with the modules") {
        val cell = LSTMCell(3, 2)
        val x = Tensor.randn(2, 3); val st = RecurrentState.of(Tensor.randn(2, 2), Tensor.randn(2, 2))
        val f = F.lstmCell(x, st, cell.weightIh, cell.weightHh, cell.biasIh, cell.biasHh)
        val m = cell.forward(x, st)
        assertClose(f.hidden().toDoubleArray(), m.hidden().toDoubleArray(), 0.0)
        assertClose(f.cell().toDoubleArray(), m.cell().toDoubleArray(), 0.0)
    }

    test("parameters: PyTorch's names and shapes, U(-1/sqrt(hidden), 1/sqrt(hidden)), and a Flux-style description") {
        val cell = LSTMCell(10, 64)
        cell.stateDict().mapValues { it.value.shape().toList() } shouldBe
            mapOf("weight_ih" to listOf(256, 10), "weight_hh" to listOf(256, 64), "bias_ih" to listOf(256), "bias_hh" to listOf(256))
        val bound = 1 / sqrt(64.0)
        cell.parameters().all { p -> p.toDoubleArray().all { abs(it) <= bound } } shouldBe true
        cell.toString() shouldBe "LSTMCell(10 => 64)"
        RNNCell(3, 4, false, "relu").toString() shouldBe "RNNCell(3 => 4, nonlinearity=relu, bias=false)"
    }

    test("wrong input and state shapes name the cell, the shapes got and what fits") {
        val cell = GRUCell(4, 8)
        shouldThrow<IllegalArgumentException> { cell.forward(Tensor.zeros(2, 5)) }.message shouldContain "inputSize 4"
        val e = shouldThrow<IllegalArgumentException> { cell.forward(Tensor.zeros(2, 4), Tensor.zeros(3, 8)) }
        e.message shouldContain "GRUCell"
        e.message shouldContain "[2, 8]"
        e.message shouldContain "[3, 8]"
        shouldThrow<IllegalArgumentException> { LSTMCell(4, 8).forward(Tensor.zeros(2, 4), RecurrentState.of(Tensor.zeros(2, 8))) }
            .message shouldContain "both h and c"
        shouldThrow<IllegalArgumentException> { RNNCell(4, 8, true, "gelu") }.message shouldContain "\"gelu\""
    }

    test("the functional cells, which no module checks, reject a weight_ih that does not fit the input") {
        val cell = LSTMCell(3, 2)
        val st = RecurrentState.of(Tensor.zeros(2, 2), Tensor.zeros(2, 2))
        for (x in listOf(Tensor.zeros(2, 5), Tensor.zeros(2, 2))) {
            val e = shouldThrow<IllegalArgumentException> { F.lstmCell(x, st, cell.weightIh, cell.weightHh, cell.biasIh, cell.biasHh) }
            e.message shouldContain "LSTM"
            e.message shouldContain "[8, ${x.size(1)}]"
            e.message shouldContain "got [8, 3]"
        }
        val e = shouldThrow<IllegalArgumentException> {
            F.gruCell(Tensor.zeros(2, 3), Tensor.zeros(2, 2), Tensor.zeros(7, 3), Tensor.zeros(6, 2), null, null)
        }
        e.message shouldContain "GRU: weight_ih must be [3 * hidden, input features] = [6, 3]"
        // Packed data whose rows do not add up to its batch sizes.
        val w = listOf(cell.weightIh, cell.weightHh, cell.biasIh, cell.biasHh)
        shouldThrow<IllegalArgumentException> { Recurrent.run("LSTM", Tensor.zeros(5, 3), longArrayOf(2, 2), null, null, w, true, 1, 0.0, false, false) }
            .message shouldContain "4 rows of features (the batch sizes' total), got [5, 3]"
    }
})
