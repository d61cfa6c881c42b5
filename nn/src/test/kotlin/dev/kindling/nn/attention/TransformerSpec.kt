package dev.kindling.nn.attention

import dev.kindling.Random
import dev.kindling.autograd.GradCheck
import dev.kindling.autograd.Tensor
import dev.kindling.nn.LayerNorm
import dev.kindling.nn.Transformer
import dev.kindling.nn.TransformerDecoder
import dev.kindling.nn.TransformerDecoderLayer
import dev.kindling.nn.TransformerEncoder
import dev.kindling.nn.TransformerEncoderLayer
import dev.kindling.nn.TransformerLayerOptions
import dev.kindling.nn.functional.F
import dev.kindling.tensor.DType
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import kotlin.math.tanh

private fun Seqs.mapVectors(f: (DoubleArray) -> DoubleArray): Seqs = Array(size) { n -> Array(this[n].size) { i -> f(this[n][i]) } }

private operator fun Seqs.plus(o: Seqs): Seqs = Array(size) { n -> Array(this[n].size) { i -> DoubleArray(this[n][i].size) { this[n][i][it] + o[n][i][it] } } }

private val relu = { v: Double -> if (v > 0) v else 0.0 }
private val unmasked = { _: Int, _: Int, _: Int, _: Int -> 0.0 }

/** The encoder layer's formula with its own weights: attention by MhaRef, then feed-forward and layer norms by loops. */
private fun encoderRef(layer: TransformerEncoderLayer, x: Seqs, act: (Double) -> Double = relu,
                       bias: (Int, Int, Int, Int) -> Double = unmasked): Seqs {
    val attn = MhaRef(layer.selfAttn)
    val w1 = matrix(layer.linear1.weight); val b1 = layer.linear1.bias?.toDoubleArray()
    val w2 = matrix(layer.linear2.weight); val b2 = layer.linear2.bias?.toDoubleArray()
    val norm1 = { v: DoubleArray -> layerNormRef(v, layer.norm1.weight.toDoubleArray(), layer.norm1.bias?.toDoubleArray(), layer.norm1.eps) }
    val norm2 = { v: DoubleArray -> layerNormRef(v, layer.norm2.weight.toDoubleArray(), layer.norm2.bias?.toDoubleArray(), layer.norm2.eps) }
    val ff = { v: DoubleArray -> affine(w2, b2, affine(w1, b1, v).map(act).toDoubleArray()) }
    val sa = { s: Seqs -> attn.forward(s, s, s, bias).first }
    return if (layer.normFirst) {
        val x1 = x + sa(x.mapVectors(norm1))
        x1 + x1.mapVectors(norm2).mapVectors(ff)
    } else {
        val x1 = (x + sa(x)).mapVectors(norm1)
        (x1 + x1.mapVectors(ff)).mapVectors(norm2)
    }
}

private fun decoderRef(layer: TransformerDecoderLayer, x: Seqs, memory: Seqs, tgtBias: (Int, Int, Int, Int) -> Double = unmasked,
                       memoryBias: (Int, Int, Int, Int) -> Double = unmasked): Seqs {
    val self = MhaRef(layer.selfAttn); val cross = MhaRef(layer.multiheadAttn)
    val w1 = matrix(layer.linear1.weight); val b1 = layer.linear1.bias?.toDoubleArray()
    val w2 = matrix(layer.linear2.weight); val b2 = layer.linear2.bias?.toDoubleArray()
    fun norm(ln: LayerNorm) = { v: DoubleArray -> layerNormRef(v, ln.weight.toDoubleArray(), ln.bias?.toDoubleArray(), ln.eps) }
    val ff = { v: DoubleArray -> affine(w2, b2, affine(w1, b1, v).map(relu).toDoubleArray()) }
    val sa = { s: Seqs -> self.forward(s, s, s, tgtBias).first }
    val mha = { s: Seqs -> cross.forward(s, memory, memory, memoryBias).first }
    return if (layer.normFirst) {
        val x1 = x + sa(x.mapVectors(norm(layer.norm1)))
        val x2 = x1 + mha(x1.mapVectors(norm(layer.norm2)))
        x2 + x2.mapVectors(norm(layer.norm3)).mapVectors(ff)
    } else {
        val x1 = (x + sa(x)).mapVectors(norm(layer.norm1))
        val x2 = (x1 + mha(x1)).mapVectors(norm(layer.norm2))
        (x2 + x2.mapVectors(ff)).mapVectors(norm(layer.norm3))
    }
}

/**
 * Transformer layers and stacks against their formulas composed from plain-loop references, in both norm
 * placements and layouts; gradcheck with dropout 0; PyTorch's child names and state-dict keys; dropout modes.
 */
