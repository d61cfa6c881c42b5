package example.outside

// What a user's program sees: only the DSL's star import (and the test framework, and coroutines for the flow).
import dev.kindling.dsl.*
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.runBlocking

/** API.md's model, sized for a toy problem. */
class Net : Module() {
    val fc1 by linear(2, 32)
    val fc2 by linear(32, 2)
    override fun forward(x: Tensor) = fc2(relu(fc1(x)))
}

/** A program written only against API.md's Kotlin section, as an outside user would. */
class OutsideProgramSpec : FunSpec({
    test("factories, operators and indexing as API.md shows them") {
        val v = tensor(1f, 2f, 3f)
        val m = tensor(listOf(listOf(1f, 2f), listOf(3f, 4f)))
        zeros(2, 3).shape().toList() shouldBe listOf(2, 3)
        val w = randn(2, 3, requiresGrad = true)
        w.requiresGrad() shouldBe true
        (2f * v).toFloatArray().toList() shouldBe listOf(2f, 4f, 6f)
        (v - 1).toFloatArray().toList() shouldBe listOf(0f, 1f, 2f)
        (m matmul m).toFloatArray().toList() shouldBe listOf(7f, 10f, 15f, 22f)
        (-m + m * m / m).toFloatArray().toList() shouldBe listOf(0f, 0f, 0f, 0f)
        m[0].toFloatArray().toList() shouldBe listOf(1f, 2f)
        m[0, 1].item() shouldBe 2.0
        m[0 until 2, all].shape().toList() shouldBe listOf(2, 2)
        m[m gt 2].toFloatArray().toList() shouldBe listOf(3f, 4f)
        m.T.toFloatArray().toList() shouldBe listOf(1f, 3f, 2f, 4f)
        noGrad { (w * 2).requiresGrad() } shouldBe false
        noGrad { enableGrad { (w * 2).requiresGrad() } } shouldBe true
        withAnomalyDetection { (w * w).sum().backward() }
        w.grad().shape().toList() shouldBe listOf(2, 3)
    }

    test("a delegated model gets PyTorch's keys, sequential builds, and fit reports a decreasing loss") {
        seed(42)
        val x = randn(256, 2)
        val y = (x[all, 0] + x[all, 1] * 0.5 gt 0).to(DType.INT64)
        val train = DataLoader(TensorDataset(x, y), 32, true)
        val test = DataLoader(TensorDataset(x[0 until 64], y[0 until 64]), 64, false)

        val model = Net()
        model.stateDict().keys.toList() shouldBe listOf("fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias")
        model(x).shape().toList() shouldBe listOf(256, 2)
        sequential { linear(784, 128); relu(); dropout(0.2); linear(128, 10) }.stateDict().keys.toList() shouldBe
            listOf("0.weight", "0.bias", "3.weight", "3.bias")
        crossEntropy(model(x), y, labelSmoothing = 0.1).item().isFinite() shouldBe true
        sgd(model.parameters(), lr = 0.1, momentum = 0.9).defaults()["momentum"] shouldBe 0.9

        val epochsSeen = ArrayList<Int>()
        val history = model.fit(train, epochs = 5, optimizer = adam(model.parameters(), lr = 1e-2), loss = ::crossEntropy) {
            validate(test)
            onEpochEnd { epochsSeen += it.epoch }
        }
        epochsSeen shouldBe listOf(0, 1, 2, 3, 4)
        val losses = history["loss"]
        (losses.last() < losses.first() / 2) shouldBe true
        (history["val_loss"].last() < 0.3) shouldBe true

        val batches = runBlocking { train.asFlow().toList() }
        batches.size shouldBe 8
    }
})
