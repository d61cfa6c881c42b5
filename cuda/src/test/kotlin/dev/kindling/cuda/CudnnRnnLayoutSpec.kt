package dev.kindling.cuda

import dev.kindling.nn.GRU
import dev.kindling.nn.LSTM
import dev.kindling.nn.RNN
import dev.kindling.nn.Module
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe

/** The PyTorch-parameter to cuDNN-weight-space mapping, checked against the nn layers' own parameters (no GPU needed). */
class CudnnRnnLayoutSpec : FunSpec({
    fun covers(m: Module, mode: String, input: Int, hidden: Int, layers: Int, bidi: Boolean) {
        val blocks = CudnnRnnLayout.blocks(mode, input, hidden, layers, bidi, true)
        val params = m.namedParameters()
        // Every parameter is tiled exactly by its blocks, rows in order, and every block fits its parameter's shape.
        blocks.map { it.param }.distinct() shouldBe params.keys.toList()
        for ((name, p) in params) {
            val mine = blocks.filter { it.param == name }
            mine.sumOf { it.rows } shouldBe p.shape()[0]
            mine.map { it.rowOffset } shouldBe mine.indices.map { it * hidden }
            for (b in mine) b.cols shouldBe (if (p.dim() == 1) 1 else p.shape()[1])
        }
        // Each (pseudo-layer, linLayerID, bias?) slot of cuDNN is filled exactly once.
        val slots = blocks.map { Triple(it.pseudoLayer, it.linLayerId, it.bias) }
        slots.distinct().size shouldBe slots.size
        val g = CudnnRnnLayout.gates(mode)
        slots.size shouldBe layers * (if (bidi) 2 else 1) * 2 * g * 2
    }

    test("LSTM, 2 layers, bidirectional: gates i, f, g, o map to linLayerIDs 0-3 (input) and 4-7 (recurrent)") {
        covers(LSTM(5, 3, 2, false, 0.0, true), "LSTM", 5, 3, 2, true)
        val b = CudnnRnnLayout.blocks("LSTM", 5, 3, 2, true, true)
        b.first { it.param == "weight_ih_l0" && it.rowOffset == 6 }.linLayerId shouldBe 2      // g: cuDNN's new memory gate
        b.first { it.param == "weight_hh_l1_reverse" && it.rowOffset == 9 }.let {
            it.linLayerId shouldBe 7                                                           // o on the recurrent side
            it.pseudoLayer shouldBe 3                                                          // layer 1, reverse
            it.cols shouldBe 3
        }
        b.first { it.param == "weight_ih_l1" }.cols shouldBe 6                                 // both directions of layer 0 feed layer 1
        b.first { it.param == "bias_hh_l0" && it.rowOffset == 3 }.linLayerId shouldBe 5
    }

    test("GRU: gates r, z, n map to 0-2 and 3-5") {
        covers(GRU(4, 2, 3, false, 0.0, false), "GRU", 4, 2, 3, false)
        CudnnRnnLayout.blocks("GRU", 4, 2, 1, false, true).filter { it.param == "weight_hh_l0" }.map { it.linLayerId } shouldBe listOf(3, 4, 5)
    }

    test("RNN: one input and one recurrent matrix per layer and direction") {
        covers(RNN(3, 4, 2, false, 0.0, true), "RNN_TANH", 3, 4, 2, true)
    }

    test("without biases only the weights are laid out; an unknown mode is an error naming it") {
        CudnnRnnLayout.blocks("LSTM", 2, 2, 1, false, false).none { it.bias } shouldBe true
        shouldThrow<IllegalArgumentException> { CudnnRnnLayout.gates("LSTMP") }.message shouldBe
            "cuDNN RNN: mode must be RNN_TANH, RNN_RELU, LSTM or GRU, got \"LSTMP\""
    }

    test("segments: gate blocks side by side in the weight space merge into one copy per parameter") {
        val blocks = CudnnRnnLayout.blocks("LSTM", 3, 2, 1, false, true)
        // Packed as cuDNN lays out a pseudo-layer: W gates, R gates, then the biases, each in gate order.
        var at = 0L
        val offsets = LongArray(blocks.size) { i -> at.also { at += blocks[i].rows * blocks[i].cols } }
        CudnnRnnLayout.segments(blocks, offsets) shouldBe listOf(
            CudnnRnnLayout.Segment(0, 0, 0, 24), CudnnRnnLayout.Segment(1, 0, 24, 16),
            CudnnRnnLayout.Segment(2, 0, 40, 8), CudnnRnnLayout.Segment(3, 0, 48, 8))
    }

    test("segments: blocks cuDNN scatters (or reorders) each get their own copy, with the right parameter offsets") {
        val blocks = CudnnRnnLayout.blocks("GRU", 2, 2, 1, false, false)   // weight_ih [6, 2] and weight_hh [6, 2], 3 gates each
        val offsets = longArrayOf(100, 104, 108, 0, 50, 54)                 // weight_ih contiguous; weight_hh gate 0 apart
        CudnnRnnLayout.segments(blocks, offsets) shouldBe listOf(
            CudnnRnnLayout.Segment(0, 0, 100, 12),
            CudnnRnnLayout.Segment(1, 0, 0, 4), CudnnRnnLayout.Segment(1, 4, 50, 8))
        shouldThrow<IllegalArgumentException> { CudnnRnnLayout.segments(blocks, longArrayOf(0)) }.message shouldBe
            "cuDNN RNN layout: 6 blocks but 1 offsets"
    }
})
