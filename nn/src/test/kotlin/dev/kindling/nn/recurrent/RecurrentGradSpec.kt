package dev.kindling.nn.recurrent

import dev.kindling.Random
import dev.kindling.autograd.Anomaly
import dev.kindling.autograd.AnomalyError
import dev.kindling.autograd.Autograd
import dev.kindling.autograd.GradCheck
import dev.kindling.autograd.Tensor
import dev.kindling.nn.RecurrentState
import dev.kindling.nn.functional.F
import dev.kindling.nn.functional.Recurrent
import dev.kindling.nn.utils.rnn.RnnUtils
import dev.kindling.tensor.DType
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain

/**
 * float64 gradcheck of the fused recurrent op (forward kernels, backpropagation through time, weight
 * GEMMs) through the same functional entry points the layers use, and gradgradcheck of its createGraph
 * path.
 */
class RecurrentGradSpec : FunSpec({
    beforeTest { Random.manualSeed(3) }

    fun leaf(vararg shape: Int) = Tensor.randn(DType.FLOAT64, *shape).mul(0.7).requiresGrad_(true)
    fun gates(mode: String) = when (mode) { "LSTM" -> 4; "GRU" -> 3; else -> 1 }

    /** Weights in PyTorch's flat order for [layers] layers and [dirs] directions. */
    fun weights(mode: String, input: Int, hidden: Int, layers: Int, dirs: Int, bias: Boolean = true): List<Tensor> {
        val g = gates(mode) * hidden
        val out = mutableListOf<Tensor>()
        for (l in 0 until layers) for (d in 0 until dirs) {
            out += leaf(g, if (l == 0) input else dirs * hidden); out += leaf(g, hidden)
            if (bias) { out += leaf(g); out += leaf(g) }
        }
        return out
    }

    fun flatAll(r: Array<Tensor>) = Tensor.cat(r.map { it.reshape(-1) }, 0)

    for (mode in listOf("LSTM", "GRU", "RNN_TANH", "RNN_RELU")) {
        test("$mode: gradcheck through two bidirectional layers w.r.t. input, h0, c0 and every weight") {
            val x = leaf(3, 2, 3); val h0 = leaf(4, 2, 2); val c0 = leaf(4, 2, 2)
            val w = weights(mode, 3, 2, 2, 2)
            val lstm = mode == "LSTM"
            GradCheck.gradcheck({ a ->
                flatAll(Recurrent.run(mode, a[0], null, a[1], if (lstm) a[2] else null, a.drop(3), true, 2, 0.0, false, true))
            }, x, h0, c0, *w.toTypedArray()) shouldBe true
        }

        test("$mode: gradcheck on a packed batch of unsorted lengths, through packing and padding") {
            val x = leaf(4, 3, 2); val h0 = leaf(1, 3, 2); val c0 = leaf(1, 3, 2)
            val w = weights(mode, 2, 2, 1, 1, bias = mode != "GRU")
            val lengths = longArrayOf(2, 4, 1)
            val lstm = mode == "LSTM"
            GradCheck.gradcheck({ a ->
                val packed = RnnUtils.packPaddedSequence(a[0], lengths, false, false)
                val r = Recurrent.run(mode, packed.data(), packed.batchSizesArray(), a[1].indexSelect(1, packed.sortedIndices()),
                    if (lstm) a[2].indexSelect(1, packed.sortedIndices()) else null, a.drop(3), mode != "GRU", 1, 0.0, false, false)
                val padded = RnnUtils.padPackedSequence(packed.withData(r[0]), true).padded()
                flatAll(arrayOf(padded) + r.drop(1))
            }, x, h0, c0, *w.toTypedArray()) shouldBe true
        }
    }

    test("cells: gradcheck of F.lstmCell, F.gruCell, F.rnnTanhCell and F.rnnReluCell") {
        val x = leaf(3, 4); val h = leaf(3, 2); val c = leaf(3, 2)
        val lstm = weights("LSTM", 4, 2, 1, 1); val gru = weights("GRU", 4, 2, 1, 1); val rnn = weights("RNN_TANH", 4, 2, 1, 1)
        GradCheck.gradcheck({ a ->
            val s = F.lstmCell(a[0], RecurrentState.of(a[1], a[2]), a[3], a[4], a[5], a[6])
            Tensor.cat(listOf(s.hidden(), s.cell()), 1)
        }, x, h, c, *lstm.toTypedArray()) shouldBe true
        GradCheck.gradcheck({ a -> F.gruCell(a[0], a[1], a[2], a[3], a[4], a[5]) }, x, h, *gru.toTypedArray()) shouldBe true
        GradCheck.gradcheck({ a -> F.rnnTanhCell(a[0], a[1], a[2], a[3], a[4], a[5]) }, x, h, *rnn.toTypedArray()) shouldBe true
        GradCheck.gradcheck({ a -> F.rnnReluCell(a[0], a[1], a[2], a[3], null, null) }, x, h, rnn[0], rnn[1]) shouldBe true
    }

    for (mode in listOf("LSTM", "GRU", "RNN_TANH")) {
        test("$mode: the backward is differentiable again under createGraph (gradgradcheck)") {
            val x = leaf(2, 1, 2); val h0 = leaf(2, 1, 2); val c0 = leaf(2, 1, 2)
            val w = weights(mode, 2, 2, 1, 2)
            val lstm = mode == "LSTM"
            GradCheck.gradgradcheck({ a ->
                flatAll(Recurrent.run(mode, a[0], null, a[1], if (lstm) a[2] else null, a.drop(3), true, 1, 0.0, false, true))
            }, x, h0, c0, *w.toTypedArray()) shouldBe true
        }
    }

    test("the createGraph backward and the fused backward give the same first-order gradients") {
        for (mode in listOf("LSTM", "GRU", "RNN_RELU")) {
            val x = leaf(4, 3, 3); val h0 = leaf(2, 3, 2); val c0 = leaf(2, 3, 2)
            val w = weights(mode, 3, 2, 1, 2)
            val inputs = (listOf(x, h0) + (if (mode == "LSTM") listOf(c0) else listOf()) + w).toTypedArray()
            fun loss() = flatAll(Recurrent.run(mode, x, null, h0, if (mode == "LSTM") c0 else null, w, true, 1, 0.0, false, true))
                .pow(2.0).sum()
            val fused = Autograd.grad(arrayOf(loss()), inputs, null, false, false)
            val recorded = Autograd.grad(arrayOf(loss()), inputs, null, false, true)
            for (i in inputs.indices) assertClose(recorded[i].toDoubleArray(), fused[i].toDoubleArray(), 1e-12, "$mode input $i")
            recorded[3].requiresGrad() shouldBe true
        }
    }

    test("a backward that keeps the graph leaves the saved gates for the next: the last writes its gradients over them") {
        for (mode in listOf("LSTM", "GRU")) {
            val x = leaf(4, 3, 3); val h0 = leaf(4, 3, 2); val c0 = leaf(4, 3, 2)
            val w = weights(mode, 3, 2, 2, 2)
            val inputs = (listOf(x, h0) + (if (mode == "LSTM") listOf(c0) else listOf()) + w).toTypedArray()
            val loss = flatAll(Recurrent.run(mode, x, null, h0, if (mode == "LSTM") c0 else null, w, true, 2, 0.0, false, true))
                .pow(2.0).sum()
            // Three backwards through one graph, the last freeing it: each must see the gates forward saved.
            val runs = listOf(true, true, false).map { retain ->
                for (t in inputs) t.setGrad(null)
                loss.backward(null, retain, false)
                inputs.map { it.grad()!!.toDoubleArray() }
            }
            for (r in runs.drop(1)) {
                for (i in inputs.indices) assertClose(runs[0][i], r[i], 0.0, "$mode input $i")
            }
        }
    }

    test("a backward that fails after writing its gradients over the saved gates leaves an error, not wrong gates, for a retry") {
        val x = Tensor.randn(DType.FLOAT64, 3, 2, 3)
        x.narrow(0, 2, 1).fill_(Double.POSITIVE_INFINITY)
        val w = weights("LSTM", 3, 2, 1, 1)
        val loss = Recurrent.run("LSTM", x, null, null, null, w, true, 1, 0.0, false, false)[0].sum()
        // The layer's gradients are NaN: anomaly mode rejects them after the layer has written them over its gates.
        Anomaly.detect().use { shouldThrow<AnomalyError> { loss.backward() } }
        shouldThrow<IllegalStateException> { loss.backward() }.message shouldContain "modified by an in-place operation"
    }
})
