package dev.kindling.samples

import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.doubles.shouldBeBetween
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.kotest.matchers.string.shouldMatch

class KotlinSamplesSpec : FunSpec({
    val mnist = fixtureDir("/mnist")

    test("mnist-mlp-kt trains with fit on the fixture and ends with the final accuracy line") {
        var accuracy = -1.0
        val lines = outputLines { accuracy = MnistMlpKt.run(mnist, 2, 16, 1e-3, 0, it) }
        lines[0] shouldBe "MNIST: 64 training and 32 test images from $mnist"
        progressLines(lines).size shouldBe 2
        progressLines(lines)[0] shouldContain "epoch 1/2: 4 steps, 64 samples in"
        lines.first { it.startsWith("epoch 2/2  ") } shouldMatch Regex(
            """epoch 2/2  lr 0\.000500  train loss \d+\.\d{4}  train accuracy \d+\.\d\d%  test loss \d+\.\d{4}  test accuracy \d+\.\d\d%  time \d+\.\d\d s""")
        lines.last() shouldMatch Regex(FINAL_ACCURACY_LINE)
        lines.last() shouldBe "final test accuracy: %.2f%%".format(java.util.Locale.ROOT, 100 * accuracy)
        // As the Java sample: 8 steps of Adam on 64 images beat chance on the 32 test images.
        accuracy.shouldBeBetween(0.3, 1.0, 0.0)
    }

    test("mnist-cnn-kt trains with fit on the fixture and ends with the final accuracy line") {
        val lines = outputLines { MnistCnnKt.run(mnist, 2, 16, 2e-3, 0, it) }
        progressLines(lines).size shouldBe 2
        trainLosses(lines).size shouldBe 2
        lines.last() shouldMatch Regex(FINAL_ACCURACY_LINE)
    }

    test("the samples are registered under their names, Kotlin ones with -kt") {
        Samples.names().toList() shouldBe listOf("mnist-mlp", "mnist-cnn", "autoencoder", "char-lstm", "custom-op", "dynamic-net",
            "mnist-mlp-kt", "mnist-cnn-kt")
    }
})
