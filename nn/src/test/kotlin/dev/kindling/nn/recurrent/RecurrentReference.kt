package dev.kindling.nn.recurrent

import dev.kindling.autograd.GradMode
import dev.kindling.autograd.Tensor
import dev.kindling.nn.Module
import dev.kindling.tensor.DType
import io.kotest.assertions.withClue
import io.kotest.matchers.shouldBe
import kotlin.math.abs
import kotlin.math.exp
import kotlin.math.max
import kotlin.math.tanh

/**
 * PyTorch's RNN, LSTM and GRU equations written out step by step over DoubleArrays, reading the
 * weights by their PyTorch state-dict names, independent of the code under test. Sequences may have
 * their own lengths: an entry's output is zero past its length, the forward direction's final state
 * is the one at its last step, and the reverse direction starts at its last step.
 */
internal class RecurrentReference(
    private val mode: String,
    private val weights: Map<String, DoubleArray>,
    private val hidden: Int,
    private val layers: Int,
    private val bidirectional: Boolean,
) {
    class Result(val out: Array<Array<DoubleArray>>, val h: Array<Array<DoubleArray>>, val c: Array<Array<DoubleArray>>)

    private val gates = when (mode) { "LSTM" -> 4; "GRU" -> 3; else -> 1 }
    private val dirs = if (bidirectional) 2 else 1

    /** x[t][b][in], lengths[b] (null: all T), h0/c0 [layers*dirs][b][H] (null: zeros). */
    fun run(
        x: Array<Array<DoubleArray>>, lengths: IntArray? = null,
        h0: Array<Array<DoubleArray>>? = null, c0: Array<Array<DoubleArray>>? = null,
    ): Result {
        val steps = x.size; val batch = x[0].size
        val len = lengths ?: IntArray(batch) { steps }
        var input = x
        val hN = Array(layers * dirs) { Array(batch) { DoubleArray(hidden) } }
        val cN = Array(layers * dirs) { Array(batch) { DoubleArray(hidden) } }
        for (l in 0 until layers) {
            val out = Array(steps) { Array(batch) { DoubleArray(dirs * hidden) } }
            for (d in 0 until dirs) {
                val sfx = "_l$l" + if (d == 1) "_reverse" else ""
                val k = l * dirs + d
                for (b in 0 until batch) {
                    var h = h0?.get(k)?.get(b)?.copyOf() ?: DoubleArray(hidden)
                    var c = c0?.get(k)?.get(b)?.copyOf() ?: DoubleArray(hidden)
                    val order = if (d == 0) (0 until len[b]) else (len[b] - 1 downTo 0)
                    for (t in order) {
                        val r = cell(sfx, input[t][b], h, c)
                        h = r.first; c = r.second
                        h.copyInto(out[t][b], d * hidden)
                    }
                    hN[k][b] = h; cN[k][b] = c
                }
            }
            input = out
        }
        return Result(input, hN, cN)
    }

    /** One step of one batch entry: (h', c'). */
    fun cell(sfx: String, x: DoubleArray, h: DoubleArray, c: DoubleArray): Pair<DoubleArray, DoubleArray> {
        val gi = affine(weights.getValue("weight_ih$sfx"), weights["bias_ih$sfx"], x, gates * hidden)
        val gh = affine(weights.getValue("weight_hh$sfx"), weights["bias_hh$sfx"], h, gates * hidden)
        val n = hidden
        return when (mode) {
            "LSTM" -> {
                val hNew = DoubleArray(n); val cNew = DoubleArray(n)
                for (j in 0 until n) {
                    val i = sigmoid(gi[j] + gh[j]); val f = sigmoid(gi[n + j] + gh[n + j])
                    val g = tanh(gi[2 * n + j] + gh[2 * n + j]); val o = sigmoid(gi[3 * n + j] + gh[3 * n + j])
                    cNew[j] = f * c[j] + i * g
                    hNew[j] = o * tanh(cNew[j])
                }
                hNew to cNew
            }
            "GRU" -> {
                val hNew = DoubleArray(n) { j ->
                    val r = sigmoid(gi[j] + gh[j]); val z = sigmoid(gi[n + j] + gh[n + j])
                    val nn = tanh(gi[2 * n + j] + r * gh[2 * n + j])
                    (1 - z) * nn + z * h[j]
                }
                hNew to c
            }
            "RNN_TANH" -> DoubleArray(n) { j -> tanh(gi[j] + gh[j]) } to c
            else -> DoubleArray(n) { j -> max(0.0, gi[j] + gh[j]) } to c
        }
    }

    private fun affine(w: DoubleArray, b: DoubleArray?, v: DoubleArray, rows: Int) = DoubleArray(rows) { r ->
        var s = b?.get(r) ?: 0.0
        for (k in v.indices) s += w[r * v.size + k] * v[k]
        s
    }

    private fun sigmoid(v: Double) = 1 / (1 + exp(-v))

    companion object {
        /** A module's weights by their own (PyTorch) names, as DoubleArrays. */
        fun of(mode: String, module: Module, hidden: Int, layers: Int = 1, bidirectional: Boolean = false) =
            RecurrentReference(mode, module.stateDict().mapValues { it.value.toDoubleArray() }, hidden, layers, bidirectional)
    }
}

/** [T][B][F] of a [T, B, F] tensor. */
internal fun Tensor.nested3(): Array<Array<DoubleArray>> {
    val s = shape(); val v = toDoubleArray()
    return Array(s[0]) { t -> Array(s[1]) { b -> DoubleArray(s[2]) { f -> v[(t * s[1] + b) * s[2] + f] } } }
}

internal fun Array<Array<DoubleArray>>.flat(): DoubleArray = flatMap { row -> row.flatMap { it.asIterable() } }.toDoubleArray()

internal fun assertClose(actual: DoubleArray, expected: DoubleArray, tol: Double, what: String = "") {
    withClue("$what: sizes") { actual.size shouldBe expected.size }
    var worst = 0.0; var at = -1
    for (i in actual.indices) {
        val e = abs(actual[i] - expected[i])
        if (!(e <= worst)) { worst = e; at = i }
    }
    withClue("$what: worst element $at: ${actual.getOrNull(at)} vs ${expected.getOrNull(at)}") { (worst <= tol) shouldBe true }
}

/** Points every parameter of a module at a float64 copy of its data (as Module.to(Device) does for devices). */
internal fun Module.toFloat64(): Module {
    GradMode.noGrad().use { for (p in parameters()) p.set_(p.detach().to(DType.FLOAT64)) }
    return this
}
