package dev.kindling.dsl

import dev.kindling.nn.functional.F

/*
 * The functional forms of the layers (torch.nn.functional), with PyTorch's keyword arguments and
 * defaults: `relu(fc1(x))`, `dropout(h, p = 0.2, training = isTraining())`, `softmax(logits, dim = 1)`.
 */

/** max(x, 0). */
fun relu(x: Tensor): Tensor = F.relu(x)

/** x for x > 0, else negativeSlope * x. */
fun leakyRelu(x: Tensor, negativeSlope: Double = 0.01): Tensor = F.leakyRelu(x, negativeSlope)

/** x for x > 0, else alpha * (exp(x) - 1). */
fun elu(x: Tensor, alpha: Double = 1.0): Tensor = F.elu(x, alpha)

/** x * Phi(x); [approximate] "none" (erf, the default) or "tanh". */
fun gelu(x: Tensor, approximate: String = "none"): Tensor = F.gelu(x, approximate)

/** x * sigmoid(x). */
fun silu(x: Tensor): Tensor = F.silu(x)

/** 1 / (1 + exp(-x)). */
fun sigmoid(x: Tensor): Tensor = F.sigmoid(x)

/** tanh(x), elementwise. */
fun tanh(x: Tensor): Tensor = F.tanh(x)

/** exp(x) / sum(exp(x)) along [dim]. */
fun softmax(x: Tensor, dim: Int): Tensor = F.softmax(x, dim)

/** log(softmax(x)) along [dim], computed stably. */
fun logSoftmax(x: Tensor, dim: Int): Tensor = F.logSoftmax(x, dim)

/** log(1 + exp(beta x)) / beta, linear above [threshold]. */
fun softplus(x: Tensor, beta: Double = 1.0, threshold: Double = 20.0): Tensor = F.softplus(x, beta, threshold)

/** x clamped into [minVal, maxVal]. */
fun hardtanh(x: Tensor, minVal: Double = -1.0, maxVal: Double = 1.0): Tensor = F.hardtanh(x, minVal, maxVal)

/** Inverted dropout: zeroes each element with probability [p] and scales the rest by 1 / (1 - p) when [training]. */
fun dropout(x: Tensor, p: Double = 0.5, training: Boolean = true): Tensor = F.dropout(x, p, training)

/** y = x W^T + b: x [..., in], weight [out, in], bias [out] or null. */
fun linear(x: Tensor, weight: Tensor, bias: Tensor? = null): Tensor = F.linear(x, weight, bias)

/** (x - mean) / sqrt(var + eps) * weight + bias over the last dims, which must equal [normalizedShape]. */
fun layerNorm(x: Tensor, normalizedShape: IntArray, weight: Tensor? = null, bias: Tensor? = null, eps: Double = 1e-5): Tensor =
    F.layerNorm(x, normalizedShape, weight, bias, eps)

/** Rows of [weight] picked by int64 [indices] of any shape. */
fun embedding(indices: Tensor, weight: Tensor, paddingIdx: Int? = null, maxNorm: Double? = null): Tensor =
    F.embedding(indices, weight, paddingIdx ?: -1, maxNorm ?: Double.NaN)

// ---------------------------------------------------------------- joining

/** The tensors joined along an existing [dim]. */
fun cat(tensors: List<Tensor>, dim: Int = 0): Tensor = Tensor.cat(tensors, dim)

/** The tensors joined along a new [dim]. */
fun stack(tensors: List<Tensor>, dim: Int = 0): Tensor = Tensor.stack(tensors, dim)
