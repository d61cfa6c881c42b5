package dev.kindling.nn.functional

import dev.kindling.Random
import dev.kindling.autograd.Autograd
import dev.kindling.autograd.GradCheck
import dev.kindling.autograd.GradMode
import dev.kindling.autograd.Tensor
import dev.kindling.nn.GRU
import dev.kindling.nn.LSTM
import dev.kindling.nn.RNN
import dev.kindling.nn.RNNBase
import dev.kindling.nn.RecurrentState
import dev.kindling.nn.utils.rnn.RnnUtils
import dev.kindling.tensor.DType
import dev.kindling.tensor.NDArray
import dev.kindling.tensor.RecurrentNetwork
import dev.kindling.tensor.cpu.RecurrentKernels.Steps
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.assertions.withClue
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.doubles.shouldBeLessThan
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import kotlin.math.abs

/**
 * A whole-network library of the kind a device backend offers (cuDNN on CUDA), written here on the CPU
 * with the layer-by-layer Tensor ops: forward records its own graph, backward differentiates it. It
 * counts its calls, can refuse, and remembers whether weight gradients were asked for.
 */
internal class ReferenceRecurrentNetwork(private val refusal: String? = null) : RecurrentNetwork {
    var forwards = 0
    var backwards = 0
    var weightGradientsAsked: Boolean? = null

    private class Kept(val inputs: Array<Tensor>, val outputs: Array<Tensor>) : RecurrentNetwork.Trace

    override fun unsupported(spec: RecurrentNetwork.Spec, dtype: DType): String? = refusal

    override fun forward(spec: RecurrentNetwork.Spec, input: NDArray, h0: NDArray, c0: NDArray?, weights: List<NDArray>,
                         keepForBackward: Boolean): RecurrentNetwork.Forward {
        forwards++
        val ins = (listOfNotNull(input, h0, c0) + weights).map { Tensor.wrap(it).requiresGrad_(true) }.toTypedArray()
        val lstm = c0 != null
        val outs = GradMode.enableGrad().use {
            Recurrent.layers(Recurrent.cell(spec.mode()), Steps.packed(spec.batchSizes()), ins[0], ins[1], if (lstm) ins[2] else null,
                ins.drop(if (lstm) 3 else 2), spec.hasBiases(), spec.numLayers(), spec.dropout(), spec.dropout() > 0, spec.directions())
        }
        return RecurrentNetwork.Forward(outs[0].data(), outs[1].data(), if (lstm) outs[2].data() else null,
            if (keepForBackward) Kept(ins, outs) else null)
    }

    override fun backward(spec: RecurrentNetwork.Spec, trace: RecurrentNetwork.Trace, dOutput: NDArray, dhN: NDArray, dcN: NDArray?,
                          weightGradients: Boolean): RecurrentNetwork.Gradients {
        backwards++
        weightGradientsAsked = weightGradients
        val k = trace as Kept
        val seeds = listOfNotNull(dOutput, dhN, dcN).map { Tensor.wrap(it) }.toTypedArray()
        val g = Autograd.grad(k.outputs, k.inputs, seeds, true, false, true) // retained: backward may run again under retainGraph
        val lstm = dcN != null
        val first = if (lstm) 3 else 2
        return RecurrentNetwork.Gradients(g[0].data(), g[1].data(), if (lstm) g[2].data() else null,
            if (weightGradients) g.drop(first).map { it.data() } else null)
    }
}

/**
 * The seam through which a device's whole-network RNN library (cuDNN) runs recurrent layers:
 * Recurrent.run hands the whole stack to the library as one autograd node, and gradients come back to
 * the module's named parameters, input and initial state exactly as from the layer-by-layer path.
 */
