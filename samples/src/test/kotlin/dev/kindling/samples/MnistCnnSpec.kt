package dev.kindling.samples

import dev.kindling.autograd.Tensor
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.doubles.shouldBeBetween
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.kotest.matchers.string.shouldMatch

class MnistCnnSpec : FunSpec({
    val mnist = fixtureDir("/mnist")

    test("mnist-cnn trains a few steps on the fixture: a progress line and a result line per epoch, then the final accuracy") {
        var accuracy = -1.0
        val lines = outputLines { accuracy = MnistCnn.run(mnist, 3, 16, 2e-3, 0, it) }
        lines[0] shouldBe "MNIST: 64 training and 32 test images from $mnist"
        progressLines(lines).size shouldBe 3
        progressLines(lines)[0] shouldContain "epoch 1/3: 4 steps, 64 samples in"
        progressLines(lines)[0] shouldContain "loss "
        progressLines(lines)[0] shouldContain "accuracy "
        lines.first { it.startsWith("epoch 3/3  ") } shouldMatch Regex(
            """epoch 3/3  lr 0\.000980  train loss \d+\.\d{4}  train accuracy \d+\.\d\d%  test loss \d+\.\d{4}  test accuracy \d+\.\d\d%  time \d+\.\d\d s \(train \d+\.\d\d s\)""")
        val losses = trainLosses(lines)
        losses.size shouldBe 3
        (losses.last() < losses.first()) shouldBe true
        lines.last() shouldBe "final test accuracy: %.2f%%".format(java.util.Locale.ROOT, 100 * accuracy)
        accuracy.shouldBeBetween(0.0, 1.0, 0.0)
    }

    test("the LeNet maps [N, 1, 28, 28] images to [N, 10] logits, with PyTorch's state-dict keys") {
        val model = MnistCnn.leNet()
        model.forward(Tensor.randn(2, 1, 28, 28)).shape().toList() shouldBe listOf(2, 10)
        model.stateDict().keys.toList() shouldBe listOf("0.weight", "0.bias", "3.weight", "3.bias", "7.weight", "7.bias",
            "9.weight", "9.bias", "11.weight", "11.bias")
        model.stateDict()["0.weight"]!!.shape().toList() shouldBe listOf(16, 1, 5, 5)
        model.stateDict()["7.weight"]!!.shape().toList() shouldBe listOf(120, 800)
    }

    test("the Kotlin LeNet has the Java one's layers, keys and shapes") {
        val java = MnistCnn.leNet().stateDict().mapValues { it.value.shape().toList() }
        MnistCnnKt.leNet().stateDict().mapValues { it.value.shape().toList() } shouldBe java
        MnistCnnKt.leNet().toString() shouldBe MnistCnn.leNet().toString()
    }

    test("mnist-cnn refuses an unknown option, listing the known ones") {
        io.kotest.assertions.throwables.shouldThrow<IllegalArgumentException> { MnistCnn.main(arrayOf("--epoch", "2")) }.message shouldContain
            "mnist-cnn: cannot use '--epoch'"
    }
})
