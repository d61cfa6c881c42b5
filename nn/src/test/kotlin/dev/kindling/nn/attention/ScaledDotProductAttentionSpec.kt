package dev.kindling.nn.attention

import dev.kindling.Random
import dev.kindling.autograd.GradCheck
import dev.kindling.autograd.Tensor
import dev.kindling.nn.Transformer
import dev.kindling.nn.functional.F
import dev.kindling.tensor.DType
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import kotlin.math.sqrt

/** F.scaledDotProductAttention against softmax(q k^T * scale + bias) v evaluated with loops, PyTorch's mask conventions. */
class ScaledDotProductAttentionSpec : FunSpec({
    beforeTest { Random.manualSeed(23) }

    val inf = Double.NEGATIVE_INFINITY

    /**
     * The formula over `batches` independent [L, E] x [S, E] x [S, Ev] problems stored contiguously;
     * `bias(b, i, j)` is the additive mask.
     */
    fun sdpaRef(q: Tensor, k: Tensor, v: Tensor, scale: Double? = null, bias: (Int, Int, Int) -> Double = { _, _, _ -> 0.0 }): DoubleArray {
        val l = q.shape()[q.dim() - 2]; val e = q.shape()[q.dim() - 1]
        val s = k.shape()[k.dim() - 2]; val ev = v.shape()[v.dim() - 1]
        val batches = (q.numel() / (l * e)).toInt()
        val qd = q.toDoubleArray(); val kd = k.toDoubleArray(); val vd = v.toDoubleArray()
        val f = scale ?: (1 / sqrt(e.toDouble()))
        val out = DoubleArray(batches * l * ev)
        for (b in 0 until batches) for (i in 0 until l) {
            val scores = DoubleArray(s) { j -> f * (0 until e).sumOf { c -> qd[(b * l + i) * e + c] * kd[(b * s + j) * e + c] } + bias(b, i, j) }
            val p = softmaxRef(scores)
            for (c in 0 until ev) out[(b * l + i) * ev + c] = (0 until s).sumOf { j -> p[j] * vd[(b * s + j) * ev + c] }
        }
        return out
    }

    test("without a mask it is softmax(q k^T / sqrt(E)) v over any batch dims, value size Ev") {
        val q = attnRandn(2, 3, 4, 5); val k = attnRandn(2, 3, 6, 5); val v = attnRandn(2, 3, 6, 7)
        val out = F.scaledDotProductAttention(q, k, v)
        out.shape().toList() shouldBe listOf(2, 3, 4, 7)
        closeTo(out.toDoubleArray(), sdpaRef(q, k, v))
    }

    test("a bool mask is true where a query may attend (PyTorch's SDPA convention) and broadcasts over batch dims") {
        val q = attnRandn(2, 3, 4); val k = attnRandn(2, 5, 4); val v = attnRandn(2, 5, 4)
        val keep = Array(3) { i -> BooleanArray(5) { j -> (i + j) % 3 != 0 } }
        val mask = Tensor.of(BooleanArray(15) { keep[it / 5][it % 5] }, 3, 5)
        closeTo(F.scaledDotProductAttention(q, k, v, mask).toDoubleArray(), sdpaRef(q, k, v) { _, i, j -> if (keep[i][j]) 0.0 else inf })
    }

    test("a float mask is added to the scores, per batch when it has batch dims") {
        val q = attnRandn(2, 3, 4); val k = attnRandn(2, 5, 4); val v = attnRandn(2, 5, 4)
        val mask = attnRandn(2, 1, 5)
        val m = mask.toDoubleArray()
        closeTo(F.scaledDotProductAttention(q, k, v, mask).toDoubleArray(), sdpaRef(q, k, v) { b, _, j -> m[b * 5 + j] })
    }

    test("isCausal masks key j > query i, also when L differs from S, and a custom scale replaces 1/sqrt(E)") {
        val q = attnRandn(2, 4, 3); val k = attnRandn(2, 6, 3); val v = attnRandn(2, 6, 2)
        val out = F.scaledDotProductAttention(q, k, v, null, 0.0, true, 0.7)
        closeTo(out.toDoubleArray(), sdpaRef(q, k, v, 0.7) { _, i, j -> if (j > i) inf else 0.0 })
        val square = attnRandn(4, 3)
        closeTo(F.scaledDotProductAttention(square, square, square, null, 0.0, true).toDoubleArray(),
            F.scaledDotProductAttention(square, square, square, Transformer.generateSquareSubsequentMask(4, DType.FLOAT64)).toDoubleArray(), 0.0)
    }

    test("a query with nothing to attend gets zeros, not NaN") {
        val q = attnRandn(3, 4); val kv = attnRandn(5, 4)
        val mask = Tensor.of(BooleanArray(15) { it / 5 != 2 }, 3, 5)
        val out = F.scaledDotProductAttention(q, kv, kv, mask).toDoubleArray()
        (8 until 12).all { out[it] == 0.0 } shouldBe true
        out.all { it.isFinite() } shouldBe true
    }

    test("dropout applies whenever dropoutP > 0, as PyTorch's functional form (no training flag)") {
        val q = attnRandn(6, 4); val kv = attnRandn(6, 4)
        F.scaledDotProductAttention(q, kv, kv, null, 1.0, false).toDoubleArray().all { it == 0.0 } shouldBe true
        val clean = F.scaledDotProductAttention(q, kv, kv).toDoubleArray()
        F.scaledDotProductAttention(q, kv, kv, null, 0.5, false).toDoubleArray().contentEquals(clean) shouldBe false
    }

    test("passes gradcheck and gradgradcheck wrt query, key, value and a float mask") {
        GradCheck.gradcheck({ t -> F.scaledDotProductAttention(t[0], t[1], t[2], t[3]) },
            attnLeaf(2, 3, 4), attnLeaf(2, 5, 4), attnLeaf(2, 5, 3), attnLeaf(3, 5)) shouldBe true
        GradCheck.gradgradcheck({ t -> F.scaledDotProductAttention(t[0], t[1], t[2], null, 0.0, true) },
            attnLeaf(3, 2), attnLeaf(3, 2), attnLeaf(3, 2)) shouldBe true
    }

    test("bad shapes and conflicting options are refused, naming the shapes") {
        val q = attnRandn(3, 4); val kv = attnRandn(5, 4)
        shouldThrow<IllegalArgumentException> { F.scaledDotProductAttention(q, attnRandn(5, 3), kv) }.message shouldContain "[3, 4] and key [5, 3]"
        shouldThrow<IllegalArgumentException> { F.scaledDotProductAttention(q, kv, attnRandn(6, 4)) }.message shouldContain "value [6, 4]"
        shouldThrow<IllegalArgumentException> { F.scaledDotProductAttention(q, kv, kv, Tensor.zeros(DType.BOOL, 3, 5), 0.0, true) }
            .message shouldContain "not both"
        shouldThrow<IllegalArgumentException> { F.scaledDotProductAttention(q, kv, kv, Tensor.zeros(3, 4)) }.message shouldContain
            "attnMask [3, 4] does not broadcast to the attention scores [3, 5]"
    }
})
