package dev.kindling.nn.attention

import dev.kindling.autograd.GradMode
import dev.kindling.autograd.Tensor
import dev.kindling.nn.Module
import dev.kindling.nn.MultiheadAttention
import dev.kindling.tensor.DType
import io.kotest.assertions.withClue
import io.kotest.matchers.shouldBe
import kotlin.math.abs
import kotlin.math.exp
import kotlin.math.sqrt

/*
 * Shared by the attention and transformer specs: references written with plain loops over DoubleArrays
 * (no Kindling ops), sequences held as [batch][position] -> feature vector, and helpers to move modules
 * to float64 and check parameter gradients by finite differences.
 */

/** Sequences as [batch][position] -> feature vector. */
internal typealias Seqs = Array<Array<DoubleArray>>

/** A float64 leaf that requires grad. */
internal fun attnLeaf(vararg shape: Int): Tensor = Tensor.randn(DType.FLOAT64, *shape).requiresGrad_(true)

internal fun attnRandn(vararg shape: Int): Tensor = Tensor.randn(DType.FLOAT64, *shape)

/** Points every parameter of the module at a float64 copy of its values, for float64 references and gradcheck. */
internal fun <M : Module> M.float64(): M {
    GradMode.noGrad().use { for (p in parameters()) p.set_(p.detach().to(DType.FLOAT64)) }
    return this
}

/** Reads a [L, N, E] tensor (or [N, L, E] with batchFirst, or unbatched [L, E] as one batch) as sequences. */
internal fun seqsOf(t: Tensor, batchFirst: Boolean = false): Seqs {
    val d = t.toDoubleArray()
    val s = t.shape()
    if (s.size == 2) return arrayOf(Array(s[0]) { i -> DoubleArray(s[1]) { d[i * s[1] + it] } })
    val (len, batch, e) = if (batchFirst) Triple(s[1], s[0], s[2]) else Triple(s[0], s[1], s[2])
    return Array(batch) { n ->
        Array(len) { i -> DoubleArray(e) { c -> d[(if (batchFirst) n * len + i else i * batch + n) * e + c] } }
    }
}

/** Flattens sequences back to the row-major order of a [L, N, E] tensor ([N, L, E] with batchFirst). */
internal fun flatten(x: Seqs, batchFirst: Boolean = false): DoubleArray {
    val batch = x.size; val len = x[0].size; val e = x[0][0].size
    val out = DoubleArray(batch * len * e)
    for (n in 0 until batch) for (i in 0 until len) for (c in 0 until e) {
        out[(if (batchFirst) n * len + i else i * batch + n) * e + c] = x[n][i][c]
    }
    return out
}

/** Row-major matrix of a 2-D tensor. */
internal fun matrix(t: Tensor): Array<DoubleArray> {
    val d = t.toDoubleArray(); val r = t.shape()[0]; val c = t.shape()[1]
    return Array(r) { i -> DoubleArray(c) { d[i * c + it] } }
}

/** W x + b for one vector. */
internal fun affine(w: Array<DoubleArray>, b: DoubleArray?, x: DoubleArray): DoubleArray =
    DoubleArray(w.size) { o -> (b?.get(o) ?: 0.0) + x.indices.sumOf { w[o][it] * x[it] } }

/** (x - mean) / sqrt(var + eps) * g + b with the biased variance. */
internal fun layerNormRef(x: DoubleArray, g: DoubleArray?, b: DoubleArray?, eps: Double): DoubleArray {
    val mean = x.average()
    val variance = x.sumOf { (it - mean) * (it - mean) } / x.size
    return DoubleArray(x.size) { (x[it] - mean) / sqrt(variance + eps) * (g?.get(it) ?: 1.0) + (b?.get(it) ?: 0.0) }
}

/** softmax of one row; a row with every entry -inf gives zeros (PyTorch's SDPA since 2.5). */
internal fun softmaxRef(row: DoubleArray): DoubleArray {
    if (row.all { it == Double.NEGATIVE_INFINITY }) return DoubleArray(row.size)
    val m = row.max()
    val e = row.map { exp(it - m) }
    val z = e.sum()
    return DoubleArray(row.size) { e[it] / z }
}

