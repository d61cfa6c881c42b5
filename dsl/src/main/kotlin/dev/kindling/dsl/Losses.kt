package dev.kindling.dsl

import dev.kindling.nn.functional.F

/*
 * The loss functions (torch.nn.functional) with PyTorch's keyword arguments and defaults. [reduction] is
 * "mean" (the default), "sum" or "none". Each fits `fit`'s `loss` parameter as a function reference:
 * `model.fit(train, epochs = 3, optimizer = opt, loss = ::crossEntropy)`.
 */

/**
 * logSoftmax and negative log-likelihood in one step. [target] holds class indices (int64 [N], ignoring
 * [ignoreIndex]) or class probabilities (float, the input's shape); [labelSmoothing] mixes the target with
 * the uniform distribution. Input [N, C] (or [C], or [N, C, d1, ...]).
 * ```
 * val loss = crossEntropy(logits, labels, labelSmoothing = 0.1)
 * ```
 */
fun crossEntropy(
    input: Tensor,
    target: Tensor,
    weight: Tensor? = null,
    ignoreIndex: Long = -100,
    reduction: String = "mean",
    labelSmoothing: Double = 0.0,
): Tensor = F.crossEntropy(input, target, weight, ignoreIndex, reduction, labelSmoothing)

/** Negative log-likelihood of class indices, for log-probabilities (the output of [logSoftmax]). */
fun nllLoss(input: Tensor, target: Tensor, weight: Tensor? = null, ignoreIndex: Long = -100, reduction: String = "mean"): Tensor =
    F.nllLoss(input, target, weight, ignoreIndex, reduction)

/** (input - target)^2, reduced. */
fun mseLoss(input: Tensor, target: Tensor, reduction: String = "mean"): Tensor = F.mseLoss(input, target, reduction)

/** |input - target|, reduced. */
fun l1Loss(input: Tensor, target: Tensor, reduction: String = "mean"): Tensor = F.l1Loss(input, target, reduction)

/** (log(1 + input) - log(1 + target))^2, reduced. */
fun msleLoss(input: Tensor, target: Tensor, reduction: String = "mean"): Tensor = F.msleLoss(input, target, reduction)

/** 0.5 d^2 / beta where |d| < beta, else |d| - 0.5 beta, with d = input - target. */
fun smoothL1Loss(input: Tensor, target: Tensor, reduction: String = "mean", beta: Double = 1.0): Tensor =
    F.smoothL1Loss(input, target, reduction, beta)

/** 0.5 d^2 where |d| < delta, else delta (|d| - 0.5 delta). */
fun huberLoss(input: Tensor, target: Tensor, reduction: String = "mean", delta: Double = 1.0): Tensor =
    F.huberLoss(input, target, reduction, delta)

/** -w (y log x + (1 - y) log(1 - x)) for probabilities x in [0, 1]. */
fun binaryCrossEntropy(input: Tensor, target: Tensor, weight: Tensor? = null, reduction: String = "mean"): Tensor =
    F.binaryCrossEntropy(input, target, weight, reduction)

/** Sigmoid and binary cross entropy in one stable step, for raw scores; [posWeight] weighs the positives per class. */
fun binaryCrossEntropyWithLogits(
    input: Tensor,
    target: Tensor,
    weight: Tensor? = null,
    reduction: String = "mean",
    posWeight: Tensor? = null,
): Tensor = F.binaryCrossEntropyWithLogits(input, target, weight, reduction, posWeight)

/** Kullback-Leibler divergence of log-probabilities [input] from [target] (log-probabilities too when [logTarget]). */
fun klDiv(input: Tensor, target: Tensor, reduction: String = "mean", logTarget: Boolean = false): Tensor =
    F.klDiv(input, target, reduction, logTarget)

/** x where y = 1, max(0, margin - x) where y = -1. */
fun hingeEmbeddingLoss(input: Tensor, target: Tensor, margin: Double = 1.0, reduction: String = "mean"): Tensor =
    F.hingeEmbeddingLoss(input, target, margin, reduction)

/** max(0, 1 - y x)^2 for labels y in {-1, 1}. */
fun squaredHingeLoss(input: Tensor, target: Tensor, reduction: String = "mean"): Tensor = F.squaredHingeLoss(input, target, reduction)

/** The multi-class margin loss of scores [N, C] against class indices. */
fun multiMarginLoss(input: Tensor, target: Tensor, p: Int = 1, margin: Double = 1.0, weight: Tensor? = null, reduction: String = "mean"): Tensor =
    F.multiMarginLoss(input, target, p, margin, weight, reduction)

/** 1 - cos(x1, x2) where y = 1, max(0, cos(x1, x2) - margin) where y = -1. */
fun cosineEmbeddingLoss(input1: Tensor, input2: Tensor, target: Tensor, margin: Double = 0.0, reduction: String = "mean"): Tensor =
    F.cosineEmbeddingLoss(input1, input2, target, margin, reduction)

/** max(0, -y (x1 - x2) + margin). */
fun marginRankingLoss(input1: Tensor, input2: Tensor, target: Tensor, margin: Double = 0.0, reduction: String = "mean"): Tensor =
    F.marginRankingLoss(input1, input2, target, margin, reduction)
