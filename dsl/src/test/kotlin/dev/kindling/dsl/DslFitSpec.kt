package dev.kindling.dsl

import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.collections.shouldBeSortedDescending
import io.kotest.matchers.doubles.plusOrMinus
import io.kotest.matchers.doubles.shouldBeLessThan
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.kotest.matchers.string.shouldStartWith
import java.nio.file.Files

/** A small classifier for the blobs: 2 inputs, 2 classes. */
internal class BlobNet : Module() {
    val fc1 by linear(2, 16)
    val drop by dropout(0.1)
    val fc2 by linear(16, 2)
    override fun forward(input: Tensor): Tensor = fc2(drop(relu(fc1(input))))
}

class DslFitSpec : FunSpec({
    beforeTest { seed(7) }

    fun loaders(): Pair<DataLoader<Array<Tensor>>, DataLoader<Array<Tensor>>> {
        val (x, y) = blobs(200)
        val (vx, vy) = blobs(50, seed = 9)
        return dataLoader(tensorDataset(x, y), batchSize = 32, shuffle = true, seed = 1) to
            dataLoader(tensorDataset(vx, vy), batchSize = 64)
    }

    test("fit on separable blobs reaches a low loss and returns a decreasing loss history") {
        val (train, test) = loaders()
        val model = BlobNet()
        val history = model.fit(train, epochs = 6, optimizer = adam(model.parameters(), lr = 1e-2), loss = ::crossEntropy) {
            validate(test)
            metrics(accuracy())
            progress = false
        }
        history.size shouldBe 6
        history.keys.toList() shouldBe listOf("loss", "accuracy", "val_loss", "val_accuracy", "lr")
        history["loss"].shouldBeSortedDescending()
        history.last("loss") shouldBeLessThan 0.05
        history.last("val_loss") shouldBeLessThan 0.05
        history.last("val_accuracy") shouldBe 1.0
        history["lr"].toSet() shouldBe setOf(1e-2)
    }

    test("fit averages the loss over the epoch's samples, weighting batches by size") {
        val (x, y) = blobs(10)
        val model = sequential { linear(2, 8); relu(); linear(8, 2) }
        val batches = listOf(arrayOf(x[0 until 15], y[0 until 15]), arrayOf(x[15 until 20], y[15 until 20]))
        // lr 0: the weights never change, so the epoch's loss is the mean loss over all 20 samples.
        val history = model.fit(batches, epochs = 1, optimizer = sgd(model.parameters(), lr = 0.0), loss = ::crossEntropy) { progress = false }
        history.last("loss") shouldBe (crossEntropy(model.predict(x), y).item() plusOrMinusRel 1e-6)
    }

    test("fit trains in training mode and gives every submodule its own mode back") {
        val (x, y) = blobs(10)
        val model = BlobNet()
        model.drop.eval()
        var trainingDuringFit = false
        model.fit(listOf(arrayOf(x, y)), epochs = 1, optimizer = sgd(model.parameters()), loss = ::crossEntropy) {
            callbacks(object : Callback {
                override fun onBatchEnd(ctx: FitContext) {
                    trainingDuringFit = model.drop.isTraining && model.fc1.isTraining
                }
            })
            progress = false
        }
        trainingDuringFit shouldBe true
        model.isTraining shouldBe true
        model.drop.isTraining shouldBe false
    }

    test("inEvalMode runs its block in eval mode and gives each submodule its own mode back, even when the block throws") {
        val model = BlobNet()
        model.drop.eval()
        model.inEvalMode { listOf(model.isTraining, model.fc1.isTraining, model.drop.isTraining) } shouldBe listOf(false, false, false)
        model.isTraining shouldBe true
        model.fc1.isTraining shouldBe true
        model.drop.isTraining shouldBe false
        shouldThrow<IllegalStateException> { model.inEvalMode { error("inside") } }
        model.fc1.isTraining shouldBe true
        model.drop.isTraining shouldBe false
    }

    test("evaluate defaults to the last fit's loss and metrics; predict runs in eval mode without recording") {
        val (train, test) = loaders()
        val model = BlobNet()
        model.fit(train, epochs = 2, optimizer = adam(model.parameters(), lr = 1e-2), loss = ::crossEntropy) {
            metrics(accuracy())
            progress = false
        }
        val result = model.evaluate(test)
        result.keys.toList() shouldBe listOf("loss", "accuracy")
        model.evaluate(test, loss = null, metrics = listOf(accuracy())).keys.toList() shouldBe listOf("accuracy")
        shouldThrow<IllegalArgumentException> { BlobNet().evaluate(test) }.message shouldContain "nothing to measure"
        val x = test.dataset().let { (it as TensorDataset).tensors()[0] }
        val out = model.predict(x)
        out.requiresGrad() shouldBe false
        model.isTraining shouldBe true
        out.shouldMatch(model.predict(x))
        model.predict(test).shouldMatch(out)
    }

    test("early stopping ends training once the monitored value stops improving for patience epochs") {
        val (train, test) = loaders()
        val model = BlobNet()
        val ends = ArrayList<Int>()
        // lr 0 keeps val_loss constant: epoch 0 sets the best, epoch 1 does not improve it, so patience 1 stops there.
        val history = model.fit(train, epochs = 10, optimizer = sgd(model.parameters(), lr = 0.0), loss = ::crossEntropy) {
            validate(test)
            callbacks(earlyStopping(monitor = "val_loss", patience = 1))
            onEpochEnd { ends += it.epoch }
            progress = false
        }
        history.size shouldBe 2
        ends shouldBe listOf(0, 1)
    }

    test("early stopping can give the model its best epoch's weights back") {
        val (train, _) = loaders()
        val model = BlobNet()
        var best: Map<String, Tensor>? = null
        // A score that is best in epoch 0: the weights of epoch 0 come back at the end.
        model.fit(train, epochs = 3, optimizer = adam(model.parameters(), lr = 1e-2), loss = ::crossEntropy) {
            onEpochEnd {
                it.logs["score"] = if (it.epoch == 0) 1.0 else 0.0
                if (it.epoch == 0) best = noGrad { it.model.stateDict().mapValues { e -> e.value.clone() } }
            }
            callbacks(earlyStopping(monitor = "score", mode = "max", patience = 5, restoreBestWeights = true))
            progress = false
        }
        for ((k, v) in model.stateDict()) v.shouldMatch(best!!.getValue(k))
    }

    test("the checkpoint callback saves the best epoch as safetensors that load back into the model") {
        val (train, test) = loaders()
        val model = BlobNet()
        val dir = Files.createTempDirectory("kindling-fit")
        val path = dir.resolve("best.safetensors")
        var savedWeights: Map<String, Tensor>? = null
        val history = model.fit(train, epochs = 4, optimizer = adam(model.parameters(), lr = 1e-2), loss = ::crossEntropy) {
            validate(test)
            callbacks(modelCheckpoint(path, monitor = "val_loss"))
            onEpochEnd {
                if (Safetensors.metadata(path)["epoch"] == it.epoch.toString()) {
                    savedWeights = noGrad { it.model.stateDict().mapValues { e -> e.value.clone() } }
                }
            }
            progress = false
        }
        val losses = history["val_loss"]
        val bestEpoch = losses.indices.minBy { losses[it] }
        Safetensors.metadata(path)["epoch"] shouldBe bestEpoch.toString()
        Safetensors.metadata(path)["val_loss"] shouldBe losses[bestEpoch].toString()
        val restored = BlobNet()
        restored.load(path)
        for ((k, v) in restored.stateDict()) v.shouldMatch(savedWeights!!.getValue(k))
        dir.toFile().deleteRecursively()
    }

    test("lrScheduler steps per epoch or per batch; ReduceLROnPlateau gets the monitored value") {
        val (train, test) = loaders()
        val model = BlobNet()
        val opt = sgd(model.parameters(), lr = 0.1)
        val history = model.fit(train, epochs = 3, optimizer = opt, loss = ::crossEntropy) {
            callbacks(lrScheduler(stepLR(opt, stepSize = 1, gamma = 0.5)))
            progress = false
        }
        history["lr"] shouldBe listOf(0.1, 0.05, 0.025)

        val perBatch = sgd(model.parameters(), lr = 1.0)
        model.fit(train, epochs = 1, optimizer = perBatch, loss = ::crossEntropy) {
            callbacks(lrScheduler(exponentialLR(perBatch, gamma = 0.5), interval = "batch"))
            progress = false
        }
        perBatch.paramGroups()[0].lr() shouldBe Math.pow(0.5, train.size().toDouble())

        val plateau = sgd(model.parameters(), lr = 0.0)
        val sched = reduceLROnPlateau(plateau, patience = 0, factor = 0.5)
        model.fit(train, epochs = 2, optimizer = plateau, loss = ::crossEntropy) {
            validate(test)
            callbacks(lrScheduler(sched, monitor = "val_loss"))
            progress = false
        }
        sched.lastEpoch() shouldBe 2
        shouldThrow<IllegalArgumentException> { lrScheduler(sched, interval = "batch") }
        shouldThrow<IllegalArgumentException> { lrScheduler(sched, interval = "step") }.message shouldContain "\"epoch\", \"batch\""
    }

    test("gradient clipping runs between backward and step") {
        val (train, _) = loaders()
        val model = BlobNet()
        val norms = ArrayList<Double>()
        val spy = object : Callback {
            override fun onBeforeStep(ctx: FitContext) {
                norms += Math.sqrt(ctx.model.parameters().sumOf { p -> p.grad().pow(2.0).sum().item() })
            }
        }
        model.fit(train, epochs = 1, optimizer = sgd(model.parameters(), lr = 0.1), loss = ::crossEntropy) {
            callbacks(gradientClipping(maxNorm = 0.01), spy)
            progress = false
        }
        norms.size shouldBe train.size()
        norms.all { it <= 0.01 + 1e-6 } shouldBe true
    }

    test("a monitored value that does not exist is an error listing the ones that do") {
        val (train, _) = loaders()
        val model = BlobNet()
        shouldThrow<IllegalStateException> {
            model.fit(train, epochs = 1, optimizer = sgd(model.parameters()), loss = ::crossEntropy) {
                callbacks(earlyStopping())
                progress = false
            }
        }.message shouldContain "no \"val_loss\" in epoch 0's results [loss, lr]"
    }

    test("batches that are not [inputs, targets] are refused") {
        val model = BlobNet()
        shouldThrow<IllegalArgumentException> {
            model.fit(listOf(arrayOf(zeros(2, 2))), epochs = 1, optimizer = sgd(model.parameters()), loss = ::crossEntropy) { progress = false }
        }.message shouldBe "fit: each batch must be [inputs, targets], got 1 tensors"
    }

    test("progress off a terminal is one summary line per epoch, with the validation values") {
        val (train, test) = loaders()
        val model = BlobNet()
        val out = StringBuilder()
        model.fit(train, epochs = 2, optimizer = adam(model.parameters()), loss = ::crossEntropy) {
            validate(test)
            metrics(accuracy())
            progressOutput = out
            terminal = false
        }
        val lines = out.toString().trimEnd().lines()
        lines.size shouldBe 2
        lines[0] shouldStartWith "epoch 1/2: 13 steps, 400 samples in "
        lines[1] shouldStartWith "epoch 2/2: "
        lines[1] shouldContain "  loss "
        lines[1] shouldContain "  accuracy "
        lines[1] shouldContain "  val_loss "
        lines[1] shouldContain "  val_accuracy "
    }

    test("History lists its keys and rejects unknown ones") {
        val h = History(listOf(mapOf("loss" to 1.0), mapOf("loss" to 0.5, "x" to 2.0)))
        h["x"].let { it[0].isNaN() shouldBe true; it[1] shouldBe 2.0 }
        shouldThrow<NoSuchElementException> { h["acc"] }.message shouldBe "History: no \"acc\"; it has [loss, x]"
        h.toString() shouldBe "epoch 1  loss 1.0000\nepoch 2  loss 0.5000  x 2.0000"
    }

    test("accuracy counts argmax hits for class scores and thresholded hits for binary outputs") {
        val acc = accuracy()
        acc.reset()
        acc.update(tensor(listOf(listOf(0.1f, 0.9f), listOf(0.8f, 0.2f), listOf(0.3f, 0.7f))), tensor(1, 1, 1))
        acc.compute() shouldBe (2.0 / 3 plusOrMinusRel 1e-12)
        acc.reset()
        acc.update(tensor(2f, -1f, 0.5f, -3f), tensor(1f, 0f, 0f, 0f))
        acc.compute() shouldBe 0.75
        val probs = accuracy(threshold = 0.5)
        probs.reset()
        probs.update(tensor(0.9f, 0.4f), tensor(1, 0))
        probs.compute() shouldBe 1.0
        shouldThrow<IllegalArgumentException> { acc.update(zeros(3, 2), zeros(4)) }.message shouldContain "does not fit"
    }
})

private infix fun Double.plusOrMinusRel(tol: Double) = this plusOrMinus tol * Math.max(1.0, Math.abs(this))
