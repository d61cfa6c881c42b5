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

    /** Appends a [Linear], as [dev.kindling.dsl.linear]. */
    fun linear(inFeatures: Int, outFeatures: Int, bias: Boolean = true) = add(Linear(inFeatures, outFeatures, bias))

    /** Appends a [Bilinear], as [dev.kindling.dsl.bilinear]. */
    fun bilinear(in1Features: Int, in2Features: Int, outFeatures: Int, bias: Boolean = true) =
        add(Bilinear(in1Features, in2Features, outFeatures, bias))

    /** Appends a [BatchNorm1d], as [dev.kindling.dsl.batchNorm1d]. */
    fun batchNorm1d(numFeatures: Int, eps: Double = 1e-5, momentum: Double? = 0.1, affine: Boolean = true, trackRunningStats: Boolean = true) =
        add(BatchNorm1d(numFeatures, eps, momentum, affine, trackRunningStats))

    /** Appends a [LayerNorm], as [dev.kindling.dsl.layerNorm]. */
    fun layerNorm(vararg normalizedShape: Int, eps: Double = 1e-5, elementwiseAffine: Boolean = true, bias: Boolean = true) =
        add(LayerNorm(normalizedShape, eps, elementwiseAffine, bias))

    /** Appends a [Dropout], as [dev.kindling.dsl.dropout]. */
    fun dropout(p: Double = 0.5) = add(Dropout(p))

    /** Appends an [Embedding], as [dev.kindling.dsl.embedding]. */
    fun embedding(numEmbeddings: Int, embeddingDim: Int, paddingIdx: Int? = null, maxNorm: Double? = null) =
        add(Embedding(numEmbeddings, embeddingDim, paddingIdx, maxNorm))

    /** Appends a [Conv2d], as [dev.kindling.dsl.conv2d]. */
    fun conv2d(inChannels: Int, outChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0, dilation: Int = 1,
               groups: Int = 1, bias: Boolean = true) =
        add(Conv2d(inChannels, outChannels, kernelSize, stride, padding, dilation, groups, bias))

    /** Appends a [Conv1d], as [dev.kindling.dsl.conv1d]. */
    fun conv1d(inChannels: Int, outChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0, dilation: Int = 1,
               groups: Int = 1, bias: Boolean = true) =
        add(Conv1d(inChannels, outChannels, kernelSize, stride, padding, dilation, groups, bias))

    /** Appends a [MaxPool2d], as [dev.kindling.dsl.maxPool2d]. */
    fun maxPool2d(kernelSize: Int, stride: Int = kernelSize, padding: Int = 0, dilation: Int = 1, ceilMode: Boolean = false) =
        add(MaxPool2d(kernelSize, stride, padding, dilation, false, ceilMode))

    /** Appends an [AvgPool2d], as [dev.kindling.dsl.avgPool2d]. */
    fun avgPool2d(kernelSize: Int, stride: Int = kernelSize, padding: Int = 0) = add(AvgPool2d(kernelSize, stride, padding))

    /** Appends an [AdaptiveAvgPool2d], as [dev.kindling.dsl.adaptiveAvgPool2d]. */
    fun adaptiveAvgPool2d(outputSize: Int) = add(AdaptiveAvgPool2d(outputSize))

    /** Appends a [BatchNorm2d], as [dev.kindling.dsl.batchNorm2d]. */
    fun batchNorm2d(numFeatures: Int, eps: Double = 1e-5, momentum: Double? = 0.1, affine: Boolean = true, trackRunningStats: Boolean = true) =
        add(BatchNorm2d(numFeatures, eps, momentum, affine, trackRunningStats))

    /** Appends a [Dropout2d], as [dev.kindling.dsl.dropout2d]. */
    fun dropout2d(p: Double = 0.5) = add(Dropout2d(p))

    /** Appends an [Upsample], as [dev.kindling.dsl.upsample]. */
    fun upsample(scaleFactor: Double, mode: String = "nearest") = add(Upsample(scaleFactor, mode))

    /** Appends a [Flatten], as [dev.kindling.dsl.flatten]. */
    fun flatten(startDim: Int = 1, endDim: Int = -1) = add(Flatten(startDim, endDim))

    /** Appends a [Unflatten], as [dev.kindling.dsl.unflatten]. */
    fun unflatten(dim: Int, vararg sizes: Int) = add(Unflatten(dim, *sizes))

    /** Appends an [Identity], as [dev.kindling.dsl.identity]. */
    fun identity() = add(Identity())

    /** Appends a [ReLU], as [dev.kindling.dsl.relu]. */
    fun relu() = add(ReLU())

    /** Appends a [LeakyReLU], as [dev.kindling.dsl.leakyRelu]. */
    fun leakyRelu(negativeSlope: Double = 0.01) = add(LeakyReLU(negativeSlope))

    /** Appends an [ELU], as [dev.kindling.dsl.elu]. */
    fun elu(alpha: Double = 1.0) = add(ELU(alpha))

    /** Appends a [GELU], as [dev.kindling.dsl.gelu]. */
    fun gelu(approximate: String = "none") = add(GELU(approximate))

    /** Appends a [SiLU], as [dev.kindling.dsl.silu]. */
    fun silu() = add(SiLU())

    /** Appends a [Sigmoid], as [dev.kindling.dsl.sigmoid]. */
    fun sigmoid() = add(Sigmoid())

    /** Appends a [Tanh], as [dev.kindling.dsl.tanh]. */
    fun tanh() = add(Tanh())

    /** Appends a [Softmax], as [dev.kindling.dsl.softmax]. */
    fun softmax(dim: Int) = add(Softmax(dim))

    /** Appends a [LogSoftmax], as [dev.kindling.dsl.logSoftmax]. */
    fun logSoftmax(dim: Int) = add(LogSoftmax(dim))

    /** Appends a [Softplus], as [dev.kindling.dsl.softplus]. */
    fun softplus(beta: Double = 1.0, threshold: Double = 20.0) = add(Softplus(beta, threshold))

    /** Appends a [Hardtanh], as [dev.kindling.dsl.hardtanh]. */
    fun hardtanh(minVal: Double = -1.0, maxVal: Double = 1.0) = add(Hardtanh(minVal, maxVal))

    /** Appends a [PReLU], as [dev.kindling.dsl.prelu]. */
    fun prelu(numParameters: Int = 1, init: Double = 0.25) = add(PReLU(numParameters, init))
}