/** MultiheadAttention's weights read out as plain matrices, split into the q, k and v parts. */
internal class MhaRef(m: MultiheadAttention) {
    val heads = m.numHeads
    val e = m.embedDim
    private val packed = m.inProjWeight?.let { matrix(it) }
    val wq: Array<DoubleArray> = packed?.copyOfRange(0, e) ?: matrix(m.qProjWeight)
    val wk: Array<DoubleArray> = packed?.copyOfRange(e, 2 * e) ?: matrix(m.kProjWeight)
    val wv: Array<DoubleArray> = packed?.copyOfRange(2 * e, 3 * e) ?: matrix(m.vProjWeight)
    private val bias = m.inProjBias?.toDoubleArray()
    val bq = bias?.copyOfRange(0, e)
    val bk = bias?.copyOfRange(e, 2 * e)
    val bv = bias?.copyOfRange(2 * e, 3 * e)
    val wo = matrix(m.outProj.weight)
    val bo = m.outProj.bias?.toDoubleArray()
    val biasK = m.biasK?.toDoubleArray()
    val biasV = m.biasV?.toDoubleArray()
    val zeroAttn = m.addZeroAttn

    /**
     * The attention output [n][i] and per-head weights [n][h][i][j], straight from the formula. `bias(n, h, i, j)`
     * is the additive mask for the S real keys (-inf = masked); the appended bias_k and zero keys are never masked.
     */
    fun forward(q: Seqs, k: Seqs, v: Seqs, bias: (Int, Int, Int, Int) -> Double = { _, _, _, _ -> 0.0 }):
        Pair<Seqs, Array<Array<Array<DoubleArray>>>> {
        val hd = e / heads
        val weights = Array(q.size) { Array(heads) { arrayOf<DoubleArray>() } }
        val out = Array(q.size) { n ->
            val qp = q[n].map { affine(wq, bq, it) }
            val kp = k[n].map { affine(wk, bk, it) }.toMutableList()
            val vp = v[n].map { affine(wv, bv, it) }.toMutableList()
            val realKeys = kp.size
            if (biasK != null) { kp.add(biasK); vp.add(biasV!!) }
            if (zeroAttn) { kp.add(DoubleArray(e)); vp.add(DoubleArray(e)) }
            val concat = Array(qp.size) { DoubleArray(e) }
            for (h in 0 until heads) {
                val off = h * hd
                weights[n][h] = Array(qp.size) { i ->
                    val scores = DoubleArray(kp.size) { j ->
                        val dot = (0 until hd).sumOf { d -> qp[i][off + d] * kp[j][off + d] } / sqrt(hd.toDouble())
                        dot + if (j < realKeys) bias(n, h, i, j) else 0.0
                    }
                    val p = softmaxRef(scores)
                    for (d in 0 until hd) concat[i][off + d] = kp.indices.sumOf { j -> p[j] * vp[j][off + d] }
                    p
                }
            }
            Array(qp.size) { i -> affine(wo, bo, concat[i]) }
        }
        return out to weights
    }
}

/** Weights per head [n][h][i][j] averaged over h, flattened as [N, L, S]; or kept per head as [N, H, L, S]. */
internal fun flattenWeights(w: Array<Array<Array<DoubleArray>>>, average: Boolean): DoubleArray {
    val out = ArrayList<Double>()
    for (n in w.indices) {
        if (average) {
            for (i in w[n][0].indices) for (j in w[n][0][i].indices) out.add(w[n].sumOf { it[i][j] } / w[n].size)
        } else {
            for (h in w[n].indices) for (i in w[n][h].indices) for (j in w[n][h][i].indices) out.add(w[n][h][i][j])
        }
    }
    return out.toDoubleArray()
}

internal fun closeTo(actual: DoubleArray, expected: DoubleArray, tol: Double = 1e-10) {
    actual.size shouldBe expected.size
    for (i in actual.indices) {
        withClue("element $i: ${actual[i]} vs ${expected[i]}") { (abs(actual[i] - expected[i]) <= tol) shouldBe true }
    }
}

/**
 * Checks every parameter's gradient from backward against central differences of `loss`, perturbing
 * each element in place (gradcheck for a module's own weights, which GradCheck cannot reach as inputs).
 */
internal fun checkParameterGradients(module: Module, loss: () -> Tensor, eps: Double = 1e-6, atol: Double = 1e-6,
                                     rtol: Double = 1e-4) {
    module.zeroGrad()
    loss().backward()
    for ((name, p) in module.namedParameters()) {
        val analytical = p.grad()!!.toDoubleArray()
        val flat = p.detach().reshape(-1)
        GradMode.noGrad().use {
            for (j in 0 until p.numel().toInt()) {
                val cell = flat.narrow(0, j, 1)
                val v = cell.item()
                cell.fill_(v + eps)
                val plus = loss().item()
                cell.fill_(v - eps)
                val minus = loss().item()
                cell.fill_(v)
                val numerical = (plus - minus) / (2 * eps)
                withClue("$name element $j: analytical ${analytical[j]}, numerical $numerical") {
                    (abs(analytical[j] - numerical) <= atol + rtol * abs(numerical)) shouldBe true
                }
            }
        }
    }
}
