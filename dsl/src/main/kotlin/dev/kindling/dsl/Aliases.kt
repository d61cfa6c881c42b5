@file:Suppress("unused")

package dev.kindling.dsl

/*
 * The Java types a Kotlin program touches, re-exported so that `import dev.kindling.dsl.*` is the only
 * import a model needs. Each alias is the Java class itself: constructors, members and `is` checks work
 * through it.
 */

// ---------------------------------------------------------------- tensors

typealias Tensor = dev.kindling.autograd.Tensor
typealias DType = dev.kindling.tensor.DType
typealias Device = dev.kindling.tensor.Device
typealias GradcheckError = dev.kindling.autograd.GradcheckError

// ---------------------------------------------------------------- modules and layers

/** The base of every layer and model (a star import of this package wins over `java.lang.Module`). */
typealias Module = dev.kindling.nn.Module
typealias Sequential = dev.kindling.nn.Sequential
typealias ModuleList = dev.kindling.nn.ModuleList
typealias ModuleDict = dev.kindling.nn.ModuleDict
typealias Linear = dev.kindling.nn.Linear
typealias Bilinear = dev.kindling.nn.Bilinear
typealias BatchNorm1d = dev.kindling.nn.BatchNorm1d
typealias LayerNorm = dev.kindling.nn.LayerNorm
typealias Dropout = dev.kindling.nn.Dropout
typealias Embedding = dev.kindling.nn.Embedding
typealias Flatten = dev.kindling.nn.Flatten
typealias Unflatten = dev.kindling.nn.Unflatten
typealias Identity = dev.kindling.nn.Identity
typealias Conv1d = dev.kindling.nn.Conv1d
typealias Conv2d = dev.kindling.nn.Conv2d
typealias ConvTranspose2d = dev.kindling.nn.ConvTranspose2d
typealias MaxPool1d = dev.kindling.nn.MaxPool1d
typealias MaxPool2d = dev.kindling.nn.MaxPool2d
typealias AvgPool2d = dev.kindling.nn.AvgPool2d
typealias AdaptiveAvgPool2d = dev.kindling.nn.AdaptiveAvgPool2d
typealias BatchNorm2d = dev.kindling.nn.BatchNorm2d
typealias Dropout2d = dev.kindling.nn.Dropout2d
typealias Upsample = dev.kindling.nn.Upsample
typealias RNN = dev.kindling.nn.RNN
typealias LSTM = dev.kindling.nn.LSTM
typealias GRU = dev.kindling.nn.GRU
typealias RNNCell = dev.kindling.nn.RNNCell
typealias LSTMCell = dev.kindling.nn.LSTMCell
typealias GRUCell = dev.kindling.nn.GRUCell
typealias RecurrentState = dev.kindling.nn.RecurrentState
typealias RecurrentOutput = dev.kindling.nn.RecurrentOutput
typealias MultiheadAttention = dev.kindling.nn.MultiheadAttention
typealias AttentionOutput = dev.kindling.nn.AttentionOutput
typealias TransformerEncoderLayer = dev.kindling.nn.TransformerEncoderLayer
typealias TransformerDecoderLayer = dev.kindling.nn.TransformerDecoderLayer
typealias TransformerLayerOptions = dev.kindling.nn.TransformerLayerOptions
typealias ReLU = dev.kindling.nn.ReLU
typealias LeakyReLU = dev.kindling.nn.LeakyReLU
typealias ELU = dev.kindling.nn.ELU
typealias GELU = dev.kindling.nn.GELU
typealias SiLU = dev.kindling.nn.SiLU
typealias Sigmoid = dev.kindling.nn.Sigmoid
typealias Tanh = dev.kindling.nn.Tanh
typealias Softmax = dev.kindling.nn.Softmax
typealias LogSoftmax = dev.kindling.nn.LogSoftmax
typealias Softplus = dev.kindling.nn.Softplus
typealias Hardtanh = dev.kindling.nn.Hardtanh
typealias PReLU = dev.kindling.nn.PReLU

// ---------------------------------------------------------------- loss modules

typealias Loss = dev.kindling.nn.Loss
typealias CrossEntropyLoss = dev.kindling.nn.CrossEntropyLoss
typealias NLLLoss = dev.kindling.nn.NLLLoss
typealias MSELoss = dev.kindling.nn.MSELoss
typealias L1Loss = dev.kindling.nn.L1Loss
typealias SmoothL1Loss = dev.kindling.nn.SmoothL1Loss
typealias HuberLoss = dev.kindling.nn.HuberLoss
typealias BCELoss = dev.kindling.nn.BCELoss
typealias BCEWithLogitsLoss = dev.kindling.nn.BCEWithLogitsLoss
typealias KLDivLoss = dev.kindling.nn.KLDivLoss

// ---------------------------------------------------------------- optimizers, schedulers, data, io

typealias Optimizer = dev.kindling.optim.Optimizer
typealias SGD = dev.kindling.optim.SGD
typealias Adam = dev.kindling.optim.Adam
typealias AdamW = dev.kindling.optim.AdamW
typealias LRScheduler = dev.kindling.optim.lr.LRScheduler
typealias ReduceLROnPlateau = dev.kindling.optim.lr.ReduceLROnPlateau
typealias Dataset<T> = dev.kindling.data.Dataset<T>
typealias TensorDataset = dev.kindling.data.TensorDataset
typealias DataLoader<T> = dev.kindling.data.DataLoader<T>
typealias Checkpoint = dev.kindling.io.Checkpoint
typealias Safetensors = dev.kindling.io.Safetensors
