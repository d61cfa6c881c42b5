package dev.kindling.nn.recurrent

import dev.kindling.autograd.GradMode
import dev.kindling.autograd.Tensor
import dev.kindling.io.Safetensors
import dev.kindling.nn.GRU
import dev.kindling.nn.LSTM
import dev.kindling.nn.Linear
import dev.kindling.nn.Module
import dev.kindling.nn.RecurrentState
import io.kotest.core.spec.style.FunSpec
import java.nio.file.Files
import kotlin.math.tanh

/**
 * Written as an outside program would be, against API.md only: a model holding PyTorch-named
 * recurrent layers gets weights by their PyTorch state-dict keys (in a map, and through a safetensors
 * file as PyTorch would write it), and its outputs equal direct loops over those same numbers.
 */
class RecurrentOutsideProgramSpec : FunSpec({
    /** A bidirectional 2-layer LSTM tagger: [T, B, 6] -> [T, B, 3]. */
    class Tagger : Module() {
        val lstm: LSTM = registerModule("lstm", LSTM(6, 5, 2, false, 0.0, true))
        val head: Linear = registerModule("head", Linear(10, 3))
        override fun forward(input: Tensor): Tensor = head.forward(lstm.forward(input))
    }

    /** Deterministic "checkpoint" values, independent of Kindling's generator. */
    fun values(seed: Int, n: Int) = DoubleArray(n) { i -> 0.4 * kotlin.math.sin(1.7 * i + 0.3 * seed) }

    fun checkpoint(shapes: Map<String, IntArray>): Map<String, Tensor> = shapes.entries.mapIndexed { k, (name, shape) ->
        name to Tensor.of(values(k, shape.fold(1) { a, b -> a * b }).map { it.toFloat() }.toFloatArray(), *shape)
    }.toMap()

    test("an LSTM tagger loaded by PyTorch names computes what direct loops over the same numbers compute") {
        val shapes = linkedMapOf<String, IntArray>()
        for (l in 0..1) for (sfx in listOf("", "_reverse")) {
            val input = if (l == 0) 6 else 10
            shapes["lstm.weight_ih_l$l$sfx"] = intArrayOf(20, input); shapes["lstm.weight_hh_l$l$sfx"] = intArrayOf(20, 5)
            shapes["lstm.bias_ih_l$l$sfx"] = intArrayOf(20); shapes["lstm.bias_hh_l$l$sfx"] = intArrayOf(20)
        }
        shapes["head.weight"] = intArrayOf(3, 10); shapes["head.bias"] = intArrayOf(3)
        val sd = checkpoint(shapes)
        val model = Tagger()
        model.loadStateDict(sd, true)

        val x = Tensor.of(values(99, 4 * 2 * 6).map { it.toFloat() }.toFloatArray(), 4, 2, 6)
        val y = GradMode.noGrad().use { model.forward(x) }

        val lstmWeights = sd.filterKeys { it.startsWith("lstm.") }.mapKeys { it.key.removePrefix("lstm.") }.mapValues { it.value.toDoubleArray() }
        val seq = RecurrentReference("LSTM", lstmWeights, 5, 2, true).run(x.nested3()).out
        val w = sd.getValue("head.weight").toDoubleArray(); val b = sd.getValue("head.bias").toDoubleArray()
        val expected = seq.flatMap { row -> row.flatMap { h -> (0 until 3).map { o -> b[o] + (0 until 10).sumOf { k -> w[o * 10 + k] * h[k] } } } }
        assertClose(y.toDoubleArray(), expected.toDoubleArray(), 1e-5, "tagger output")
    }

    test("a GRU state dict written as a safetensors file loads unchanged and runs from a given h0") {
        val sd = checkpoint(mapOf("weight_ih_l0" to intArrayOf(12, 3), "weight_hh_l0" to intArrayOf(12, 4),
            "bias_ih_l0" to intArrayOf(12), "bias_hh_l0" to intArrayOf(12)).mapValues { it.value })
        val file = Files.createTempFile("gru", ".safetensors")
        try {
            Safetensors.save(sd, file)
            val gru = GRU(3, 4)
            gru.load(file)
            val x = Tensor.of(values(5, 6 * 3).map { it.toFloat() }.toFloatArray(), 6, 1, 3)
            val h0 = Tensor.of(floatArrayOf(0.1f, -0.2f, 0.3f, 0.0f), 1, 1, 4)
            val r = gru.forward(x, RecurrentState.of(h0))
            // The GRU equations once more, inline: r, z, n in PyTorch's order, r applied to (W_hn h + b_hn).
            val wi = sd.getValue("weight_ih_l0").toDoubleArray(); val wh = sd.getValue("weight_hh_l0").toDoubleArray()
            val bi = sd.getValue("bias_ih_l0").toDoubleArray(); val bh = sd.getValue("bias_hh_l0").toDoubleArray()
            val xs = x.toDoubleArray()
            var h = h0.toDoubleArray()
            val outs = mutableListOf<Double>()
            for (t in 0 until 6) {
                val gi = DoubleArray(12) { g -> bi[g] + (0 until 3).sumOf { k -> wi[g * 3 + k] * xs[t * 3 + k] } }
                val gh = DoubleArray(12) { g -> bh[g] + (0 until 4).sumOf { k -> wh[g * 4 + k] * h[k] } }
                h = DoubleArray(4) { j ->
                    val rr = 1 / (1 + kotlin.math.exp(-(gi[j] + gh[j]))); val z = 1 / (1 + kotlin.math.exp(-(gi[4 + j] + gh[4 + j])))
                    val n = tanh(gi[8 + j] + rr * gh[8 + j])
                    (1 - z) * n + z * h[j]
                }
                outs += h.toList()
            }
            assertClose(r.output().toDoubleArray(), outs.toDoubleArray(), 1e-5, "output")
            assertClose(r.hidden().toDoubleArray(), h, 1e-5, "h_n")
        } finally {
            Files.deleteIfExists(file)
        }
    }
})
