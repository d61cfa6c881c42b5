package dev.kindling.dsl

import dev.kindling.optim.lr.CosineAnnealingLR
import dev.kindling.optim.lr.ExponentialLR
import dev.kindling.optim.lr.LinearLR
import dev.kindling.optim.lr.MultiStepLR
import dev.kindling.optim.lr.OneCycleLR
import dev.kindling.optim.lr.ReduceLROnPlateau as JavaReduceLROnPlateau
import dev.kindling.optim.lr.SequentialLR
import dev.kindling.optim.lr.StepLR

/*
 * Learning-rate schedulers with torch.optim.lr_scheduler's keyword arguments and defaults. Step them after
 * `optimizer.step()`, or hand them to `fit` with the [lrScheduler] callback.
 */

/** lr * gamma every [stepSize] epochs. */
fun stepLR(optimizer: Optimizer, stepSize: Int, gamma: Double = 0.1): StepLR = StepLR(optimizer, stepSize, gamma)

/** lr * gamma at each of the [milestones] epochs. */
fun multiStepLR(optimizer: Optimizer, milestones: List<Int>, gamma: Double = 0.1): MultiStepLR =
    MultiStepLR(optimizer, milestones.toIntArray(), gamma)

/** lr * gamma every epoch. */
fun exponentialLR(optimizer: Optimizer, gamma: Double): ExponentialLR = ExponentialLR(optimizer, gamma)

/** Cosine annealing from the initial lr down to [etaMin] over [tMax] epochs. */
fun cosineAnnealingLR(optimizer: Optimizer, tMax: Int, etaMin: Double = 0.0): CosineAnnealingLR = CosineAnnealingLR(optimizer, tMax, etaMin)

/** The lr scaled linearly from [startFactor] to [endFactor] over [totalIters] epochs. */
fun linearLR(optimizer: Optimizer, startFactor: Double = 1.0 / 3, endFactor: Double = 1.0, totalIters: Int = 5): LinearLR =
    LinearLR(optimizer, startFactor, endFactor, totalIters)

/** [schedulers] one after another, switching at the [milestones] epochs. */
fun sequentialLR(optimizer: Optimizer, schedulers: List<LRScheduler>, milestones: List<Int>): SequentialLR =
    SequentialLR(optimizer, schedulers, milestones.toIntArray())

/**
 * Cuts the lr by [factor] when a watched metric stops improving for [patience] epochs. [mode] "min" (a loss)
 * or "max" (an accuracy); [thresholdMode] "rel" or "abs". Its `step(metric)` takes the metric: in `fit`,
 * the [lrScheduler] callback passes the one it monitors.
 */
fun reduceLROnPlateau(
    optimizer: Optimizer,
    mode: String = "min",
    factor: Double = 0.1,
    patience: Int = 10,
    threshold: Double = 1e-4,
    thresholdMode: String = "rel",
    cooldown: Int = 0,
    minLr: Double = 0.0,
    eps: Double = 1e-8,
): ReduceLROnPlateau = ReduceLROnPlateau(
    optimizer,
    JavaReduceLROnPlateau.Options()
        .mode(choice("reduceLROnPlateau", "mode", mode, mapOf("min" to JavaReduceLROnPlateau.Mode.MIN, "max" to JavaReduceLROnPlateau.Mode.MAX)))
        .factor(factor).patience(patience).threshold(threshold)
        .thresholdMode(
            choice(
                "reduceLROnPlateau", "thresholdMode", thresholdMode,
                mapOf("rel" to JavaReduceLROnPlateau.ThresholdMode.REL, "abs" to JavaReduceLROnPlateau.ThresholdMode.ABS),
            ),
        )
        .cooldown(cooldown).minLr(minLr).eps(eps),
)

/**
 * The one-cycle policy over [totalSteps] batches: warm up to [maxLr] for [pctStart] of them, then anneal
 * ("cos" or "linear") to maxLr / divFactor / finalDivFactor, cycling momentum the other way. Step it
 * every batch (`lrScheduler(sched, interval = "batch")` in `fit`).
 */
fun oneCycleLR(
    optimizer: Optimizer,
    maxLr: Double,
    totalSteps: Int,
    pctStart: Double = 0.3,
    annealStrategy: String = "cos",
    cycleMomentum: Boolean = true,
    baseMomentum: Double = 0.85,
    maxMomentum: Double = 0.95,
    divFactor: Double = 25.0,
    finalDivFactor: Double = 1e4,
    threePhase: Boolean = false,
): OneCycleLR = OneCycleLR(
    optimizer, maxLr, totalSteps,
    OneCycleLR.Options().pctStart(pctStart)
        .annealStrategy(
            choice("oneCycleLR", "annealStrategy", annealStrategy, mapOf("cos" to OneCycleLR.Anneal.COS, "linear" to OneCycleLR.Anneal.LINEAR)),
        )
        .cycleMomentum(cycleMomentum).baseMomentum(baseMomentum).maxMomentum(maxMomentum).divFactor(divFactor)
        .finalDivFactor(finalDivFactor).threePhase(threePhase),
)

/** The value for a PyTorch-style string option, or an error listing the accepted strings. */
internal fun <T> choice(op: String, name: String, value: String, options: Map<String, T>): T =
    options[value] ?: throw IllegalArgumentException("$op: $name must be one of ${options.keys.joinToString { "\"$it\"" }}, got \"$value\"")
