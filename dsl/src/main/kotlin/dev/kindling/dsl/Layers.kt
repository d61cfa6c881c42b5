package dev.kindling.dsl

/*
 * Layer factories with PyTorch's keyword arguments and defaults. Each returns the Java layer (moved to the
 * [onDevice] device when inside one), so it is a value (`val head = linear(128, 10)`) and a property
 * delegate (`val head by linear(128, 10)`, registered as "head"). The same names inside `sequential { }`
 * append the layer instead ([SequentialBuilder]).
 *
 * A new layer is one line here and one in SequentialBuilder: `fun conv2d(...) = placed(Conv2d(...))`.
 */

/** y = x W^T + b: [..., inFeatures] to [..., outFeatures] (`Linear(784 => 128)`). */
fun linear(inFeatures: Int, outFeatures: Int, bias: Boolean = true): Linear = placed(Linear(inFeatures, outFeatures, bias))

/** y = x1^T W x2 + b. */
fun bilinear(in1Features: Int, in2Features: Int, outFeatures: Int, bias: Boolean = true): Bilinear =
    placed(Bilinear(in1Features, in2Features, outFeatures, bias))

/** Batch normalisation over [N, C] or [N, C, L]; [momentum] null for a cumulative average. */
fun batchNorm1d(
    numFeatures: Int,
    eps: Double = 1e-5,
    momentum: Double? = 0.1,
    affine: Boolean = true,
    trackRunningStats: Boolean = true,
): BatchNorm1d = placed(BatchNorm1d(numFeatures, eps, momentum, affine, trackRunningStats))

/** Normalisation over the last dims, which must equal [normalizedShape]: `layerNorm(512)`. */
fun layerNorm(vararg normalizedShape: Int, eps: Double = 1e-5, elementwiseAffine: Boolean = true, bias: Boolean = true): LayerNorm =
    placed(LayerNorm(normalizedShape, eps, elementwiseAffine, bias))

/** Zeroes elements with probability [p] in training mode; the identity after `eval()`. */
fun dropout(p: Double = 0.5): Dropout = placed(Dropout(p))

/** A [numEmbeddings] x [embeddingDim] lookup table, initialised N(0, 1). */
fun embedding(numEmbeddings: Int, embeddingDim: Int, paddingIdx: Int? = null, maxNorm: Double? = null): Embedding =
    placed(Embedding(numEmbeddings, embeddingDim, paddingIdx, maxNorm))

/** Merges dims [startDim]..[endDim]: [N, C, H, W] to [N, C*H*W] by default. */
fun flatten(startDim: Int = 1, endDim: Int = -1): Flatten = placed(Flatten(startDim, endDim))

/** Splits [dim] into [sizes]. */
fun unflatten(dim: Int, vararg sizes: Int): Unflatten = placed(Unflatten(dim, *sizes))

/** Returns its input. */
fun identity(): Identity = placed(Identity())

/** max(x, 0). */
fun relu(): ReLU = placed(ReLU())

/** x for x > 0, else negativeSlope * x. */
fun leakyRelu(negativeSlope: Double = 0.01): LeakyReLU = placed(LeakyReLU(negativeSlope))

/** x for x > 0, else alpha * (exp(x) - 1). */
fun elu(alpha: Double = 1.0): ELU = placed(ELU(alpha))

/** x * Phi(x); [approximate] "none" or "tanh". */
fun gelu(approximate: String = "none"): GELU = placed(GELU(approximate))

/** x * sigmoid(x). */
fun silu(): SiLU = placed(SiLU())

/** 1 / (1 + exp(-x)). */
fun sigmoid(): Sigmoid = placed(Sigmoid())

/** tanh(x). */
fun tanh(): Tanh = placed(Tanh())

/** Softmax along [dim]. */
fun softmax(dim: Int): Softmax = placed(Softmax(dim))

/** Log-softmax along [dim]. */
fun logSoftmax(dim: Int): LogSoftmax = placed(LogSoftmax(dim))

/** log(1 + exp(beta x)) / beta. */
fun softplus(beta: Double = 1.0, threshold: Double = 20.0): Softplus = placed(Softplus(beta, threshold))

/** x clamped into [minVal, maxVal]. */
fun hardtanh(minVal: Double = -1.0, maxVal: Double = 1.0): Hardtanh = placed(Hardtanh(minVal, maxVal))

/** Leaky ReLU with a learned slope: one shared ([numParameters] 1) or one per channel. */
fun prelu(numParameters: Int = 1, init: Double = 0.25): PReLU = placed(PReLU(numParameters, init))

/** A list of modules registered as "0", "1", ...: `val blocks by moduleList(Block(), Block())`. */
fun moduleList(vararg modules: Module): ModuleList = placed(ModuleList(*modules))

/** Modules registered under chosen names: `val heads by moduleDict("cls" to linear(64, 10))`. */
fun moduleDict(vararg modules: Pair<String, Module>): ModuleDict = placed(ModuleDict(linkedMapOf(*modules)))

// ---------------------------------------------------------------- calling

/** `model(x)`: the module's forward pass. */
operator fun Module.invoke(x: Tensor): Tensor = forward(x)

/** `criterion(output, target)`: the loss module's value. */
operator fun Loss.invoke(input: Tensor, target: Tensor): Tensor = forward(input, target)

/** `bilinear(x1, x2)`. */
operator fun Bilinear.invoke(x1: Tensor, x2: Tensor): Tensor = forward(x1, x2)
