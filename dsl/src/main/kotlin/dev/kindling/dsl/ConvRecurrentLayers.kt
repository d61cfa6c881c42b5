package dev.kindling.dsl

import dev.kindling.nn.RNNBase

/*
 * Factories for the convolutional, pooling, recurrent and attention layers, with PyTorch's keyword
 * arguments and defaults; values and property delegates exactly as those in Layers.kt
 * (`val conv1 by conv2d(1, 6, 5)`, `val rnn by lstm(64, 256, batchFirst = true)`).
 */

/** Cross-correlation over [N, C, L]; [padding] as a number of zeros, or use [conv1dSame]. */
fun conv1d(
    inChannels: Int, outChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0,
    dilation: Int = 1, groups: Int = 1, bias: Boolean = true,
): Conv1d = placed(Conv1d(inChannels, outChannels, kernelSize, stride, padding, dilation, groups, bias))

/** Cross-correlation over [N, C, H, W]: `conv2d(1, 6, 5)` is `Conv2d(1 => 6, kernel=5)`. */
fun conv2d(
    inChannels: Int, outChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0,
    dilation: Int = 1, groups: Int = 1, bias: Boolean = true,
): Conv2d = placed(Conv2d(inChannels, outChannels, kernelSize, stride, padding, dilation, groups, bias))

/** [conv2d] with PyTorch's string padding, "same" (output size = input size, stride 1) or "valid". */
fun conv2d(
    inChannels: Int, outChannels: Int, kernelSize: Int, padding: String, stride: Int = 1,
    dilation: Int = 1, groups: Int = 1, bias: Boolean = true,
): Conv2d = placed(Conv2d(inChannels, outChannels, kernelSize, stride, padding, dilation, groups, bias))

/** The adjoint of [conv2d] (a "deconvolution"): upsamples by [stride]. */
fun convTranspose2d(
    inChannels: Int, outChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0,
    outputPadding: Int = 0, groups: Int = 1, bias: Boolean = true, dilation: Int = 1,
): ConvTranspose2d = placed(ConvTranspose2d(inChannels, outChannels, kernelSize, stride, padding, outputPadding, groups, bias, dilation))

/** Max over windows of [kernelSize] along L; [stride] defaults to the kernel. */
fun maxPool1d(kernelSize: Int, stride: Int = kernelSize, padding: Int = 0, dilation: Int = 1, ceilMode: Boolean = false): MaxPool1d =
    placed(MaxPool1d(kernelSize, stride, padding, dilation, false, ceilMode))

/** Max over [kernelSize] x [kernelSize] windows; [stride] defaults to the kernel: `maxPool2d(2)` halves H and W. */
fun maxPool2d(kernelSize: Int, stride: Int = kernelSize, padding: Int = 0, dilation: Int = 1, ceilMode: Boolean = false): MaxPool2d =
    placed(MaxPool2d(kernelSize, stride, padding, dilation, false, ceilMode))

/** Mean over windows; [countIncludePad] counts padded zeros in the divisor, as PyTorch's default. */
fun avgPool2d(
    kernelSize: Int, stride: Int = kernelSize, padding: Int = 0, ceilMode: Boolean = false,
    countIncludePad: Boolean = true, divisorOverride: Int? = null,
): AvgPool2d = placed(AvgPool2d(kernelSize, stride, padding, ceilMode, countIncludePad, divisorOverride))

/** Mean pooling to a fixed [outputSize] x [outputSize], whatever the input's size. */
fun adaptiveAvgPool2d(outputSize: Int): AdaptiveAvgPool2d = placed(AdaptiveAvgPool2d(outputSize))

/** Batch normalisation over [N, C, H, W] per channel; [momentum] null for a cumulative average. */
fun batchNorm2d(
    numFeatures: Int, eps: Double = 1e-5, momentum: Double? = 0.1, affine: Boolean = true, trackRunningStats: Boolean = true,
): BatchNorm2d = placed(BatchNorm2d(numFeatures, eps, momentum, affine, trackRunningStats))

/** Zeroes whole channels with probability [p] in training mode. */
fun dropout2d(p: Double = 0.5): Dropout2d = placed(Dropout2d(p))

