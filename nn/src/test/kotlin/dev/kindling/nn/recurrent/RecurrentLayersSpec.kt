package dev.kindling.nn.recurrent

import dev.kindling.Random
import dev.kindling.autograd.GradMode
import dev.kindling.autograd.Tensor
import dev.kindling.nn.GRU
import dev.kindling.nn.LSTM
import dev.kindling.nn.RNN
import dev.kindling.nn.RNNBase
import dev.kindling.nn.RecurrentState
import dev.kindling.nn.utils.rnn.RnnUtils
import dev.kindling.tensor.DType
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import kotlin.math.abs
import kotlin.math.sqrt

/**
 * RNN, LSTM and GRU against PyTorch's equations written step by step in [RecurrentReference], on
 * random weights: every mode, several layers, both directions, batchFirst, initial states, unbatched
 * inputs and packed variable-length batches; plus PyTorch's names, shapes, init and errors.
 */
class RecurrentLayersSpec : FunSpec({
    beforeTest { Random.manualSeed(11) }

    fun build(mode: String, input: Int, hidden: Int, options: RNNBase.Options): RNNBase = when (mode) {
        "LSTM" -> LSTM(input, hidden, options)
        "GRU" -> GRU(input, hidden, options)
        "RNN_RELU" -> RNN(input, hidden, options.nonlinearity("relu"))
        else -> RNN(input, hidden, options)
    }

    val modes = listOf("LSTM", "GRU", "RNN_TANH", "RNN_RELU")

    for (mode in modes) {
        for (dtype in listOf(DType.FLOAT32, DType.FLOAT64)) {
            test("$mode ($dtype) with 2 layers, both directions and initial states matches the step-by-step equations") {
                val layer = build(mode, 5, 4, RNNBase.Options().numLayers(2).bidirectional(true))
                if (dtype == DType.FLOAT64) layer.toFloat64()
                val x = Tensor.randn(dtype, 6, 3, 5)
                val h0 = Tensor.randn(dtype, 4, 3, 4); val c0 = Tensor.randn(dtype, 4, 3, 4)
                val state = if (mode == "LSTM") RecurrentState.of(h0, c0) else RecurrentState.of(h0)
                val r = layer.forward(x, state)
                val ref = RecurrentReference.of(mode, layer, 4, 2, true).run(x.nested3(), null, h0.nested3(), c0.nested3())
                val tol = if (dtype == DType.FLOAT64) 1e-12 else 2e-5
                r.output().shape().toList() shouldBe listOf(6, 3, 8)
                r.hidden().shape().toList() shouldBe listOf(4, 3, 4)
                assertClose(r.output().toDoubleArray(), ref.out.flat(), tol, "output")
                assertClose(r.hidden().toDoubleArray(), ref.h.flat(), tol, "h_n")
                if (mode == "LSTM") assertClose(r.cell().toDoubleArray(), ref.c.flat(), tol, "c_n")
                else (r.cell() == null) shouldBe true
            }
        }

        test("$mode with batchFirst takes and returns [B, T, F] but keeps h_n as [layers * directions, B, H]") {
            val layer = build(mode, 3, 5, RNNBase.Options().batchFirst(true).bias(false))
            val x = Tensor.randn(2, 7, 3)
            val r = layer.forward(x, null)
            r.output().shape().toList() shouldBe listOf(2, 7, 5)
            r.hidden().shape().toList() shouldBe listOf(1, 2, 5)
            val ref = RecurrentReference.of(mode, layer, 5).run(x.transpose(0, 1).nested3())
            assertClose(r.output().transpose(0, 1).contiguous().toDoubleArray(), ref.out.flat(), 2e-5, "output")
            assertClose(r.hidden().toDoubleArray(), ref.h.flat(), 2e-5, "h_n")
        }

        test("$mode accepts an unbatched [T, F] input with a [layers * directions, H] state") {
            val layer = build(mode, 3, 4, RNNBase.Options().bidirectional(true))
            val x = Tensor.randn(5, 3)
            val h0 = Tensor.randn(2, 4); val c0 = Tensor.randn(2, 4)
            val r = layer.forward(x, if (mode == "LSTM") RecurrentState.of(h0, c0) else RecurrentState.of(h0))
            r.output().shape().toList() shouldBe listOf(5, 8)
            r.hidden().shape().toList() shouldBe listOf(2, 4)
            val ref = RecurrentReference.of(mode, layer, 4, 1, true)
                .run(x.unsqueeze(1).nested3(), null, h0.unsqueeze(1).nested3(), c0.unsqueeze(1).nested3())
            assertClose(r.output().toDoubleArray(), ref.out.flat(), 2e-5, "output")
            assertClose(r.hidden().toDoubleArray(), ref.h.flat(), 2e-5, "h_n")
        }

        test("$mode on a packed batch of unsorted lengths matches per-sequence loops, h_n at each sequence's own last step") {
            val layer = build(mode, 3, 4, RNNBase.Options().numLayers(2).bidirectional(true))
            val lengths = longArrayOf(3, 6, 1, 4)
            val x = Tensor.randn(6, 4, 3)
            val h0 = Tensor.randn(4, 4, 4); val c0 = Tensor.randn(4, 4, 4)
            val packed = RnnUtils.packPaddedSequence(x, lengths, false, false)
            val r = layer.forward(packed, if (mode == "LSTM") RecurrentState.of(h0, c0) else RecurrentState.of(h0))
            val padded = RnnUtils.padPackedSequence(r.packed())
            padded.lengths().toLongArray().toList() shouldBe lengths.toList()
            val ref = RecurrentReference.of(mode, layer, 4, 2, true)
                .run(x.nested3(), lengths.map { it.toInt() }.toIntArray(), h0.nested3(), c0.nested3())
            assertClose(padded.padded().toDoubleArray(), ref.out.flat(), 2e-5, "padded output")
            assertClose(r.hidden().toDoubleArray(), ref.h.flat(), 2e-5, "h_n")
            if (mode == "LSTM") assertClose(r.cell().toDoubleArray(), ref.c.flat(), 2e-5, "c_n")
        }
    }

    test("packed and padded runs agree where all sequences have full length") {
        val lstm = LSTM(3, 4)
        val x = Tensor.randn(5, 2, 3)
        val packed = lstm.forward(RnnUtils.packPaddedSequence(x, longArrayOf(5, 5)))
        assertClose(RnnUtils.padPackedSequence(packed.packed()).padded().toDoubleArray(), lstm.forward(x).toDoubleArray(), 1e-6)
    }

    test("state-dict keys are exactly PyTorch's, in PyTorch's order, with PyTorch's shapes") {
        val lstm = LSTM(10, 20, RNNBase.Options().numLayers(2).bidirectional(true))
        val keys = mutableListOf<String>()
        for (l in 0..1) for (sfx in listOf("", "_reverse")) for (n in listOf("weight_ih", "weight_hh", "bias_ih", "bias_hh")) keys += "${n}_l$l$sfx"
        lstm.stateDict().keys.toList() shouldBe keys
        val sd = lstm.stateDict()
        sd.getValue("weight_ih_l0").shape().toList() shouldBe listOf(80, 10)
        sd.getValue("weight_ih_l1").shape().toList() shouldBe listOf(80, 40)
        sd.getValue("weight_hh_l1_reverse").shape().toList() shouldBe listOf(80, 20)
        sd.getValue("bias_hh_l0").shape().toList() shouldBe listOf(80)
        GRU(3, 7, RNNBase.Options().bias(false)).stateDict().keys.toList() shouldBe listOf("weight_ih_l0", "weight_hh_l0")
        GRU(3, 7).stateDict().getValue("weight_hh_l0").shape().toList() shouldBe listOf(21, 7)
        RNN(3, 7).stateDict().getValue("weight_ih_l0").shape().toList() shouldBe listOf(7, 3)
    }

    test("weights are initialised U(-1/sqrt(hidden), 1/sqrt(hidden)), as PyTorch") {
        val gru = GRU(30, 64, 2)
        val bound = 1 / sqrt(64.0)
        for (p in gru.parameters()) {
            val v = p.toDoubleArray()
            v.all { abs(it) <= bound } shouldBe true
            (v.maxOf { abs(it) } > 0.9 * bound) shouldBe true
        }
    }

    test("toString names the sizes and the options that differ from PyTorch's defaults") {
        LSTM(64, 256).toString() shouldBe "LSTM(64 => 256)"
        GRU(8, 16, RNNBase.Options().numLayers(2).batchFirst(true).dropout(0.5).bidirectional(true)).toString() shouldBe
            "GRU(8 => 16, numLayers=2, batchFirst=true, dropout=0.5, bidirectional=true)"
        RNN(3, 4, RNNBase.Options().nonlinearity("relu").bias(false)).toString() shouldBe "RNN(3 => 4, nonlinearity=relu, bias=false)"
    }

    test("dropout between layers acts only in training and never on the last layer's output") {
        val lstm = LSTM(4, 8, 2, false, 0.5)
        val x = Tensor.randn(5, 3, 4)
        lstm.eval()
        val ref = RecurrentReference.of("LSTM", lstm, 8, 2).run(x.nested3())
        assertClose(lstm.forward(x).toDoubleArray(), ref.out.flat(), 2e-5, "eval output")
        lstm.train()
        val trained = lstm.forward(x).toDoubleArray()
        (trained.indices.maxOf { abs(trained[it] - ref.out.flat()[it]) } > 1e-3) shouldBe true
        val oneLayer = LSTM(4, 8, 1, false, 0.5)
        val direct = RecurrentReference.of("LSTM", oneLayer, 8).run(x.nested3())
        assertClose(oneLayer.forward(x).toDoubleArray(), direct.out.flat(), 2e-5, "single layer in training")
    }

    test("output and state keep their graph: a later step can backpropagate into the earlier chunk") {
        val lstm = LSTM(2, 3)
        val x = Tensor.randn(4, 1, 2)
        val a = lstm.forward(x.narrow(0, 0, 2), null)
        val b = lstm.forward(x.narrow(0, 2, 2), a.state())
        val whole = lstm.forward(x, null)
        assertClose(b.output().toDoubleArray(), whole.output().narrow(0, 2, 2).toDoubleArray(), 1e-6)
        b.output().sum().backward()
        (lstm.parameters()[1].grad() != null) shouldBe true
        a.state().detach().hidden().requiresGrad() shouldBe false
    }

    // ------------------------------------------------------------------ errors

    test("a wrong feature size names the layer, the input's shape and inputSize") {
        val e = shouldThrow<IllegalArgumentException> { LSTM(64, 256).forward(Tensor.zeros(35, 32, 63)) }
        e.message shouldContain "LSTM"
        e.message shouldContain "[35, 32, 63]"
        e.message shouldContain "inputSize 64"
    }

    test("a wrong rank is refused with the shapes that would fit") {
        val e = shouldThrow<IllegalArgumentException> { GRU(4, 8).forward(Tensor.zeros(2, 3, 4, 5)) }
        e.message shouldContain "[2, 3, 4, 5]"
        e.message shouldContain "[T, B, 4]"
    }

    test("a state of the wrong shape names h0 or c0, what came and what fits") {
        val lstm = LSTM(4, 8, 2)
        val x = Tensor.zeros(5, 3, 4)
        val e = shouldThrow<IllegalArgumentException> { lstm.forward(x, RecurrentState.of(Tensor.zeros(1, 3, 8), Tensor.zeros(2, 3, 8))) }
        e.message shouldContain "h0 must be [2, 3, 8]"
        e.message shouldContain "got [1, 3, 8]"
        val c = shouldThrow<IllegalArgumentException> { lstm.forward(x, RecurrentState.of(Tensor.zeros(2, 3, 8), Tensor.zeros(2, 4, 8))) }
        c.message shouldContain "c0 must be [2, 3, 8]"
        shouldThrow<IllegalArgumentException> { lstm.forward(x, RecurrentState.of(Tensor.zeros(2, 3, 8))) }.message shouldContain "c0"
        shouldThrow<IllegalArgumentException> { GRU(4, 8).forward(x, RecurrentState.of(Tensor.zeros(1, 3, 8), Tensor.zeros(1, 3, 8))) }
            .message shouldContain "no cell state"
    }

    test("an input of another dtype than the weights is refused, naming both") {
        val e = shouldThrow<IllegalArgumentException> { RNN(2, 3).forward(Tensor.zeros(DType.FLOAT64, 4, 1, 2)) }
        e.message shouldContain "FLOAT64"
        e.message shouldContain "FLOAT32"
    }

    test("bad options are refused when the layer is built") {
        shouldThrow<IllegalArgumentException> { RNN(2, 3, RNNBase.Options().nonlinearity("sigmoid")) }.message shouldContain "\"sigmoid\""
        shouldThrow<IllegalArgumentException> { LSTM(2, 3, RNNBase.Options().nonlinearity("relu")) }.message shouldContain "RNN option"
        shouldThrow<IllegalArgumentException> { GRU(2, 0) }.message shouldContain "hiddenSize"
        shouldThrow<IllegalArgumentException> { LSTM(2, 3, 0) }.message shouldContain "numLayers"
        shouldThrow<IllegalArgumentException> { LSTM(2, 3, 2, false, 1.5) }.message shouldContain "dropout"
    }

    test("in no-grad mode the output records nothing") {
        val lstm = LSTM(3, 4)
        GradMode.noGrad().use { lstm.forward(Tensor.randn(2, 2, 3)).requiresGrad() shouldBe false }
        val node = lstm.forward(Tensor.randn(2, 2, 3)).gradFn()!!
        node.nextFunctions().map { it.name() } shouldBe listOf("LstmBackward")
    }
})
