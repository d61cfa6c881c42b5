package dev.kindling.dsl

/** Keeps the builder's layer functions from leaking into nested lambdas. */
@DslMarker
annotation class KindlingDsl

/**
 * Layers run one after another, registered as "0", "1", ... as PyTorch's nn.Sequential (so its state-dict
 * keys are `0.weight`, `0.bias`, `3.weight`, ...):
 * ```
 * val model = sequential { linear(784, 128); relu(); dropout(0.2); linear(128, 10) }
 * ```
 * Inside the block each layer function appends its layer; `+anyModule` or [SequentialBuilder.add] appends
 * any other module.
 */
fun sequential(build: SequentialBuilder.() -> Unit): Sequential = placed(SequentialBuilder().apply(build).modules)

/** A Sequential of [modules], in order. */
fun sequential(vararg modules: Module): Sequential = placed(Sequential(*modules))

/** The receiver of `sequential { }`: each function appends one layer, with the arguments of the matching factory. */
@KindlingDsl
class SequentialBuilder internal constructor() {
    internal val modules = Sequential()

    /** Appends [module]. */
    fun add(module: Module) {
        modules.add(module)
    }

    /** Appends this module: `+MyBlock()`. */
    operator fun Module.unaryPlus() = add(this)

    /** A nested Sequential. */
    fun sequential(build: SequentialBuilder.() -> Unit) = add(dev.kindling.dsl.sequential(build))

    fun linear(inFeatures: Int, outFeatures: Int, bias: Boolean = true) = add(Linear(inFeatures, outFeatures, bias))

    fun bilinear(in1Features: Int, in2Features: Int, outFeatures: Int, bias: Boolean = true) =
        add(Bilinear(in1Features, in2Features, outFeatures, bias))

    fun batchNorm1d(numFeatures: Int, eps: Double = 1e-5, momentum: Double? = 0.1, affine: Boolean = true, trackRunningStats: Boolean = true) =
        add(BatchNorm1d(numFeatures, eps, momentum, affine, trackRunningStats))

    fun layerNorm(vararg normalizedShape: Int, eps: Double = 1e-5, elementwiseAffine: Boolean = true, bias: Boolean = true) =
        add(LayerNorm(normalizedShape, eps, elementwiseAffine, bias))

    fun dropout(p: Double = 0.5) = add(Dropout(p))

    fun embedding(numEmbeddings: Int, embeddingDim: Int, paddingIdx: Int? = null, maxNorm: Double? = null) =
        add(Embedding(numEmbeddings, embeddingDim, paddingIdx, maxNorm))

    fun flatten(startDim: Int = 1, endDim: Int = -1) = add(Flatten(startDim, endDim))

    fun unflatten(dim: Int, vararg sizes: Int) = add(Unflatten(dim, *sizes))

    fun identity() = add(Identity())

    fun relu() = add(ReLU())

    fun leakyRelu(negativeSlope: Double = 0.01) = add(LeakyReLU(negativeSlope))

    fun elu(alpha: Double = 1.0) = add(ELU(alpha))

    fun gelu(approximate: String = "none") = add(GELU(approximate))

    fun silu() = add(SiLU())

    fun sigmoid() = add(Sigmoid())

    fun tanh() = add(Tanh())

    fun softmax(dim: Int) = add(Softmax(dim))

    fun logSoftmax(dim: Int) = add(LogSoftmax(dim))

    fun softplus(beta: Double = 1.0, threshold: Double = 20.0) = add(Softplus(beta, threshold))

    fun hardtanh(minVal: Double = -1.0, maxVal: Double = 1.0) = add(Hardtanh(minVal, maxVal))

    fun prelu(numParameters: Int = 1, init: Double = 0.25) = add(PReLU(numParameters, init))
}