/** Resizes [N, C, H, W] by [scaleFactor]; [mode] "nearest" or "bilinear". */
fun upsample(scaleFactor: Double, mode: String = "nearest", alignCorners: Boolean? = null): Upsample =
    placed(Upsample(null, doubleArrayOf(scaleFactor), mode, alignCorners))

private fun recurrentOptions(numLayers: Int, bias: Boolean, batchFirst: Boolean, dropout: Double, bidirectional: Boolean) =
    RNNBase.Options().numLayers(numLayers).bias(bias).batchFirst(batchFirst).dropout(dropout).bidirectional(bidirectional)

/** Elman RNN, h' = [nonlinearity](x W_ih^T + b_ih + h W_hh^T + b_hh); [nonlinearity] "tanh" or "relu". */
fun rnn(
    inputSize: Int, hiddenSize: Int, numLayers: Int = 1, nonlinearity: String = "tanh", bias: Boolean = true,
    batchFirst: Boolean = false, dropout: Double = 0.0, bidirectional: Boolean = false,
): RNN = placed(RNN(inputSize, hiddenSize, recurrentOptions(numLayers, bias, batchFirst, dropout, bidirectional).nonlinearity(nonlinearity)))

/** LSTM with PyTorch's gate order (i, f, g, o) and weight names (`weight_ih_l0` ...). */
fun lstm(
    inputSize: Int, hiddenSize: Int, numLayers: Int = 1, bias: Boolean = true,
    batchFirst: Boolean = false, dropout: Double = 0.0, bidirectional: Boolean = false,
): LSTM = placed(LSTM(inputSize, hiddenSize, recurrentOptions(numLayers, bias, batchFirst, dropout, bidirectional)))

/** GRU with PyTorch's gate order (r, z, n). */
fun gru(
    inputSize: Int, hiddenSize: Int, numLayers: Int = 1, bias: Boolean = true,
    batchFirst: Boolean = false, dropout: Double = 0.0, bidirectional: Boolean = false,
): GRU = placed(GRU(inputSize, hiddenSize, recurrentOptions(numLayers, bias, batchFirst, dropout, bidirectional)))

/** One Elman RNN step, for hand-written loops. */
fun rnnCell(inputSize: Int, hiddenSize: Int, bias: Boolean = true, nonlinearity: String = "tanh"): RNNCell =
    placed(RNNCell(inputSize, hiddenSize, bias, nonlinearity))

/** One LSTM step, for hand-written loops. */
fun lstmCell(inputSize: Int, hiddenSize: Int, bias: Boolean = true): LSTMCell = placed(LSTMCell(inputSize, hiddenSize, bias))

/** One GRU step, for hand-written loops. */
fun gruCell(inputSize: Int, hiddenSize: Int, bias: Boolean = true): GRUCell = placed(GRUCell(inputSize, hiddenSize, bias))

/** Multi-head attention with PyTorch's parameters (`in_proj_weight`, `out_proj.weight` ...). */
fun multiheadAttention(
    embedDim: Int, numHeads: Int, dropout: Double = 0.0, bias: Boolean = true, addBiasKv: Boolean = false,
    addZeroAttn: Boolean = false, kdim: Int = embedDim, vdim: Int = embedDim, batchFirst: Boolean = false,
): MultiheadAttention = placed(
    MultiheadAttention(
        embedDim, numHeads,
        dev.kindling.nn.MultiheadAttention.Options().dropout(dropout).bias(bias).addBiasKv(addBiasKv).addZeroAttn(addZeroAttn)
            .kdim(kdim).vdim(vdim).batchFirst(batchFirst),
    ),
)

/** A transformer encoder layer (self-attention and a feed-forward block), post-norm unless [normFirst]. */
fun transformerEncoderLayer(
    dModel: Int, nhead: Int, dimFeedforward: Int = 2048, dropout: Double = 0.1, activation: String = "relu",
    layerNormEps: Double = 1e-5, batchFirst: Boolean = false, normFirst: Boolean = false,
): TransformerEncoderLayer = placed(
    TransformerEncoderLayer(
        dModel, nhead,
        TransformerLayerOptions().dimFeedforward(dimFeedforward).dropout(dropout).activation(activation)
            .layerNormEps(layerNormEps).batchFirst(batchFirst).normFirst(normFirst),
    ),
)
