package dev.kindling.cuda

import dev.kindling.Random
import dev.kindling.amp.Autocast
import dev.kindling.autograd.GradCheck
import dev.kindling.autograd.Tensor
import dev.kindling.nn.GRU
import dev.kindling.nn.LSTM
import dev.kindling.nn.RNN
import dev.kindling.nn.RNNBase
import dev.kindling.nn.RecurrentOutput
import dev.kindling.nn.RecurrentState
import dev.kindling.nn.functional.Recurrent
import dev.kindling.nn.utils.rnn.RnnUtils
import dev.kindling.tensor.DType
import dev.kindling.tensor.Device
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.shouldNotBe

/**
 * RNN, LSTM and GRU through cuDNN's RNN API against the CPU layers with the same weights: outputs,
 * h_n/c_n and the gradients of the input, the initial state and every named parameter (two layers,
 * one and two directions, batchFirst, packed variable lengths); float64 gradchecks through cuDNN;
 * float16 and the bfloat16 fallback; dropout between layers. Skipped, with the probe's reason, where no
 * GPU is usable.
 */
class CudnnRnnSpec : FunSpec({
    fun layer(mode: String, bidirectional: Boolean, batchFirst: Boolean = false, dropout: Double = 0.0): RNNBase {
        val o = RNNBase.Options().numLayers(2).bidirectional(bidirectional).batchFirst(batchFirst).dropout(dropout)
        return when (mode) {
            "LSTM" -> LSTM(5, 7, o)
            "GRU" -> GRU(5, 7, o)
            "RNN_RELU" -> RNN(5, 7, o.nonlinearity("relu"))
            else -> RNN(5, 7, o)
        }
    }

    /** The same layer twice (same seed): one stays on the CPU, one moves to the GPU. */
    fun pair(seed: Long, make: () -> RNNBase): Pair<RNNBase, RNNBase> {
        Random.manualSeed(seed)
        val cpu = make()
        Random.manualSeed(seed)
        val gpu = make()
        gpu.to(GPU)
        return cpu to gpu
    }

    fun leaf(t: Tensor, device: Device) = t.detach().to(device).requiresGrad_(true)

    fun lossOf(r: RecurrentOutput): Tensor {
        var l = r.output().mul(r.output()).sum().add(r.hidden().mul(3.0).sum())
        if (r.cell() != null) l = l.add(r.cell()!!.mul(r.cell()!!).sum())
        return l
    }

    fun same(cpu: Tensor, gpu: Tensor, what: String, rtol: Double = 1e-4) = assertMatches(cpu.data(), gpu.data().to(Device.CPU), what, rtol)

    for (mode in listOf("LSTM", "GRU", "RNN_TANH", "RNN_RELU")) {
        for (bidirectional in listOf(false, true)) {
            gpuTest("$mode, 2 layers${if (bidirectional) ", bidirectional" else ""}: cuDNN's outputs and gradients match the CPU layer") {
                val (c, g) = pair(41) { layer(mode, bidirectional) }
                val states = 2 * c.directions()
                Random.manualSeed(42)
                val x = Tensor.randn(6, 3, 5); val h = Tensor.randn(states, 3, 7); val cc = Tensor.randn(states, 3, 7)
                val lstm = mode == "LSTM"
                val xc = leaf(x, Device.CPU); val hc = leaf(h, Device.CPU); val ccc = leaf(cc, Device.CPU)
                val xg = leaf(x, GPU); val hg = leaf(h, GPU); val cg = leaf(cc, GPU)
                val rc = c.forward(xc, if (lstm) RecurrentState.of(hc, ccc) else RecurrentState.of(hc))
                val rg = g.forward(xg, if (lstm) RecurrentState.of(hg, cg) else RecurrentState.of(hg))
                same(rc.output(), rg.output(), "output"); same(rc.hidden(), rg.hidden(), "h_n")
                if (lstm) same(rc.cell()!!, rg.cell()!!, "c_n")
                lossOf(rc).backward(); lossOf(rg).backward()
                same(xc.grad()!!, xg.grad()!!, "input gradient"); same(hc.grad()!!, hg.grad()!!, "h0 gradient")
                if (lstm) same(ccc.grad()!!, cg.grad()!!, "c0 gradient")
                val gp = g.namedParameters()
                for ((name, p) in c.namedParameters()) same(p.grad()!!, gp[name]!!.grad()!!, "gradient of $name", 3e-4)
            }
        }
    }

    gpuTest("batchFirst input and zero initial state: the GPU LSTM matches the CPU one") {
        val (c, g) = pair(43) { layer("LSTM", true, batchFirst = true) }
        val x = Tensor.randn(3, 6, 5)
        same(c.forward(x), g.forward(x.to(GPU)), "batchFirst output")
    }

    gpuTest("a packed batch of variable lengths: packed output and each sequence's own h_n match the CPU") {
        val (c, g) = pair(44) { layer("GRU", true) }
        val padded = Tensor.randn(5, 4, 5)
        val lengths = longArrayOf(3, 5, 1, 4)
        val pc = RnnUtils.packPaddedSequence(padded, lengths, false, false)
        val pg = RnnUtils.packPaddedSequence(padded.to(GPU), lengths, false, false)
        val rc = c.forward(pc); val rg = g.forward(pg)
        same(rc.packed()!!.data(), rg.packed()!!.data(), "packed output")
        same(rc.hidden(), rg.hidden(), "h_n")
    }

    gpuTest("float64 gradcheck through cuDNN's forward, BackwardData and BackwardWeights (bidirectional 2-layer LSTM and GRU)") {
        for (mode in listOf("LSTM", "GRU")) {
            Random.manualSeed(45)
            val g = if (mode == "LSTM") 4 else 3
            fun p(vararg s: Int) = Tensor.randn(DType.FLOAT64, *s).mul(0.5).to(GPU).requiresGrad_(true)
            val w = mutableListOf<Tensor>()
            for (l in 0 until 2) for (d in 0 until 2) { w += p(g * 3, if (l == 0) 2 else 6); w += p(g * 3, 3); w += p(g * 3); w += p(g * 3) }
            val x = p(4, 2, 2); val h0 = p(4, 2, 3); val c0 = p(4, 2, 3)
            GradCheck.gradcheck({ a ->
                val r = Recurrent.run(mode, a[0], null, a[1], if (mode == "LSTM") a[2] else null, a.drop(3), true, 2, 0.0, false, true)
                Tensor.cat(r.map { it.reshape(-1) }, 0)
            }, x, h0, c0, *w.toTypedArray()) shouldBe true
        }
    }

    gpuTest("cuDNN and the Tensor-op path on the GPU agree (-Dkindling.cuda.cudnnRnn=false switches cuDNN off)") {
        val (_, g) = pair(46) { layer("LSTM", true) }
        val x = Tensor.randn(6, 3, 5).to(GPU)
        val viaCudnn = g.forward(x)
        System.setProperty("kindling.cuda.cudnnRnn", "false")
        val composed = try { g.forward(x) } finally { System.clearProperty("kindling.cuda.cudnnRnn") }
        same(composed, viaCudnn, "cuDNN vs composed")
    }

    gpuTest("float16 runs in cuDNN with float32 math, bfloat16 falls back to Tensor ops; both close to float32") {
        val (c, g) = pair(47) { layer("LSTM", false) }
        val x = Tensor.randn(6, 3, 5)
        val want = c.forward(x)
        val half = Autocast.enable(Device.Type.CUDA).use { g.forward(x.to(GPU)) }
        half.dtype() shouldBe DType.FLOAT16
        assertMatches(want.data(), half.data().to(DType.FLOAT32).to(Device.CPU), "float16 LSTM", 2e-2)
        val bf = Autocast.enable(Device.Type.CUDA, DType.BFLOAT16).use { g.forward(x.to(GPU)) }
        bf.dtype() shouldBe DType.BFLOAT16
        assertMatches(want.data(), bf.data().to(DType.FLOAT32).to(Device.CPU), "bfloat16 LSTM", 6e-2)
    }

    gpuTest("dropout between layers applies in training only, and backpropagates through cuDNN's masks") {
        val (_, g) = pair(48) { layer("LSTM", false, dropout = 0.5) }
        val x = leaf(Tensor.randn(6, 3, 5), GPU)
        g.eval()
        val eval1 = g.forward(x).data().to(Device.CPU).toDoubleArray().toList()
        g.forward(x).data().to(Device.CPU).toDoubleArray().toList() shouldBe eval1
        g.train()
        val trained = g.forward(x)
        trained.data().to(Device.CPU).toDoubleArray().toList() shouldNotBe eval1
        trained.sum().backward()
        x.grad()!!.data().to(Device.CPU).toDoubleArray().all { it.isFinite() } shouldBe true
    }

    gpuTest("a layer left on the CPU with its input on the GPU is an error naming both devices") {
        Random.manualSeed(49)
        val lstm = LSTM(5, 7)
        val e = io.kotest.assertions.throwables.shouldThrow<IllegalArgumentException> { lstm.forward(Tensor.randn(4, 2, 5).to(GPU)) }
        e.message shouldBe "LSTM (cuDNN): tensors are on different devices, cuda:0 and cpu; move one with to(Device) first"
    }
})
