package dev.kindling.dsl

import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import java.nio.file.Files

/** README's Kotlin example, as written. */
internal class ReadmeNet : Module() {
    val fc1 by linear(784, 128)
    val fc2 by linear(128, 10)
    override fun forward(x: Tensor) = fc2(relu(fc1(x)))
}

/** docs/dsl.md's model. */
internal class DocsHead : Module() {
    val fc by linear(8, 3)
    override fun forward(input: Tensor) = fc(input)
}

internal class DocsNet : Module() {
    val encoder by sequential { linear(4, 8); relu(); layerNorm(8) }
    val scale by parameter(ones(8))
    var steps by buffer(zeros(1))
    val head by module(DocsHead())
    override fun forward(x: Tensor) = head(encoder(x) * scale)
}

/** The examples of README.md's Kotlin section and docs/dsl.md, run as written, so the documents stay true. */
class DslDocsExamplesSpec : FunSpec({
    beforeTest { seed(8) }

    test("README: the delegated model trains with fit and predicts") {
        val x = randn(64, 784)
        val y = (x[all, 0] gt 0).to(DType.INT64)
        val model = ReadmeNet()
        val history = model.fit(dataLoader(tensorDataset(x, y), batchSize = 16, shuffle = true), epochs = 3,
            optimizer = adam(model.parameters(), lr = 1e-3), loss = ::crossEntropy) {
            metrics(accuracy())
            callbacks(earlyStopping(monitor = "loss"))
            progress = false
        }
        val probs = softmax(model.predict(x[0 until 4]), dim = 1)
        probs.dims() shouldBe listOf(4, 10)
        model.stateDict().keys.toList() shouldBe listOf("fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias")
        (history["loss"].last() < history["loss"].first()) shouldBe true
    }

    test("docs/dsl.md: the model's keys and the training block with every callback") {
        DocsNet().stateDict().keys.take(4) shouldBe listOf("scale", "steps", "encoder.0.weight", "encoder.0.bias")
        val (bx, by) = blobs(40)
        val data = tensorDataset(cat(listOf(bx, bx), dim = 1), by)
        val train = dataLoader(data, batchSize = 16, shuffle = true)
        val test = dataLoader(data, batchSize = 40)
        val model = DocsNet()
        val dir = Files.createTempDirectory("kindling-docs")
        val logs = ArrayList<Map<String, Double>>()
        val opt = adam(model.parameters())
        val history = model.fit(train, epochs = 10, optimizer = opt, loss = ::crossEntropy) {
            validate(test)
            metrics(accuracy())
            callbacks(
                earlyStopping(monitor = "val_loss", patience = 3, restoreBestWeights = true),
                modelCheckpoint(dir.resolve("best.safetensors")),
                lrScheduler(reduceLROnPlateau(opt), monitor = "val_loss"),
                gradientClipping(maxNorm = 1.0),
            )
            onEpochEnd { logs += it.logs.toMap() }
            progress = false
        }
        history["val_accuracy"].size shouldBe logs.size
        model.evaluate(test).keys shouldBe setOf("loss", "accuracy")
        model.predict(zeros(2, 4)).dims() shouldBe listOf(2, 3)
        Files.exists(dir.resolve("best.safetensors")) shouldBe true
        dir.toFile().deleteRecursively()
    }
})
