package dev.kindling.nn.losses

import dev.kindling.Random
import dev.kindling.autograd.GradMode
import dev.kindling.autograd.Tensor
import dev.kindling.nn.*
import dev.kindling.nn.functional.F
import dev.kindling.tensor.DType
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.doubles.shouldBeLessThan
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain

/** The loss modules: each forward is its F function with the module's settings; toString, buffers, constructor checks. */
class LossModuleSpec : FunSpec({

    beforeTest { Random.manualSeed(13) }

    test("each two-tensor loss module computes its F function with the module's settings") {
        val x = randn(4, 3); val y = randn(4, 3); val p = uniform(0.1, 0.9, 4, 3); val q = Tensor.rand(DType.FLOAT64, 4, 3)
        val pos = uniform(0.0, 2.0, 4, 3); val pos2 = uniform(0.0, 2.0, 4, 3)
        val t = longs(0, 2, 1, 2); val w = uniform(0.5, 2.0, 3); val s = signs(4, 3)
        val cases: List<Pair<Loss, Tensor>> = listOf(
            MSELoss("sum") to F.mseLoss(x, y, "sum"),
            L1Loss("none") to F.l1Loss(x, y, "none"),
            MSLELoss() to F.msleLoss(pos, pos2, "mean"),
            SmoothL1Loss("mean", 0.5) to F.smoothL1Loss(x, y, "mean", 0.5),
            HuberLoss("sum", 2.0) to F.huberLoss(x, y, "sum", 2.0),
            BCELoss(w, "sum") to F.binaryCrossEntropy(p, q, w, "sum"),
            BCEWithLogitsLoss(w, "none", w.add(1.0)) to F.binaryCrossEntropyWithLogits(x, q, w, "none", w.add(1.0)),
            CrossEntropyLoss(w, 1, "sum", 0.1) to F.crossEntropy(x, t, w, 1, "sum", 0.1),
            NLLLoss(w, 2, "none") to F.nllLoss(x.logSoftmax(1), t, w, 2, "none"),
            KLDivLoss("batchmean", true) to F.klDiv(x.logSoftmax(1), y.logSoftmax(1), "batchmean", true),
            HingeEmbeddingLoss(2.0, "sum") to F.hingeEmbeddingLoss(pos, s, 2.0, "sum"),
            SquaredHingeLoss("none") to F.squaredHingeLoss(x, s, "none"),
            MultiMarginLoss(2, 0.5, w, "sum") to F.multiMarginLoss(x, t, 2, 0.5, w, "sum"),
        )
        val inputs = mapOf(
            MSLELoss::class to (pos to pos2), BCELoss::class to (p to q), BCEWithLogitsLoss::class to (x to q),
            CrossEntropyLoss::class to (x to t), NLLLoss::class to (x.logSoftmax(1) to t),
            KLDivLoss::class to (x.logSoftmax(1) to y.logSoftmax(1)), HingeEmbeddingLoss::class to (pos to s),
            SquaredHingeLoss::class to (x to s), MultiMarginLoss::class to (x to t),
        )
        for ((loss, expected) in cases) {
            val (a, b) = inputs[loss::class] ?: (x to y)
            loss.forward(a, b) shouldBeClose expected.toDoubleArray()
        }
    }

    test("the three-tensor losses take forward(x1, x2, y); their two-tensor forward says so") {
        val a = randn(5, 3); val b = randn(5, 3); val y = signs(5)
        CosineEmbeddingLoss(0.2, "sum").forward(a, b, y) shouldBeClose F.cosineEmbeddingLoss(a, b, y, 0.2, "sum").item()
        val u = randn(5); val v = randn(5)
        MarginRankingLoss(0.5).forward(u, v, y) shouldBeClose F.marginRankingLoss(u, v, y, 0.5, "mean").item()
        shouldThrow<UnsupportedOperationException> { CosineEmbeddingLoss().forward(a, b) }.message shouldBe
            "CosineEmbeddingLoss does not take (input, target); losses of pairs take forward(input1, input2, target)"
    }

    test("CrossEntropyLoss built from Options equals the functional form with the same options") {
        val x = randn(6, 4); val t = longs(0, 3, -1, 2, 2, 1); val w = uniform(0.5, 2.0, 4)
        val opts = CrossEntropyLoss.Options().weight(w).ignoreIndex(-1).labelSmoothing(0.2).reduction("none")
        CrossEntropyLoss(opts).forward(x, t) shouldBeClose F.crossEntropy(x, t, opts).toDoubleArray()
        val u = longs(0, 3, 1, 2, 2, 1)
        CrossEntropyLoss().forward(x, u) shouldBeClose F.crossEntropy(x, u).item()
    }

    test("toString names the loss, its reduction and the settings that differ from PyTorch's defaults") {
        CrossEntropyLoss(CrossEntropyLoss.Options().labelSmoothing(0.1)).toString() shouldBe
            "CrossEntropyLoss(reduction=mean, labelSmoothing=0.1)"
        CrossEntropyLoss(Tensor.ones(10), 0, "sum", 0.0).toString() shouldBe "CrossEntropyLoss(reduction=sum, weight=[10], ignoreIndex=0)"
        MSELoss().toString() shouldBe "MSELoss(reduction=mean)"
        L1Loss("sum").toString() shouldBe "L1Loss(reduction=sum)"
        HuberLoss("none", 2.0).toString() shouldBe "HuberLoss(reduction=none, delta=2.0)"
        SmoothL1Loss("mean", 0.5).toString() shouldBe "SmoothL1Loss(reduction=mean, beta=0.5)"
        BCEWithLogitsLoss(null, "mean", Tensor.ones(3)).toString() shouldBe "BCEWithLogitsLoss(reduction=mean, posWeight=[3])"
        KLDivLoss("batchmean", true).toString() shouldBe "KLDivLoss(reduction=batchmean, logTarget=true)"
        MultiMarginLoss(2, 0.5, Tensor.ones(4)).toString() shouldBe "MultiMarginLoss(reduction=mean, p=2, margin=0.5, weight=[4])"
        HingeEmbeddingLoss().toString() shouldBe "HingeEmbeddingLoss(reduction=mean)"
        CosineEmbeddingLoss(0.3).toString() shouldBe "CosineEmbeddingLoss(reduction=mean, margin=0.3)"
        MarginRankingLoss().toString() shouldBe "MarginRankingLoss(reduction=mean)"
        NLLLoss(null, 5, "mean").toString() shouldBe "NLLLoss(reduction=mean, ignoreIndex=5)"
    }

    test("class weights are buffers under PyTorch's names (weight, pos_weight), absent when not given; losses have no parameters") {
        val w = Tensor.ones(3)
        CrossEntropyLoss(w).namedBuffers().keys shouldBe setOf("weight")
        CrossEntropyLoss().namedBuffers().keys shouldBe emptySet()
        BCEWithLogitsLoss(w, "mean", w).stateDict().keys shouldBe setOf("weight", "pos_weight")
        NLLLoss(w).parameters().size shouldBe 0
        MultiMarginLoss(1, 1.0, w).namedBuffers()["weight"] shouldBe w
    }

    test("constructors refuse unknown reductions (KLDivLoss alone also takes batchmean) and bad hyperparameters") {
        shouldThrow<IllegalArgumentException> { MSELoss("avg") }.message shouldBe
            "MSELoss: reduction must be \"mean\", \"sum\" or \"none\", got \"avg\""
        shouldThrow<IllegalArgumentException> { CrossEntropyLoss(null, -100, "batchmean", 0.0) }.message shouldContain "reduction must be"
        shouldThrow<IllegalArgumentException> { KLDivLoss("avg") }.message shouldBe
            "KLDivLoss: reduction must be \"mean\", \"batchmean\", \"sum\" or \"none\", got \"avg\""
        KLDivLoss("batchmean").reduction shouldBe "batchmean"
        shouldThrow<IllegalArgumentException> { HuberLoss("mean", -1.0) }.message shouldContain "HuberLoss: delta must be > 0"
        shouldThrow<IllegalArgumentException> { SmoothL1Loss("mean", -1.0) }.message shouldContain "SmoothL1Loss: beta must be >= 0"
        shouldThrow<IllegalArgumentException> { MultiMarginLoss(3, 1.0) }.message shouldContain "MultiMarginLoss: p must be 1 or 2"
        shouldThrow<IllegalArgumentException> { CrossEntropyLoss.Options().labelSmoothing(-0.1) }.message shouldContain "labelSmoothing"
    }

    test("a Linear layer trained by hand-written SGD on CrossEntropyLoss lowers the loss (gradients reach the parameters)") {
        val model = Linear(4, 3)
        val criterion = CrossEntropyLoss(CrossEntropyLoss.Options().labelSmoothing(0.05))
        val x = Tensor.randn(32, 4)
        val t = x.narrow(1, 0, 3).argmax(1, false)   // learnable: the class is the largest of the first three features
        val first = criterion.forward(model.forward(x), t).item()
        var last = first
        repeat(50) {
            model.zeroGrad()
            val loss = criterion.forward(model.forward(x), t)
            loss.backward()
            GradMode.noGrad().use { for (p in model.parameters()) p.sub_(p.grad().mul(0.5)) }
            last = loss.item()
        }
        last shouldBeLessThan first * 0.5
    }
})
