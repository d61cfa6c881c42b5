package dev.kindling.dsl

import dev.kindling.autograd.AnomalyError
import dev.kindling.autograd.GradMode
import dev.kindling.nn.functional.F
import dev.kindling.optim.Adadelta
import dev.kindling.optim.Adagrad
import dev.kindling.optim.Adamax
import dev.kindling.optim.NAdam
import dev.kindling.optim.RMSprop
import dev.kindling.optim.lr.CosineAnnealingLR
import dev.kindling.optim.lr.ExponentialLR
import dev.kindling.optim.lr.LinearLR
import dev.kindling.optim.lr.MultiStepLR
import dev.kindling.optim.lr.OneCycleLR
import dev.kindling.optim.lr.StepLR
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.assertions.withClue
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.doubles.plusOrMinus
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain

/** The Kotlin factories with named arguments against the Java constructors and functions they stand for. */
class DslKotlinFactoriesSpec : FunSpec({
    beforeTest { seed(6) }

    fun params() = listOf(randn(3, requiresGrad = true))

    test("functional activations are F's, with PyTorch's defaults") {
        val x = randn(4, 5)
        relu(x).shouldMatch(F.relu(x))
        leakyRelu(x).shouldMatch(F.leakyRelu(x, 0.01))
        leakyRelu(x, negativeSlope = 0.3).shouldMatch(F.leakyRelu(x, 0.3))
        elu(x, alpha = 2.0).shouldMatch(F.elu(x, 2.0))
        gelu(x).shouldMatch(F.gelu(x, "none"))
        gelu(x, approximate = "tanh").shouldMatch(F.gelu(x, "tanh"))
        silu(x).shouldMatch(F.silu(x))
        sigmoid(x).shouldMatch(F.sigmoid(x))
        tanh(x).shouldMatch(F.tanh(x))
        softmax(x, dim = 1).shouldMatch(F.softmax(x, 1))
        logSoftmax(x, dim = 0).shouldMatch(F.logSoftmax(x, 0))
        softplus(x, beta = 2.0).shouldMatch(F.softplus(x, 2.0, 20.0))
        hardtanh(x, maxVal = 0.5).shouldMatch(F.hardtanh(x, -1.0, 0.5))
        dropout(x, p = 0.3, training = false).shouldMatch(x)
        val w = randn(2, 5)
        linear(x, w).shouldMatch(F.linear(x, w))
        layerNorm(x, intArrayOf(5)).shouldMatch(F.layerNorm(x, intArrayOf(5), null, null, 1e-5))
        embedding(tensor(1, 0), w).shouldMatch(F.embedding(tensor(1, 0), w))
        cat(listOf(x, x), dim = 1).shouldMatch(Tensor.cat(listOf(x, x), 1))
        stack(listOf(x, x)).shouldMatch(Tensor.stack(listOf(x, x), 0))
    }

    test("loss functions are F's, with named arguments and PyTorch's defaults") {
        val logits = randn(6, 4)
        val labels = tensor(0, 3, 1, 1, 2, 0)
        crossEntropy(logits, labels).shouldMatch(F.crossEntropy(logits, labels))
        crossEntropy(logits, labels, labelSmoothing = 0.1).shouldMatch(F.crossEntropy(logits, labels, null, -100, "mean", 0.1))
        crossEntropy(logits, labels, ignoreIndex = 1, reduction = "sum").shouldMatch(F.crossEntropy(logits, labels, null, 1, "sum", 0.0))
        nllLoss(logSoftmax(logits, 1), labels).shouldMatch(F.nllLoss(logits.logSoftmax(1), labels))
        val a = randn(6)
        val b = randn(6)
        val bits = tensor(1f, 0f, 1f, 1f, 0f, 0f)
        val signs = tensor(1f, -1f, 1f, 1f, -1f, -1f)
        mseLoss(a, b).shouldMatch(F.mseLoss(a, b))
        l1Loss(a, b, reduction = "none").shouldMatch(F.l1Loss(a, b, "none"))
        msleLoss(a.abs(), b.abs()).shouldMatch(F.msleLoss(a.abs(), b.abs()))
        smoothL1Loss(a, b, beta = 0.5).shouldMatch(F.smoothL1Loss(a, b, "mean", 0.5))
        huberLoss(a, b, delta = 2.0).shouldMatch(F.huberLoss(a, b, "mean", 2.0))
        binaryCrossEntropy(a.sigmoid(), bits).shouldMatch(F.binaryCrossEntropy(a.sigmoid(), bits))
        binaryCrossEntropyWithLogits(a, bits, posWeight = full(3, 6))
            .shouldMatch(F.binaryCrossEntropyWithLogits(a, bits, null, "mean", Tensor.full(3.0, 6)))
        val dist = softmax(randn(6, 4), 1)
        klDiv(logSoftmax(logits, 1), dist).shouldMatch(F.klDiv(logits.logSoftmax(1), dist, "mean", false))
        hingeEmbeddingLoss(a, signs, margin = 0.5).shouldMatch(F.hingeEmbeddingLoss(a, signs, 0.5, "mean"))
        squaredHingeLoss(a, signs).shouldMatch(F.squaredHingeLoss(a, signs))
        multiMarginLoss(logits, labels, margin = 2.0).shouldMatch(F.multiMarginLoss(logits, labels, 1, 2.0))
        cosineEmbeddingLoss(logits, logits * 2, signs).shouldMatch(F.cosineEmbeddingLoss(logits, logits.mul(2.0), signs))
        marginRankingLoss(a, b, signs, margin = 0.1).shouldMatch(F.marginRankingLoss(a, b, signs, 0.1))
    }

    test("optimizer factories have torch.optim's defaults and pass every named argument through") {
        val cases: List<Triple<String, Optimizer, Optimizer>> = listOf(
            Triple("sgd", sgd(params()), SGD(params(), dev.kindling.optim.SGD.Options())),
            Triple("adam", adam(params()), Adam(params())),
            Triple("adamW", adamW(params()), AdamW(params())),
            Triple("adamax", adamax(params()), Adamax(params())),
            Triple("nAdam", nAdam(params()), NAdam(params())),
            Triple("rmsprop", rmsprop(params()), RMSprop(params())),
            Triple("adagrad", adagrad(params()), Adagrad(params())),
            Triple("adadelta", adadelta(params()), Adadelta(params())),
        )
        for ((name, kotlin, java) in cases) withClue(name) { kotlin.defaults() shouldBe java.defaults() }
        val opt = adam(params(), lr = 0.1, betas = 0.8 to 0.9, eps = 1e-6, weightDecay = 0.01, amsgrad = true)
        opt.defaults()["lr"] shouldBe 0.1
        opt.defaults()["betas"] shouldBe listOf(0.8, 0.9)
        opt.defaults()["eps"] shouldBe 1e-6
        opt.defaults()["weightDecay"] shouldBe 0.01
        opt.defaults()["amsgrad"] shouldBe true
        val momentum = sgd(params(), lr = 0.1, momentum = 0.9, nesterov = true)
        momentum.defaults()["momentum"] shouldBe 0.9
        momentum.defaults()["nesterov"] shouldBe true
        rmsprop(params(), centered = true, alpha = 0.9).defaults().let { it["centered"] shouldBe true; it["alpha"] shouldBe 0.9 }
    }

    test("scheduler factories produce the Java schedulers' learning rates") {
        fun lrs(make: (Optimizer) -> LRScheduler): List<Double> {
            val opt = sgd(params(), lr = 1.0)
            val s = make(opt)
            return List(6) { opt.paramGroups()[0].lr().also { s.step() } }
        }
        lrs { stepLR(it, stepSize = 2) } shouldBe lrs { StepLR(it, 2, 0.1) }
        lrs { multiStepLR(it, milestones = listOf(1, 4), gamma = 0.5) } shouldBe lrs { MultiStepLR(it, intArrayOf(1, 4), 0.5) }
        lrs { exponentialLR(it, gamma = 0.9) } shouldBe lrs { ExponentialLR(it, 0.9) }
        lrs { cosineAnnealingLR(it, tMax = 5) } shouldBe lrs { CosineAnnealingLR(it, 5, 0.0) }
        lrs { linearLR(it) } shouldBe lrs { LinearLR(it) }
        lrs { oneCycleLR(it, maxLr = 1.0, totalSteps = 10, annealStrategy = "linear") } shouldBe
            lrs { OneCycleLR(it, 1.0, 10, OneCycleLR.Options().annealStrategy(OneCycleLR.Anneal.LINEAR)) }
        lrs { sequentialLR(it, listOf(linearLR(it, totalIters = 2), stepLR(it, 1)), milestones = listOf(2)) }.size shouldBe 6
        val opt = sgd(params(), lr = 1.0)
        val plateau = reduceLROnPlateau(opt, mode = "max", patience = 0)
        plateau.step(1.0)
        plateau.step(0.5)
        opt.paramGroups()[0].lr() shouldBe 0.1
        shouldThrow<IllegalArgumentException> { reduceLROnPlateau(opt, mode = "down") }.message shouldBe
            "reduceLROnPlateau: mode must be one of \"min\", \"max\", got \"down\""
        shouldThrow<IllegalArgumentException> { oneCycleLR(opt, 1.0, 10, annealStrategy = "cosine") }.message shouldContain "\"cos\", \"linear\""
    }

    test("clipGradNorm and clipGradValue are ClipGrad's") {
        val p = tensor(3f, 4f, requiresGrad = true)
        (p * p).sum().backward()
        clipGradNorm(listOf(p), maxNorm = 1.0) shouldBe (10.0 plusOrMinusAbs 1e-5)
        p.grad().values().let { (it[0] * it[0] + it[1] * it[1]) shouldBe (1.0 plusOrMinusAbs 1e-5) }
        clipGradValue(listOf(p), clipValue = 0.1)
        p.grad().values() shouldBe listOf(0.10000000149011612, 0.10000000149011612)
    }

    test("dataLoader takes DataLoader's settings as named arguments") {
        val loader = dataLoader(tensorDataset(zeros(10, 2), zeros(10)), batchSize = 4, dropLast = true)
        loader.size() shouldBe 2
        loader.batchSize() shouldBe 4
        dataLoader(tensorDataset(zeros(3))).size() shouldBe 3
    }

    test("noGrad and enableGrad scope recording and return the block's value; the mode comes back after an exception") {
        val w = ones(2, requiresGrad = true)
        val y = noGrad { w * 2 }
        y.requiresGrad() shouldBe false
        noGrad { enableGrad { w * 2 } }.requiresGrad() shouldBe true
        shouldThrow<IllegalStateException> { noGrad { error("x") } }
        GradMode.isEnabled() shouldBe true
    }

    test("withAnomalyDetection names the forward op that produced a NaN in backward") {
        val x = tensor(0f, 1f, requiresGrad = true)
        shouldThrow<AnomalyError> {
            withAnomalyDetection { x.sqrt().sum().backward() }
        }.message shouldContain "SqrtBackward"
    }
})

private infix fun Double.plusOrMinusAbs(tol: Double) = this plusOrMinus tol
