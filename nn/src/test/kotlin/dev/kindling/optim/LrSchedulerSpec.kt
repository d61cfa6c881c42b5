package dev.kindling.optim

import dev.kindling.optim.lr.CosineAnnealingLR
import dev.kindling.optim.lr.ExponentialLR
import dev.kindling.optim.lr.LRScheduler
import dev.kindling.optim.lr.LinearLR
import dev.kindling.optim.lr.MultiStepLR
import dev.kindling.optim.lr.OneCycleLR
import dev.kindling.optim.lr.ReduceLROnPlateau
import dev.kindling.optim.lr.SequentialLR
import dev.kindling.optim.lr.StepLR
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.doubles.plusOrMinus
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import kotlin.math.PI
import kotlin.math.cos
import kotlin.math.min
import kotlin.math.pow

/** Each scheduler's lr sequence against PyTorch's documented examples and closed forms. */
class LrSchedulerSpec : FunSpec({
    fun sgd(lr: Double, momentum: Double = 0.0) = SGD(listOf(param()), lr, momentum)

    /** The lr after construction (epoch 0) and after each of n steps. */
    fun lrs(s: LRScheduler, n: Int): DoubleArray =
        DoubleArray(n + 1) { e -> if (e > 0) s.step(); s.getLastLr()[0].also { it shouldBe s.optimizer().paramGroups()[0].lr() } }

    fun close(actual: DoubleArray, expected: (Int) -> Double, tol: Double = 1e-12) =
        assertClose(actual, DoubleArray(actual.size) { expected(it) }, tol)

    test("StepLR: PyTorch's example, 0.05 then 0.005 from epoch 30, 0.0005 from 60") {
        val seq = lrs(StepLR(sgd(0.05), 30, 0.1), 90)
        close(seq, { e -> if (e < 30) 0.05 else if (e < 60) 0.005 else if (e < 90) 0.0005 else 0.00005 })
    }

    test("StepLR defaults to gamma 0.1 and matches base * gamma^(epoch / stepSize)") {
        close(lrs(StepLR(sgd(1.0), 3), 10), { e -> 0.1.pow(e / 3) })
    }

    test("MultiStepLR: PyTorch's example, milestones 30 and 80; a repeated milestone applies gamma twice") {
        close(lrs(MultiStepLR(sgd(0.05), intArrayOf(30, 80)), 100), { e -> if (e < 30) 0.05 else if (e < 80) 0.005 else 0.0005 })
        close(lrs(MultiStepLR(sgd(1.0), intArrayOf(5, 2, 5), 0.5), 8), { e -> if (e < 2) 1.0 else if (e < 5) 0.5 else 0.125 })
    }

    test("ExponentialLR: base * gamma^epoch") {
        close(lrs(ExponentialLR(sgd(0.1), 0.9), 20), { e -> 0.1 * 0.9.pow(e) })
    }

    test("CosineAnnealingLR: etaMin + (base - etaMin) * (1 + cos(pi * epoch / tMax)) / 2, also past tMax") {
        close(lrs(CosineAnnealingLR(sgd(0.1), 10, 0.001), 25), { e -> 0.001 + (0.1 - 0.001) * (1 + cos(PI * e / 10)) / 2 }, 1e-10)
        val seq = lrs(CosineAnnealingLR(sgd(0.1), 4), 4)
        close(seq, { e -> doubleArrayOf(0.1, 0.1 * (1 + cos(PI / 4)) / 2, 0.05, 0.1 * (1 + cos(3 * PI / 4)) / 2, 0.0)[e] }, 1e-10)
    }

    test("LinearLR: PyTorch's example (startFactor 0.5, totalIters 4) and the defaults (1/3, 5)") {
        close(lrs(LinearLR(sgd(0.05), 0.5, 1.0, 4), 6), { e -> doubleArrayOf(0.025, 0.03125, 0.0375, 0.04375, 0.05, 0.05, 0.05)[e] })
        close(lrs(LinearLR(sgd(0.05)), 8), { e -> 0.05 * (1.0 / 3 + (1 - 1.0 / 3) * min(e, 5) / 5) })
        close(lrs(LinearLR(sgd(1.0), 1.0, 0.1, 3), 5), { e -> doubleArrayOf(1.0, 0.7, 0.4, 0.1, 0.1, 0.1)[e] })
    }

    test("schedulers on one optimizer compose (PyTorch's chainable form)") {
        val opt = sgd(1.0)
        val exp = ExponentialLR(opt, 0.9)
        val step = StepLR(opt, 2, 0.1)
        val seq = DoubleArray(7) { e -> if (e > 0) { exp.step(); step.step() }; opt.paramGroups()[0].lr() }
        close(seq, { e -> 0.9.pow(e) * 0.1.pow(e / 2) })
    }

    fun cosAnneal(start: Double, end: Double, pct: Double) = end + (start - end) / 2 * (cos(PI * pct) + 1)

    test("OneCycleLR: cosine warm-up to maxLr over 30% of the steps, then down to maxLr / 25 / 1e4; momentum the other way") {
        val opt = sgd(0.5, 0.9)
        val s = OneCycleLR(opt, 1.0, 20)
        val momenta = DoubleArray(21)
        val seq = DoubleArray(21) { e -> if (e > 0) s.step(); momenta[e] = opt.paramGroups()[0].getDouble("momentum"); s.getLastLr()[0] }
        seq[5] shouldBe 1.0
        close(seq, { e -> if (e <= 5) cosAnneal(0.04, 1.0, e / 5.0) else cosAnneal(1.0, 4e-6, (e - 5) / 14.0) })
        close(momenta, { e -> if (e <= 5) cosAnneal(0.95, 0.85, e / 5.0) else cosAnneal(0.85, 0.95, (e - 5) / 14.0) })
        shouldThrow<IllegalStateException> { s.step() }.message shouldContain "tried to step 21 times, but the schedule has totalSteps 20"
    }

    test("OneCycleLR: linear three-phase schedule cycling Adam's beta1") {
        val opt = Adam(listOf(param()), 0.1)
        val s = OneCycleLR(opt, 1.0, 20, OneCycleLR.Options().annealStrategy(OneCycleLR.Anneal.LINEAR).threePhase(true))
        val beta1 = DoubleArray(20)
        val seq = DoubleArray(20) { e -> if (e > 0) s.step(); beta1[e] = opt.paramGroups()[0].getPair("betas", 0); s.getLastLr()[0] }
        fun lin(a: Double, b: Double, pct: Double) = (b - a) * pct + a
        close(seq, { e -> if (e <= 5) lin(0.04, 1.0, e / 5.0) else if (e <= 10) lin(1.0, 0.04, (e - 5) / 5.0) else lin(0.04, 4e-6, (e - 10) / 9.0) })
        close(beta1, { e -> if (e <= 5) lin(0.95, 0.85, e / 5.0) else if (e <= 10) lin(0.85, 0.95, (e - 5) / 5.0) else 0.95 })
        opt.paramGroups()[0].getPair("betas", 1) shouldBe 0.999
    }

    test("OneCycleLR refuses an optimizer without momentum when cycling it, and bad arguments") {
        val ada = Adagrad(listOf(param()))
        shouldThrow<IllegalArgumentException> { OneCycleLR(ada, 1.0, 10) }.message shouldContain
            "cycleMomentum needs an optimizer with momentum or betas, and Adagrad has neither"
        OneCycleLR(ada, 1.0, 10, OneCycleLR.Options().cycleMomentum(false)).getLastLr()[0] shouldBe (0.04 plusOrMinus 1e-15)
        shouldThrow<IllegalArgumentException> { OneCycleLR(sgd(0.1, 0.9), 1.0, 0) }.message shouldContain "totalSteps must be >= 1"
        shouldThrow<IllegalArgumentException> { OneCycleLR(sgd(0.1, 0.9), 1.0, 10, OneCycleLR.Options().pctStart(1.5)) }
            .message shouldContain "pctStart must be in [0, 1]"
    }

    test("ReduceLROnPlateau (min, rel): cuts after patience bad epochs, waits out the cooldown, stops at minLr") {
        val opt = sgd(1.0)
        val s = ReduceLROnPlateau(opt, ReduceLROnPlateau.Options().factor(0.5).patience(2).threshold(0.1).cooldown(1).minLr(0.2))
        val metrics = doubleArrayOf(10.0, 9.0, 9.5, 8.95) + DoubleArray(16) { 9.0 }
        val seq = DoubleArray(metrics.size) { e -> s.step(metrics[e]); s.getLastLr()[0] }
        // Epochs 1-6 at 1.0; cuts at epochs 7, 11 and 15 (to minLr 0.2); the cut at 19 is below eps and skipped.
        close(seq, { e -> val epoch = e + 1; if (epoch < 7) 1.0 else if (epoch < 11) 0.5 else if (epoch < 15) 0.25 else 0.2 })
    }

    test("ReduceLROnPlateau (max, abs) and its defaults") {
        val opt = sgd(1.0)
        val s = ReduceLROnPlateau(opt, ReduceLROnPlateau.Options().mode(ReduceLROnPlateau.Mode.MAX)
            .thresholdMode(ReduceLROnPlateau.ThresholdMode.ABS).threshold(0.01).patience(0))
        close(doubleArrayOf(0.5, 0.505, 0.6, 0.6).map { s.step(it); s.getLastLr()[0] }.toDoubleArray(),
            { e -> doubleArrayOf(1.0, 0.1, 0.1, 0.01)[e] })
        val d = ReduceLROnPlateau(sgd(1.0))
        repeat(11) { d.step(1.0) }
        d.getLastLr()[0] shouldBe 1.0
        d.step(1.0)
        d.getLastLr()[0] shouldBe 0.1
        shouldThrow<UnsupportedOperationException> { d.step() }.message shouldContain "call step(validationLoss)"
        shouldThrow<IllegalArgumentException> { ReduceLROnPlateau(sgd(1.0), ReduceLROnPlateau.Options().factor(1.0)) }
            .message shouldContain "factor must be in [0, 1)"
    }

    test("SequentialLR: a linear warm-up, then exponential decay restarting from the base lr at the milestone") {
        val opt = sgd(1.0)
        val s = SequentialLR(opt, listOf(LinearLR(opt, 0.5, 1.0, 2), ExponentialLR(opt, 0.5)), intArrayOf(3))
        close(lrs(s, 5), { e -> doubleArrayOf(0.5, 0.75, 1.0, 1.0, 0.5, 0.25)[e] })
    }

    test("SequentialLR: three schedulers, cosine restarts from its closed form") {
        val opt = sgd(0.1)
        val s = SequentialLR(opt, listOf(LinearLR(opt, 0.1, 1.0, 2), StepLR(opt, 2, 0.5), CosineAnnealingLR(opt, 4)), intArrayOf(2, 6))
        close(lrs(s, 10), { e ->
            when {
                e < 2 -> 0.1 * (0.1 + 0.9 * e / 2)
                e < 6 -> 0.1 * 0.5.pow((e - 2) / 2)
                else -> 0.1 * (1 + cos(PI * (e - 6) / 4)) / 2
            }
        }, 1e-10)
    }

    test("SequentialLR checks its arguments") {
        val opt = sgd(1.0)
        shouldThrow<IllegalArgumentException> { SequentialLR(opt, listOf(StepLR(opt, 2), StepLR(opt, 3)), intArrayOf()) }
            .message shouldContain "2 schedulers need 1 milestones, got 0"
        shouldThrow<IllegalArgumentException> { SequentialLR(opt, listOf(StepLR(sgd(1.0), 2)), intArrayOf()) }
            .message shouldContain "steps a different optimizer"
    }

    test("bad scheduler arguments give clear errors") {
        shouldThrow<IllegalArgumentException> { LinearLR(sgd(1.0), 0.0, 1.0, 5) }.message shouldContain "startFactor must be in (0, 1]"
        shouldThrow<IllegalArgumentException> { LinearLR(sgd(1.0), 0.5, 1.5, 5) }.message shouldContain "endFactor must be in [0, 1]"
        shouldThrow<IllegalArgumentException> { StepLR(sgd(1.0), 0) }.message shouldContain "stepSize must be >= 1"
        shouldThrow<IllegalArgumentException> { CosineAnnealingLR(sgd(1.0), 0) }.message shouldContain "tMax must be >= 1"
    }

    test("a scheduler and its optimizer resume from their state dicts") {
        fun build(): Pair<Optimizer, LRScheduler> {
            val opt = sgd(0.1)
            return opt to SequentialLR(opt, listOf(LinearLR(opt), CosineAnnealingLR(opt, 10, 0.01)), intArrayOf(5))
        }
        val (optA, a) = build()
        repeat(7) { a.step() }
        val optState = optA.stateDict(); val schedState = a.stateDict()
        val expected = DoubleArray(8) { a.step(); a.getLastLr()[0] }
        val (optB, b) = build()
        optB.loadStateDict(optState)
        b.loadStateDict(schedState)
        DoubleArray(8) { b.step(); b.getLastLr()[0] }.toList() shouldBe expected.toList()
    }

    test("ReduceLROnPlateau resumes from its state dict") {
        val optA = sgd(1.0)
        val a = ReduceLROnPlateau(optA, ReduceLROnPlateau.Options().patience(1))
        listOf(3.0, 2.0, 2.5).forEach { a.step(it) }
        val (optState, schedState) = optA.stateDict() to a.stateDict()
        val optB = sgd(1.0)
        val b = ReduceLROnPlateau(optB, ReduceLROnPlateau.Options().patience(1))
        optB.loadStateDict(optState)
        b.loadStateDict(schedState)
        listOf(2.5, 2.5, 2.5).forEach { a.step(it); b.step(it) }
        b.getLastLr().toList() shouldBe a.getLastLr().toList()
        a.getLastLr()[0] shouldBe (0.01 plusOrMinus 1e-15)
    }
})