class TransformerSpec : FunSpec({
    beforeTest { Random.manualSeed(29) }

    val inf = Double.NEGATIVE_INFINITY
    fun opts() = TransformerLayerOptions().dimFeedforward(16).dropout(0.0)

    // ------------------------------------------------------------------ encoder layer

    test("the post-norm encoder layer matches its formula, with a float srcMask and a bool key padding mask") {
        val layer = TransformerEncoderLayer(8, 2, opts()).float64()
        val x = attnRandn(4, 2, 8)
        val srcMask = attnRandn(4, 4); val sm = srcMask.toDoubleArray()
        val pad = Tensor.of(BooleanArray(8) { it == 3 || it == 6 }, 2, 4)
        val expected = encoderRef(layer, seqsOf(x)) { n, _, i, j -> sm[i * 4 + j] + if (n * 4 + j == 3 || n * 4 + j == 6) inf else 0.0 }
        closeTo(layer.forward(x, srcMask, pad).toDoubleArray(), flatten(expected))
    }

    test("the pre-norm encoder layer with batchFirst and a custom activation matches its formula") {
        val layer = TransformerEncoderLayer(8, 2, opts().normFirst(true).batchFirst(true).activation { t -> t.tanh() }).float64()
        val x = attnRandn(2, 5, 8)
        closeTo(layer.forward(x).toDoubleArray(), flatten(encoderRef(layer, seqsOf(x, true), { tanh(it) }), true))
    }

    test("activation \"gelu\" is the exact GELU, and isCausal equals the square subsequent mask") {
        val gelu = TransformerEncoderLayer(8, 2, opts().activation("gelu")).float64()
        val viaFunction = TransformerEncoderLayer(8, 2, opts().activation { t -> F.gelu(t) }).float64()
        viaFunction.loadStateDict(gelu.stateDict(), true)
        val x = attnRandn(5, 2, 8)
        closeTo(gelu.forward(x).toDoubleArray(), viaFunction.forward(x).toDoubleArray(), 0.0)
        closeTo(gelu.forward(x, null, null, true).toDoubleArray(),
            gelu.forward(x, Transformer.generateSquareSubsequentMask(5, DType.FLOAT64), null).toDoubleArray(), 0.0)
    }

    test("the encoder layer passes gradcheck wrt its input and finite differences wrt its parameters") {
        val layer = TransformerEncoderLayer(4, 2, opts().dimFeedforward(6)).float64()
        val pad = Tensor.of(BooleanArray(6) { it == 2 }, 2, 3)
        GradCheck.gradcheck({ t -> layer.forward(t[0], null, pad) }, attnLeaf(3, 2, 4)) shouldBe true
        val x = attnRandn(3, 2, 4); val probe = attnRandn(3, 2, 4)
        checkParameterGradients(layer, { layer.forward(x, null, pad).mul(probe).sum() })
        val pre = TransformerEncoderLayer(4, 2, opts().dimFeedforward(6).normFirst(true)).float64()
        GradCheck.gradcheck({ t -> pre.forward(t[0], null, null, true) }, attnLeaf(3, 2, 4)) shouldBe true
    }

    test("encoder layer children and state-dict keys are PyTorch's") {
        val layer = TransformerEncoderLayer(8, 2, 16, 0.1)
        layer.namedChildren().keys.toList() shouldBe listOf("self_attn", "linear1", "dropout", "linear2", "norm1", "norm2", "dropout1", "dropout2")
        layer.stateDict().map { (k, v) -> k + v.shape().toList() } shouldBe listOf(
            "self_attn.in_proj_weight[24, 8]", "self_attn.in_proj_bias[24]", "self_attn.out_proj.weight[8, 8]", "self_attn.out_proj.bias[8]",
            "linear1.weight[16, 8]", "linear1.bias[16]", "linear2.weight[8, 16]", "linear2.bias[8]",
            "norm1.weight[8]", "norm1.bias[8]", "norm2.weight[8]", "norm2.bias[8]")
        TransformerEncoderLayer(8, 2, opts().bias(false)).stateDict().keys.toList() shouldBe listOf(
            "self_attn.in_proj_weight", "self_attn.out_proj.weight", "linear1.weight", "linear2.weight", "norm1.weight", "norm2.weight")
    }

    test("PyTorch's defaults: feed-forward 2048, dropout 0.1, relu, eps 1e-5, post-norm, sequence first") {
        val layer = TransformerEncoderLayer(8, 2)
        layer.linear1.outFeatures shouldBe 2048
        layer.dropout.p shouldBe 0.1
        layer.selfAttn.dropout shouldBe 0.1
        layer.norm1.eps shouldBe 1e-5
        layer.normFirst shouldBe false
        layer.selfAttn.batchFirst shouldBe false
        layer.options().activationName() shouldBe "relu"
    }

    test("dropout is active in training only") {
        val layer = TransformerEncoderLayer(8, 2, opts().dropout(0.3)).float64()
        val x = attnRandn(4, 2, 8)
        layer.train()
        layer.forward(x).toDoubleArray().contentEquals(layer.forward(x).toDoubleArray()) shouldBe false
        layer.eval()
        closeTo(layer.forward(x).toDoubleArray(), flatten(encoderRef(layer, seqsOf(x))))
    }

    // ------------------------------------------------------------------ decoder layer

    test("the post-norm decoder layer matches its formula, with a causal target and a memory padding mask") {
        val layer = TransformerDecoderLayer(8, 2, opts()).float64()
        val tgt = attnRandn(4, 2, 8); val memory = attnRandn(5, 2, 8)
        val pad = Tensor.of(BooleanArray(10) { it == 9 }, 2, 5)
        val expected = decoderRef(layer, seqsOf(tgt), seqsOf(memory), { _, _, i, j -> if (j > i) inf else 0.0 },
            { n, _, _, j -> if (n * 5 + j == 9) inf else 0.0 })
        closeTo(layer.forward(tgt, memory, null, null, null, pad, true, false).toDoubleArray(), flatten(expected))
    }

    test("the pre-norm batchFirst decoder layer matches its formula with a float memoryMask") {
        val layer = TransformerDecoderLayer(8, 2, opts().normFirst(true).batchFirst(true)).float64()
        val tgt = attnRandn(2, 3, 8); val memory = attnRandn(2, 4, 8)
        val memoryMask = attnRandn(3, 4); val mm = memoryMask.toDoubleArray()
        val expected = decoderRef(layer, seqsOf(tgt, true), seqsOf(memory, true), unmasked) { _, _, i, j -> mm[i * 4 + j] }
        closeTo(layer.forward(tgt, memory, null, memoryMask, null, null).toDoubleArray(), flatten(expected, true))
    }

    test("the decoder layer passes gradcheck wrt target and memory and finite differences wrt its parameters") {
        val layer = TransformerDecoderLayer(4, 2, opts().dimFeedforward(6)).float64()
        val causal = Transformer.generateSquareSubsequentMask(3, DType.FLOAT64)
        GradCheck.gradcheck({ t -> layer.forward(t[0], t[1], causal, null, null, null) }, attnLeaf(3, 2, 4), attnLeaf(2, 2, 4)) shouldBe true
        val tgt = attnRandn(3, 2, 4); val memory = attnRandn(2, 2, 4); val probe = attnRandn(3, 2, 4)
        checkParameterGradients(layer, { layer.forward(tgt, memory, causal, null, null, null).mul(probe).sum() })
    }

    test("decoder layer children and state-dict keys are PyTorch's") {
        val layer = TransformerDecoderLayer(8, 2, 16, 0.1)
        layer.namedChildren().keys.toList() shouldBe listOf("self_attn", "multihead_attn", "linear1", "dropout", "linear2",
            "norm1", "norm2", "norm3", "dropout1", "dropout2", "dropout3")
        layer.stateDict().keys.toList() shouldBe listOf(
            "self_attn.in_proj_weight", "self_attn.in_proj_bias", "self_attn.out_proj.weight", "self_attn.out_proj.bias",
            "multihead_attn.in_proj_weight", "multihead_attn.in_proj_bias", "multihead_attn.out_proj.weight", "multihead_attn.out_proj.bias",
            "linear1.weight", "linear1.bias", "linear2.weight", "linear2.bias",
            "norm1.weight", "norm1.bias", "norm2.weight", "norm2.bias", "norm3.weight", "norm3.bias")
    }

    // ------------------------------------------------------------------ stacks

    test("TransformerEncoder stacks independent deep copies of the layer, then the norm") {
        val layer = TransformerEncoderLayer(8, 2, opts()).float64()
        val encoder = TransformerEncoder(layer, 2, LayerNorm(8).float64())
        val first = encoder.layer(0); val second = encoder.layer(1)
        (first !== layer && first.selfAttn.inProjWeight !== second.selfAttn.inProjWeight) shouldBe true
        closeTo(second.selfAttn.inProjWeight!!.toDoubleArray(), layer.selfAttn.inProjWeight!!.toDoubleArray(), 0.0)
        second.selfAttn.inProjWeight!!.dtype() shouldBe DType.FLOAT64
        dev.kindling.autograd.GradMode.noGrad().use { second.linear1.weight.mul_(1.5) }
        (first.linear1.weight.toDoubleArray().contentEquals(second.linear1.weight.toDoubleArray())) shouldBe false
        dev.kindling.autograd.GradMode.noGrad().use { (encoder.norm as LayerNorm).weight.copy_(attnRandn(8)) }
        val x = attnRandn(3, 2, 8)
        val norm = encoder.norm as LayerNorm
        val expected = encoderRef(second, encoderRef(first, seqsOf(x)))
            .mapVectors { layerNormRef(it, norm.weight.toDoubleArray(), norm.bias!!.toDoubleArray(), norm.eps) }
        closeTo(encoder.forward(x).toDoubleArray(), flatten(expected))
        encoder.stateDict().keys.filter { it.startsWith("layers.1.self_attn") || it.startsWith("norm") } shouldBe listOf(
            "layers.1.self_attn.in_proj_weight", "layers.1.self_attn.in_proj_bias", "layers.1.self_attn.out_proj.weight",
            "layers.1.self_attn.out_proj.bias", "norm.weight", "norm.bias")
    }

    test("TransformerDecoder feeds the same memory to every layer") {
        val decoder = TransformerDecoder(TransformerDecoderLayer(8, 2, opts()).float64(), 2)
        dev.kindling.autograd.GradMode.noGrad().use { decoder.layer(1).linear2.weight.mul_(-1.0) }
        val tgt = attnRandn(3, 2, 8); val memory = attnRandn(4, 2, 8)
        val mem = seqsOf(memory)
        val expected = decoderRef(decoder.layer(1), decoderRef(decoder.layer(0), seqsOf(tgt), mem), mem)
        closeTo(decoder.forward(tgt, memory).toDoubleArray(), flatten(expected))
        decoder.stateDict().keys.first() shouldBe "layers.0.self_attn.in_proj_weight"
        decoder.stateDict().keys.last() shouldBe "layers.1.norm3.bias"
    }

    test("Transformer decodes the target against the encoded source, with PyTorch's keys") {
        val model = Transformer(8, 2, 2, 1, opts().batchFirst(true)).float64()
        val src = attnRandn(2, 5, 8); val tgt = attnRandn(2, 3, 8)
        val causal = Transformer.generateSquareSubsequentMask(3, DType.FLOAT64)
        val y = model.forward(src, tgt, null, causal, null, null, null, null)
        y.shape().toList() shouldBe listOf(2, 3, 8)
        closeTo(y.toDoubleArray(), model.decoder.forward(tgt, model.encoder.forward(src), causal, null, null, null).toDoubleArray(), 0.0)
        val keys = model.stateDict().keys
        keys.count { it.startsWith("encoder.layers.") && it.endsWith("in_proj_weight") } shouldBe 2
        keys.count { it.startsWith("decoder.layers.0.multihead_attn.") } shouldBe 4
        keys.filter { it.contains(".norm.") } shouldBe listOf("encoder.norm.weight", "encoder.norm.bias", "decoder.norm.weight", "decoder.norm.bias")
    }

    test("generateSquareSubsequentMask is 0 on and below the diagonal and -inf above") {
        val m = Transformer.generateSquareSubsequentMask(3)
        m.dtype() shouldBe DType.FLOAT32
        m.toDoubleArray().toList() shouldBe listOf(0.0, inf, inf, 0.0, 0.0, inf, 0.0, 0.0, 0.0)
    }

    // ------------------------------------------------------------------ errors and printing

    test("inputs that do not fit dModel or each other are refused, naming the shapes") {
        shouldThrow<IllegalArgumentException> { TransformerEncoderLayer(8, 2).forward(Tensor.zeros(3, 2, 6)) }
            .message shouldContain "src [3, 2, 6] should be [L, N, 8]"
        shouldThrow<IllegalArgumentException> { TransformerDecoderLayer(8, 2).forward(Tensor.zeros(3, 2, 8), Tensor.zeros(4, 2, 7)) }
            .message shouldContain "memory [4, 2, 7]"
        shouldThrow<IllegalArgumentException> { Transformer(8, 2, 1, 1).forward(Tensor.zeros(5, 2, 8), Tensor.zeros(3, 4, 8)) }
            .message shouldContain "same batch size"
        shouldThrow<IllegalArgumentException> { TransformerEncoderLayer(8, 3) }.message shouldContain "divisible by numHeads 3"
        shouldThrow<IllegalArgumentException> { TransformerLayerOptions().activation("tanh") }.message shouldContain "\"relu\" or \"gelu\""
    }

    test("toString lists the children under PyTorch's names") {
        val s = TransformerEncoderLayer(8, 2, 16, 0.1).toString()
        s shouldContain "(self_attn): MultiheadAttention(8, heads=2, dropout=0.1)"
        s shouldContain "(linear1): Linear(8 => 16)"
        s shouldContain "(norm2): LayerNorm([8], eps=1.0E-5)"
    }
})