class DeviceRecurrentSpec : FunSpec({
    beforeTest { Random.manualSeed(31) }

    fun layer(mode: String, bidirectional: Boolean): RNNBase {
        val o = RNNBase.Options().numLayers(2).bidirectional(bidirectional)
        return when (mode) {
            "LSTM" -> LSTM(3, 4, o)
            "GRU" -> GRU(3, 4, o)
            "RNN_RELU" -> RNN(3, 4, o.nonlinearity("relu"))
            else -> RNN(3, 4, o)
        }
    }

    // The fused CPU kernels and the Tensor-op stack round differently in float32.
    fun close(a: Tensor, b: Tensor, what: String, tol: Double = 2e-5) = withClue(what) {
        a.shape().toList() shouldBe b.shape().toList()
        a.toDoubleArray().zip(b.toDoubleArray().toList()).forEach { (x, y) -> abs(x - y) shouldBeLessThan tol * (1 + abs(y)) }
    }

    fun flatWeights(m: RNNBase) = m.allWeights().flatten()

    for (mode in listOf("LSTM", "GRU", "RNN_TANH", "RNN_RELU")) {
        for (bidirectional in listOf(false, true)) {
            test("$mode, 2 layers${if (bidirectional) ", bidirectional" else ""}: outputs and every gradient through the network equal the layer-by-layer path") {
                val m = layer(mode, bidirectional)
                val lstm = mode == "LSTM"
                val states = 2 * m.directions()
                val xs = Tensor.randn(5, 3, 3); val hs = Tensor.randn(states, 3, 4); val cs = Tensor.randn(states, 3, 4)
                fun leaves() = listOf(xs, hs, cs).map { it.detach().requiresGrad_(true) }
                val (x1, h1, c1) = leaves()
                val ref = m.forward(x1, if (lstm) RecurrentState.of(h1, c1) else RecurrentState.of(h1))
                val refLoss = ref.output().mul(ref.output()).sum().add(ref.hidden().sum()).let { if (lstm) it.add(ref.cell()!!.mul(2.0).sum()) else it }
                refLoss.backward()
                val want = m.parameters().map { it.grad()!!.toDoubleArray() }
                m.zeroGrad()
                val (x, h0, c0) = leaves()

                val net = ReferenceRecurrentNetwork()
                val r = Recurrent.run(net, mode, x, null, h0, if (lstm) c0 else null, flatWeights(m), true, 2, 0.0, true, bidirectional)
                net.forwards shouldBe 1
                close(r[0], ref.output(), "output"); close(r[1], ref.hidden(), "h_n")
                if (lstm) close(r[2], ref.cell()!!, "c_n")
                val loss = r[0].mul(r[0]).sum().add(r[1].sum()).let { if (lstm) it.add(r[2].mul(2.0).sum()) else it }
                loss.backward()
                net.backwards shouldBe 1
                net.weightGradientsAsked shouldBe true
                m.namedParameters().entries.forEachIndexed { i, (name, p) ->
                    close(p.grad()!!, Tensor.of(want[i].map { it.toFloat() }.toFloatArray(), *p.shape()), "gradient of $name")
                }
                close(x.grad()!!, x1.grad()!!, "input gradient")
                close(h0.grad()!!, h1.grad()!!, "h0 gradient")
                if (lstm) close(c0.grad()!!, c1.grad()!!, "c0 gradient")
            }
        }
    }

    test("a packed batch of variable lengths reaches the network as its batch sizes; h_n is each sequence's own last state") {
        val m = layer("GRU", true)
        val padded = Tensor.randn(4, 3, 3)
        val packed = RnnUtils.packPaddedSequence(padded, longArrayOf(4, 2, 3), false, false)
        val ref = m.forward(packed)
        val net = ReferenceRecurrentNetwork()
        val r = Recurrent.run(net, "GRU", packed.data(), packed.batchSizesArray(), null, null, flatWeights(m), true, 2, 0.0, false, true)
        net.forwards shouldBe 1
        close(r[0], ref.packed()!!.data(), "packed output")
        close(r[1].indexSelect(1, packed.unsortedIndices()!!), ref.hidden(), "h_n in the caller's order")
    }

    test("under noGrad nothing is kept for backward; with no weight needing a gradient none is asked for") {
        val m = layer("LSTM", false)
        val net = ReferenceRecurrentNetwork()
        GradMode.noGrad().use { Recurrent.run(net, "LSTM", Tensor.randn(3, 2, 3), null, null, null, flatWeights(m), true, 2, 0.0, false, false) }
        m.parameters().forEach { it.requiresGrad_(false) }
        val x = Tensor.randn(3, 2, 3).requiresGrad_(true)
        Recurrent.run(net, "LSTM", x, null, null, null, flatWeights(m), true, 2, 0.0, false, false)[0].sum().backward()
        net.weightGradientsAsked shouldBe false
        (x.grad() != null) shouldBe true
    }

    test("a network that refuses the call leaves the layers to their own kernels") {
        val m = layer("LSTM", false)
        val net = ReferenceRecurrentNetwork("not in this dtype")
        val x = Tensor.randn(3, 2, 3)
        val r = Recurrent.run(net, "LSTM", x, null, null, null, flatWeights(m), true, 2, 0.0, false, false)
        net.forwards shouldBe 0
        close(r[0], m.forward(x), "output")
    }

    test("gradcheck (float64) through the network node: input, state and every weight of a bidirectional 2-layer LSTM") {
        val net = ReferenceRecurrentNetwork()
        fun leaf(vararg s: Int) = Tensor.randn(DType.FLOAT64, *s).mul(0.6).requiresGrad_(true)
        val w = mutableListOf<Tensor>()
        for (l in 0 until 2) for (d in 0 until 2) { w += leaf(8, if (l == 0) 3 else 4); w += leaf(8, 2); w += leaf(8); w += leaf(8) }
        val x = leaf(3, 2, 3); val h0 = leaf(4, 2, 2); val c0 = leaf(4, 2, 2)
        GradCheck.gradcheck({ a ->
            val r = Recurrent.run(net, "LSTM", a[0], null, a[1], a[2], a.drop(3), true, 2, 0.0, false, true)
            Tensor.cat(r.map { it.reshape(-1) }, 0)
        }, x, h0, c0, *w.toTypedArray()) shouldBe true
    }

    test("createGraph recomputes the stack with Tensor ops (second derivatives exact) and refuses when dropout is in force") {
        val net = ReferenceRecurrentNetwork()
        val x = Tensor.randn(DType.FLOAT64, 3, 2, 2).requiresGrad_(true)
        val w = listOf(Tensor.randn(DType.FLOAT64, 3, 2), Tensor.randn(DType.FLOAT64, 3, 1),
            Tensor.randn(DType.FLOAT64, 3, 1), Tensor.randn(DType.FLOAT64, 3, 1)).map { it.mul(0.5).requiresGrad_(true) }
        GradCheck.gradgradcheck({ a ->
            Recurrent.run(net, "GRU", a[0], null, null, null, a.drop(1), false, 2, 0.0, false, false)[0]
        }, x, *w.toTypedArray()) shouldBe true
        val r = Recurrent.run(net, "GRU", x, null, null, null, w, false, 2, 0.3, true, false)
        shouldThrow<UnsupportedOperationException> { Autograd.grad(r[0].sum(), x, true) }.message shouldContain
            "GRU on cpu: createGraph (double backward) needs the Tensor-op form of the network, which cannot redraw the dropout masks"
    }

    test("Spec.lengths turns PackedSequence batch sizes into each entry's length") {
        val spec = RecurrentNetwork.Spec("LSTM", 3, 4, 1, false, true, 0.0, longArrayOf(3, 3, 2, 1))
        spec.lengths().toList() shouldBe listOf(4, 3, 2)
        spec.rows() shouldBe 9
        spec.batch() shouldBe 3
    }
})
