package dev.kindling.dsl

import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe

/**
 * The PyTorch model these keys come from:
 * ```
 * class LeNetLstm(nn.Module):
 *     def __init__(self):
 *         super().__init__()
 *         self.features = nn.Sequential(nn.Conv2d(1, 6, 5), nn.ReLU(), nn.MaxPool2d(2), nn.BatchNorm2d(6))
 *         self.rnn = nn.LSTM(72, 16, num_layers=2, batch_first=True)
 *         self.attn = nn.MultiheadAttention(16, 2, batch_first=True)
 *         self.head = nn.Linear(16, 10)
 * ```
 */
private class LeNetLstm : Module() {
    val features by sequential { conv2d(1, 6, 5); relu(); maxPool2d(2); batchNorm2d(6) }
    val rnn by lstm(72, 16, numLayers = 2, batchFirst = true)
    val attn by multiheadAttention(16, 2, batchFirst = true)
    val head by linear(16, 10)

    override fun forward(input: Tensor): Tensor {
        val maps = features(input)                                        // [N, 6, 12, 12]
        val rows = maps.permute(0, 2, 1, 3).reshape(input.shape()[0], 12, 72)   // a sequence of 12 image rows
        val seq = rnn(rows)                                               // [N, 12, 16]
        val attended = attn.forward(seq, seq, seq).output()
        return head(attended.mean(1, false))
    }
}

class DslConvRecurrentSpec : FunSpec({
    beforeTest { seed(11) }

    test("conv, pooling, recurrent and attention delegates give PyTorch's state-dict keys") {
        LeNetLstm().stateDict().keys.toList() shouldBe listOf(
            "features.0.weight", "features.0.bias",
            "features.3.weight", "features.3.bias", "features.3.running_mean", "features.3.running_var",
            "features.3.num_batches_tracked",
            "rnn.weight_ih_l0", "rnn.weight_hh_l0", "rnn.bias_ih_l0", "rnn.bias_hh_l0",
            "rnn.weight_ih_l1", "rnn.weight_hh_l1", "rnn.bias_ih_l1", "rnn.bias_hh_l1",
            "attn.in_proj_weight", "attn.in_proj_bias", "attn.out_proj.weight", "attn.out_proj.bias",
            "head.weight", "head.bias",
        )
    }

    test("the delegated model runs forward and backward to every parameter") {
        val model = LeNetLstm()
        val out = model(randn(3, 1, 28, 28))
        out.shape().toList() shouldBe listOf(3, 10)
        crossEntropy(out, tensor(1L, 4L, 9L)).backward()
        model.parameters().all { it.grad() != null } shouldBe true
    }

    test("the factories carry PyTorch's keyword arguments") {
        conv2d(3, 8, 3, padding = "same").toString() shouldBe Conv2d(3, 8, 3, 1, "same", 1, 1, true).toString()
        val g = gru(4, 5, numLayers = 2, bidirectional = true)
        g.numLayers shouldBe 2
        g.bidirectional shouldBe true
        maxPool2d(2).forward(randn(1, 1, 4, 4)).shape().toList() shouldBe listOf(1, 1, 2, 2)
    }
})
