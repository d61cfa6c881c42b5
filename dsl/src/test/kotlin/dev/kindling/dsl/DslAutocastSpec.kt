package dev.kindling.dsl

import dev.kindling.amp.Autocast
import dev.kindling.tensor.Device.Type.CPU as CPU_TYPE
import io.kotest.assertions.withClue
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.doubles.shouldBeLessThan
import io.kotest.matchers.shouldBe
import kotlin.math.abs

/** A sequence classifier: LSTM over the steps, self-attention, a linear head. */
private class AutocastTagger : Module() {
    val rnn by lstm(6, 8, batchFirst = true)
    val attn by multiheadAttention(8, 2, batchFirst = true)
    val head by linear(8, 3)

    override fun forward(input: Tensor): Tensor {
        val seq = rnn(input)
        return head(attn.forward(seq, seq, seq).output().mean(1, false))
    }
}

/** `autocast { }` runs a model for real under CPU bfloat16 autocast (PyTorch's CPU default). */
class DslAutocastSpec : FunSpec({
    beforeTest { seed(5) }

    test("inside autocast(CPU) the LSTM, attention and linear layers compute in bfloat16, the loss in float32") {
        val model = AutocastTagger()
        val x = randn(4, 5, 6)
        val y = tensor(0L, 2L, 1L, 2L)
        val logits = autocast(Device.CPU) {
            Autocast.dtype(CPU_TYPE) shouldBe DType.BFLOAT16
            model.rnn(x).dtype() shouldBe DType.BFLOAT16
            model(x)
        }
        logits.dtype() shouldBe DType.BFLOAT16
        Autocast.isEnabled(CPU_TYPE) shouldBe false
        val loss = autocast("cpu") { crossEntropy(model(x), y) }
        loss.dtype() shouldBe DType.FLOAT32
        val full = model(x)
        withClue("bfloat16 logits stay within bfloat16's precision of the float32 ones") {
            logits.toDoubleArray().zip(full.toDoubleArray().toList()).forEach { (a, b) -> abs(a - b) shouldBeLessThan 0.05 * (1 + abs(b)) }
        }
        loss.backward()
        model.parameters().forEach { p -> p.grad()!!.dtype() shouldBe DType.FLOAT32 }
    }

    test("training steps under autocast lower the loss; enabled = false and an explicit dtype are honoured") {
        val model = AutocastTagger()
        val opt = adam(model.parameters(), lr = 0.02)
        val x = randn(8, 5, 6)
        val y = randint(0, 3, 8)
        val losses = List(15) {
            opt.zeroGrad()
            val loss = autocast(Device.CPU) { crossEntropy(model(x), y) }
            loss.backward()
            opt.step()
            loss.item()
        }
        losses.last() shouldBeLessThan losses.first()
        autocast(Device.CPU) { autocast("cpu", enabled = false) { model(x).dtype() } } shouldBe DType.FLOAT32
        autocast(device = Device.CPU, dtype = DType.FLOAT16) { model.head(randn(2, 8)).dtype() } shouldBe DType.FLOAT16
    }
})
