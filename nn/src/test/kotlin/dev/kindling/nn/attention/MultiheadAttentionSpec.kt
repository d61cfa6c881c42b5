package dev.kindling.nn.attention

import dev.kindling.Random
import dev.kindling.autograd.GradCheck
import dev.kindling.autograd.GradMode
import dev.kindling.autograd.Tensor
import dev.kindling.nn.MultiheadAttention
import dev.kindling.nn.Transformer
import dev.kindling.nn.functional.F
import dev.kindling.tensor.DType
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.assertions.withClue
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import kotlin.math.abs
import kotlin.math.sqrt

/**
 * MultiheadAttention against the formula evaluated per head with plain loops (MhaRef) on random weights,
 * for every layout and mask kind; gradcheck of its functional form and of its parameters; PyTorch's
 * state-dict keys, initialisation and errors.
 */
class MultiheadAttentionSpec : FunSpec({
    beforeTest { Random.manualSeed(11) }

    fun mha(e: Int = 4, h: Int = 2, o: MultiheadAttention.Options = MultiheadAttention.Options()) =
        MultiheadAttention(e, h, o).float64()

    val noMask = { _: Int, _: Int, _: Int, _: Int -> 0.0 }
    val inf = Double.NEGATIVE_INFINITY

    // ------------------------------------------------------------------ against the formula

    test("self-attention gives the formula's output [L, N, E] and head-averaged weights [N, L, L]") {
        val m = mha()
        val x = attnRandn(3, 2, 4)
        val a = m.forward(x, x, x)
        val (out, w) = MhaRef(m).forward(seqsOf(x), seqsOf(x), seqsOf(x))
        a.output().shape().toList() shouldBe listOf(3, 2, 4)
        a.weights()!!.shape().toList() shouldBe listOf(2, 3, 3)
        closeTo(a.output().toDoubleArray(), flatten(out))
        closeTo(a.weights()!!.toDoubleArray(), flattenWeights(w, true))
    }

    test("cross-attention matches the formula whether key and value are one tensor or two") {
        val m = mha(6, 3)
        val q = attnRandn(3, 2, 6); val k = attnRandn(5, 2, 6); val v = attnRandn(5, 2, 6)
        val (out, w) = MhaRef(m).forward(seqsOf(q), seqsOf(k), seqsOf(v))
        val a = m.forward(q, k, v)
        closeTo(a.output().toDoubleArray(), flatten(out))
        closeTo(a.weights()!!.toDoubleArray(), flattenWeights(w, true))
        val (shared, _) = MhaRef(m).forward(seqsOf(q), seqsOf(k), seqsOf(k))
        closeTo(m.forward(q, k, k).output().toDoubleArray(), flatten(shared))
    }

    test("batchFirst takes and returns [N, L, E] and equals the sequence-first layer with the same weights") {
        val m = mha(o = MultiheadAttention.Options().batchFirst(true))
        val q = attnRandn(2, 3, 4); val kv = attnRandn(2, 5, 4)
        val a = m.forward(q, kv, kv)
        val (out, w) = MhaRef(m).forward(seqsOf(q, true), seqsOf(kv, true), seqsOf(kv, true))
        a.output().shape().toList() shouldBe listOf(2, 3, 4)
        closeTo(a.output().toDoubleArray(), flatten(out, true))
        closeTo(a.weights()!!.toDoubleArray(), flattenWeights(w, true))
        val seqFirst = mha().also { it.loadStateDict(m.stateDict(), true) }
        val b = seqFirst.forward(q.transpose(0, 1), kv.transpose(0, 1), kv.transpose(0, 1))
        closeTo(b.output().transpose(0, 1).contiguous().toDoubleArray(), a.output().contiguous().toDoubleArray(), 1e-12)
    }

    test("kdim and vdim other than embedDim use separate q, k and v projections") {
        val m = mha(o = MultiheadAttention.Options().kdim(3).vdim(5))
        m.inProjWeight shouldBe null
        m.kProjWeight.shape().toList() shouldBe listOf(4, 3)
        m.vProjWeight.shape().toList() shouldBe listOf(4, 5)
        val q = attnRandn(3, 2, 4); val k = attnRandn(6, 2, 3); val v = attnRandn(6, 2, 5)
        val (out, w) = MhaRef(m).forward(seqsOf(q), seqsOf(k), seqsOf(v))
        val a = m.forward(q, k, v)
        closeTo(a.output().toDoubleArray(), flatten(out))
        closeTo(a.weights()!!.toDoubleArray(), flattenWeights(w, true))
    }

    // Each case: a mask given to forward, and the additive term the formula adds for (n, h, i, j). L = 3, S = 5, N = 2, H = 2.
    data class MaskCase(val name: String, val keyPadding: Tensor?, val attn: Tensor?, val bias: (Int, Int, Int, Int) -> Double)

    fun maskCases(): List<MaskCase> {
        val pad = arrayOf(booleanArrayOf(false, false, true, false, true), booleanArrayOf(true, false, false, false, false))
        val padBool = Tensor.of(booleanArrayOf(*pad[0], *pad[1]), 2, 5)
        val padFloat = attnRandn(2, 5)
        val pf = padFloat.toDoubleArray()
        val causalish = Array(3) { i -> BooleanArray(5) { j -> j > i + 1 } }
        val attnBool = Tensor.of(BooleanArray(15) { causalish[it / 5][it % 5] }, 3, 5)
        val attnFloat = attnRandn(3, 5)
        val af = attnFloat.toDoubleArray()
        val perHead = attnRandn(4, 3, 5)
        val ph = perHead.toDoubleArray()
        return listOf(
            MaskCase("bool keyPaddingMask [N, S]", padBool, null) { n, _, _, j -> if (pad[n][j]) inf else 0.0 },
            MaskCase("float keyPaddingMask [N, S]", padFloat, null) { n, _, _, j -> pf[n * 5 + j] },
            MaskCase("bool attnMask [L, S]", null, attnBool) { _, _, i, j -> if (causalish[i][j]) inf else 0.0 },
            MaskCase("float attnMask [L, S]", null, attnFloat) { _, _, i, j -> af[i * 5 + j] },
            MaskCase("float attnMask [N * H, L, S]", null, perHead) { n, h, i, j -> ph[((n * 2 + h) * 3 + i) * 5 + j] },
            MaskCase("bool keyPaddingMask with float attnMask", padBool, attnFloat) { n, _, i, j ->
                (if (pad[n][j]) inf else 0.0) + af[i * 5 + j]
            },
            MaskCase("bool keyPaddingMask with bool attnMask", padBool, attnBool) { n, _, i, j ->
                if (pad[n][j] || causalish[i][j]) inf else 0.0
            },
        )
    }

    test("every mask kind gives the formula's output and per-head weights") {
        for (case in maskCases()) {
            withClue(case.name) {
                val m = mha()
                val q = attnRandn(3, 2, 4); val k = attnRandn(5, 2, 4); val v = attnRandn(5, 2, 4)
                val (out, w) = MhaRef(m).forward(seqsOf(q), seqsOf(k), seqsOf(v), case.bias)
                val a = m.forward(q, k, v, case.keyPadding, true, case.attn, false, false)
                a.weights()!!.shape().toList() shouldBe listOf(2, 2, 3, 5)
                closeTo(a.output().toDoubleArray(), flatten(out))
                closeTo(a.weights()!!.toDoubleArray(), flattenWeights(w, false))
            }
        }
    }

    test("masks work the same with batchFirst") {
        val m = mha(o = MultiheadAttention.Options().batchFirst(true))
        val case = maskCases().last()
        val q = attnRandn(2, 3, 4); val kv = attnRandn(2, 5, 4)
        val (out, _) = MhaRef(m).forward(seqsOf(q, true), seqsOf(kv, true), seqsOf(kv, true), case.bias)
        closeTo(m.forward(q, kv, kv, case.keyPadding, case.attn).output().toDoubleArray(), flatten(out, true))
    }

    test("isCausal without a mask masks every key after its query, as generateSquareSubsequentMask") {
        val m = mha()
        val x = attnRandn(4, 2, 4)
        val (out, w) = MhaRef(m).forward(seqsOf(x), seqsOf(x), seqsOf(x)) { _, _, i, j -> if (j > i) inf else 0.0 }
        val a = m.forward(x, x, x, null, true, null, true, true)
        closeTo(a.output().toDoubleArray(), flatten(out))
        closeTo(a.weights()!!.toDoubleArray(), flattenWeights(w, true))
        val explicit = m.forward(x, x, x, null, Transformer.generateSquareSubsequentMask(4, DType.FLOAT64))
        closeTo(explicit.output().toDoubleArray(), a.output().toDoubleArray(), 0.0)
    }

    test("addBiasKv and addZeroAttn append a learned and a zero key that padding never masks") {
        val m = mha(o = MultiheadAttention.Options().addBiasKv(true).addZeroAttn(true))
        val q = attnRandn(3, 2, 4); val kv = attnRandn(5, 2, 4)
        val pad = Tensor.of(BooleanArray(10) { it == 4 || it == 5 }, 2, 5)
        val (out, w) = MhaRef(m).forward(seqsOf(q), seqsOf(kv), seqsOf(kv)) { n, _, _, j -> if (n * 5 + j == 4 || n * 5 + j == 5) inf else 0.0 }
        val a = m.forward(q, kv, kv, pad, null)
        a.weights()!!.shape().toList() shouldBe listOf(2, 3, 7)
        closeTo(a.output().toDoubleArray(), flatten(out))
        closeTo(a.weights()!!.toDoubleArray(), flattenWeights(w, true))
    }

    test("unbatched [L, E] inputs give [L, E] output and [L, S] weights, as the batch of one") {
        val m = mha()
        val q = attnRandn(3, 4); val kv = attnRandn(5, 4)
        val pad = Tensor.of(booleanArrayOf(false, true, false, false, false))
        val a = m.forward(q, kv, kv, pad, null)
        a.output().shape().toList() shouldBe listOf(3, 4)
        a.weights()!!.shape().toList() shouldBe listOf(3, 5)
        val b = m.forward(q.unsqueeze(1), kv.unsqueeze(1), kv.unsqueeze(1), pad.unsqueeze(0), null)
        closeTo(a.output().toDoubleArray(), b.output().toDoubleArray(), 0.0)
        closeTo(a.weights()!!.toDoubleArray(), b.weights()!!.toDoubleArray(), 0.0)
    }

    test("needWeights false returns no weights and the same output") {
        val m = mha()
        val x = attnRandn(3, 2, 4)
        val a = m.forward(x, x, x, null, false, null, true, false)
        a.weights() shouldBe null
        closeTo(a.output().toDoubleArray(), m.forward(x, x, x).output().toDoubleArray(), 0.0)
    }

    test("a query with every key masked gets zero weights, out_proj's bias as output, and finite gradients") {
        val m = mha()
        GradMode.noGrad().use { m.outProj.bias!!.copy_(attnRandn(4)) }
        val x = attnRandn(3, 2, 4).requiresGrad_(true)
        val mask = Tensor.of(BooleanArray(9) { it / 3 == 1 }, 3, 3) // query 1 sees nothing
        val a = m.forward(x, x, x, null, mask)
        val w = a.weights()!!.toDoubleArray()
        for (n in 0 until 2) for (j in 0 until 3) w[(n * 3 + 1) * 3 + j] shouldBe 0.0
        val out = a.output().toDoubleArray(); val bias = m.outProj.bias!!.toDoubleArray()
        for (n in 0 until 2) for (c in 0 until 4) withClue("n=$n c=$c") { (abs(out[(1 * 2 + n) * 4 + c] - bias[c]) < 1e-12) shouldBe true }
        a.output().sum().backward()
        (x.grad()!!.toDoubleArray().all { it.isFinite() }) shouldBe true
        (m.inProjWeight!!.grad()!!.toDoubleArray().all { it.isFinite() }) shouldBe true
    }

    test("float32 layers agree with the float64 formula to float precision and stay float32 under a float64 mask") {
        val m = MultiheadAttention(8, 2)
        val x = Tensor.randn(4, 3, 8)
        val ref = MultiheadAttention(8, 2).float64().also { it.loadStateDict(m.stateDict(), true) }
        val x64 = x.to(DType.FLOAT64)
        val (out, _) = MhaRef(ref).forward(seqsOf(x64), seqsOf(x64), seqsOf(x64))
        m.forward(x, x, x).output().dtype() shouldBe DType.FLOAT32
        closeTo(m.forward(x, x, x).output().toDoubleArray(), flatten(out), 1e-5)
        m.forward(x, x, x, null, Tensor.zeros(DType.FLOAT64, 4, 4)).output().dtype() shouldBe DType.FLOAT32
    }

    // ------------------------------------------------------------------ dropout

    test("dropout acts on the attention weights in training only") {
        val m = mha(o = MultiheadAttention.Options().dropout(0.5))
        val x = attnRandn(6, 2, 4)
        m.eval()
        val evalOut = m.forward(x, x, x)
        val (out, w) = MhaRef(m).forward(seqsOf(x), seqsOf(x), seqsOf(x))
        closeTo(evalOut.output().toDoubleArray(), flatten(out))
        closeTo(m.forward(x, x, x).output().toDoubleArray(), evalOut.output().toDoubleArray(), 0.0)
        m.train()
        val perHead = m.forward(x, x, x, null, true, null, false, false).weights()!!.toDoubleArray()
        val clean = flattenWeights(w, false)
        var dropped = 0
        for (i in perHead.indices) {
            if (perHead[i] == 0.0) dropped++ else withClue("weight $i") { (abs(perHead[i] - 2 * clean[i]) < 1e-12) shouldBe true }
        }
        (dropped in 10 until perHead.size - 10) shouldBe true
        (m.forward(x, x, x).output().toDoubleArray().contentEquals(evalOut.output().toDoubleArray())) shouldBe false
    }

    // ------------------------------------------------------------------ gradients

    test("F.multiHeadAttentionForward passes gradcheck wrt q, k, v and the packed projections, with masks") {
        val pad = Tensor.of(BooleanArray(8) { it == 3 }, 2, 4)
        val attn = attnRandn(3, 4)
        GradCheck.gradcheck({ t ->
            F.multiHeadAttentionForward(t[0], t[1], t[2], 2, t[3], t[4], null, null, false, 0.0, t[5], t[6], true,
                pad, true, attn, null, null, null, true, false).output()
        }, attnLeaf(3, 2, 4), attnLeaf(4, 2, 4), attnLeaf(4, 2, 4), attnLeaf(12, 4), attnLeaf(12), attnLeaf(4, 4), attnLeaf(4)) shouldBe true
    }

    test("the attention weights pass gradcheck wrt query, key and the projections") {
        GradCheck.gradcheck({ t ->
            F.multiHeadAttentionForward(t[0], t[1], t[1], 2, t[2], t[3], null, null, false, 0.0, t[4], null, true,
                null, true, null, null, null, null, false, true).weights()!!
        }, attnLeaf(3, 2, 4), attnLeaf(3, 2, 4), attnLeaf(12, 4), attnLeaf(12), attnLeaf(4, 4)) shouldBe true
    }

    test("separate projections with bias_k, bias_v and a zero key pass gradcheck") {
        GradCheck.gradcheck({ t ->
            F.multiHeadAttentionForward(t[0], t[1], t[2], 2, null, t[6], t[7], t[8], true, 0.0, t[9], t[10], true,
                null, true, null, t[3], t[4], t[5], true, false).output()
        }, attnLeaf(2, 2, 4), attnLeaf(3, 2, 3), attnLeaf(3, 2, 5), attnLeaf(4, 4), attnLeaf(4, 3), attnLeaf(4, 5),
            attnLeaf(12), attnLeaf(1, 1, 4), attnLeaf(1, 1, 4), attnLeaf(4, 4), attnLeaf(4)) shouldBe true
    }

    test("self-attention (one packed GEMM) passes gradcheck and gradgradcheck") {
        val f = { t: Array<Tensor> ->
            F.multiHeadAttentionForward(t[0], t[0], t[0], 2, t[1], null, null, null, false, 0.0, t[2], null, true,
                null, false, null, null, null, null, true, true, true).output()
        }
        GradCheck.gradcheck(f, attnLeaf(2, 3, 4), attnLeaf(12, 4), attnLeaf(4, 4)) shouldBe true
        GradCheck.gradgradcheck(f, attnLeaf(2, 2, 4), attnLeaf(12, 4), attnLeaf(4, 4)) shouldBe true
    }

    test("the layer's own parameters get the finite-difference gradients (batchFirst, kdim, masks)") {
        val m = mha(o = MultiheadAttention.Options().batchFirst(true).kdim(3).addBiasKv(true))
        val q = attnRandn(2, 3, 4); val k = attnRandn(2, 4, 3); val v = attnRandn(2, 4, 4)
        val pad = Tensor.of(BooleanArray(8) { it == 6 }, 2, 4)
        val probe = attnRandn(2, 3, 4)
        checkParameterGradients(m, { m.forward(q, k, v, pad, Tensor.ones(3, 4).mul(0.3)).output().mul(probe).sum() })
    }

    // ------------------------------------------------------------------ parameters

    test("state-dict keys and shapes are PyTorch's") {
        fun keys(m: MultiheadAttention) = m.stateDict().map { (k, v) -> k + v.shape().toList() }
        keys(MultiheadAttention(8, 2)) shouldBe listOf("in_proj_weight[24, 8]", "in_proj_bias[24]", "out_proj.weight[8, 8]",
            "out_proj.bias[8]")
        keys(MultiheadAttention(8, 2, MultiheadAttention.Options().kdim(3).vdim(5))) shouldBe listOf("q_proj_weight[8, 8]",
            "k_proj_weight[8, 3]", "v_proj_weight[8, 5]", "in_proj_bias[24]", "out_proj.weight[8, 8]", "out_proj.bias[8]")
        keys(MultiheadAttention(8, 2, MultiheadAttention.Options().addBiasKv(true))) shouldBe listOf("in_proj_weight[24, 8]",
            "in_proj_bias[24]", "bias_k[1, 1, 8]", "bias_v[1, 1, 8]", "out_proj.weight[8, 8]", "out_proj.bias[8]")
        keys(MultiheadAttention(8, 2, 0.0, false)) shouldBe listOf("in_proj_weight[24, 8]", "out_proj.weight[8, 8]")
    }

    test("initialisation is PyTorch's: xavier uniform in_proj, zero biases, Linear's default out_proj.weight") {
        val m = MultiheadAttention(32, 4)
        val bound = sqrt(6.0 / (32 + 96))
        val w = m.inProjWeight!!.toDoubleArray()
        w.all { abs(it) <= bound } shouldBe true
        (w.maxOf { abs(it) } > 0.9 * bound) shouldBe true
        m.inProjBias!!.toDoubleArray().all { it == 0.0 } shouldBe true
        m.outProj.bias!!.toDoubleArray().all { it == 0.0 } shouldBe true
        val outBound = 1 / sqrt(32.0)
        m.outProj.weight.toDoubleArray().let { o -> o.all { abs(it) <= outBound } && o.maxOf { abs(it) } > 0.9 * outBound } shouldBe true
    }

    test("toString names the sizes and the options that differ from PyTorch's defaults") {
        MultiheadAttention(8, 2).toString() shouldBe "MultiheadAttention(8, heads=2)"
        MultiheadAttention(8, 2, MultiheadAttention.Options().kdim(3).dropout(0.1).batchFirst(true)).toString() shouldBe
            "MultiheadAttention(8, heads=2, kdim=3, dropout=0.1, batchFirst=true)"
    }

    // ------------------------------------------------------------------ errors

    test("embedDim not divisible by numHeads is refused, naming both") {
        val e = shouldThrow<IllegalArgumentException> { MultiheadAttention(6, 4) }
        e.message shouldContain "embedDim 6"
        e.message shouldContain "numHeads 4"
    }

    test("a key padding mask of the wrong shape is refused, naming it and the shape that fits") {
        val m = mha()
        val x = attnRandn(3, 2, 4); val kv = attnRandn(5, 2, 4)
        val e = shouldThrow<IllegalArgumentException> { m.forward(x, kv, kv, Tensor.zeros(DType.BOOL, 2, 4), null) }
        e.message shouldContain "keyPaddingMask [2, 4]"
        e.message shouldContain "[2, 5]"
    }

    test("attention masks of the wrong shape are refused, naming the shape that fits") {
        val m = mha()
        val x = attnRandn(3, 2, 4); val kv = attnRandn(5, 2, 4)
        val e2 = shouldThrow<IllegalArgumentException> { m.forward(x, kv, kv, null, Tensor.zeros(3, 4)) }
        e2.message shouldContain "[3, 4]"
        e2.message shouldContain "[L, S] = [3, 5]"
        val e3 = shouldThrow<IllegalArgumentException> { m.forward(x, kv, kv, null, Tensor.zeros(2, 3, 5)) }
        e3.message shouldContain "[N * numHeads, L, S] = [4, 3, 5]"
        val e4 = shouldThrow<IllegalArgumentException> { m.forward(x, kv, kv, null, Tensor.zeros(5)) }
        e4.message shouldContain "2-D [L, S] or 3-D"
        val e5 = shouldThrow<IllegalArgumentException> { m.forward(x, kv, kv, null, Tensor.zeros(DType.INT64, 3, 5)) }
        e5.message shouldContain "bool or floating point"
    }

    test("inputs of the wrong size or rank are refused, naming the shapes") {
        val m = mha()
        val e1 = shouldThrow<IllegalArgumentException> { val x = attnRandn(3, 2, 6); m.forward(x, x, x) }
        e1.message shouldContain "[3, 2, 6]"
        e1.message shouldContain "embedDim 4"
        val e2 = shouldThrow<IllegalArgumentException> { m.forward(attnRandn(3, 2, 4), attnRandn(5, 2, 3), attnRandn(5, 2, 3)) }
        e2.message shouldContain "kdim and vdim"
        val e3 = shouldThrow<IllegalArgumentException> { val x = attnRandn(1, 3, 2, 4); m.forward(x, x, x) }
        e3.message shouldContain "[1, 3, 2, 4]"
        val e4 = shouldThrow<IllegalArgumentException> { m.forward(attnRandn(3, 2, 4), attnRandn(5, 3, 4), attnRandn(5, 3, 4)) }
        e4.message shouldContain "batch size"
        val e5 = shouldThrow<IllegalArgumentException> { m.forward(attnRandn(3, 2, 4), attnRandn(5, 2, 4), attnRandn(5, 4)) }
        e5.message shouldContain "3-D too"
    }
})
