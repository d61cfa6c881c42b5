package dev.kindling.dsl

import dev.kindling.tensor.NDArray

/*
 * Tensor factories with PyTorch's keyword arguments. Every one takes `dtype`, `device` (default: the
 * [onDevice] scope's, else the CPU) and `requiresGrad`, and puts the shape first as PyTorch does:
 * `randn(2, 3, requiresGrad = true)`.
 *
 * Data given as Kotlin values keeps its Kotlin type's width: Float -> float32, Double -> float64,
 * Int and Long -> int64 (as Python ints), Boolean -> bool. Pass `dtype` to convert.
 */

/**
 * A 1-D float32 tensor of [values]: `tensor(1f, 2f, 3f)` is `tensor([1., 2., 3.])`. For a 0-d tensor use [scalar].
 */
fun tensor(vararg values: Float, dtype: DType? = null, device: Device? = null, requiresGrad: Boolean = false): Tensor =
    finish(Tensor.of(values), dtype, device, requiresGrad)

/** A 1-D float64 tensor of [values] (Kotlin's Double is 64-bit; write `1f` or pass `dtype` for float32). */
fun tensor(vararg values: Double, dtype: DType? = null, device: Device? = null, requiresGrad: Boolean = false): Tensor =
    finish(Tensor.of(values), dtype, device, requiresGrad)

/** A 1-D int64 tensor of [values], as `torch.tensor([1, 2, 3])`. */
fun tensor(vararg values: Int, dtype: DType? = null, device: Device? = null, requiresGrad: Boolean = false): Tensor =
    finish(Tensor.of(LongArray(values.size) { values[it].toLong() }), dtype, device, requiresGrad)

/** A 1-D int64 tensor of [values]. */
fun tensor(vararg values: Long, dtype: DType? = null, device: Device? = null, requiresGrad: Boolean = false): Tensor =
    finish(Tensor.of(values), dtype, device, requiresGrad)

/** A 1-D bool tensor of [values], e.g. a mask. */
fun tensor(vararg values: Boolean, dtype: DType? = null, device: Device? = null, requiresGrad: Boolean = false): Tensor =
    finish(Tensor.of(values), dtype, device, requiresGrad)

/**
 * A tensor from nested lists (or arrays, or primitive arrays at the innermost level), its shape read from
 * the nesting: `tensor(listOf(listOf(1f, 2f), listOf(3f, 4f)))` is [2, 2]. The dtype is the widest of the
 * elements' types (bool < int64 < float32 < float64) unless [dtype] is given; an empty list is float32 [0].
 * Ragged input is an error naming the first place where a length differs:
 * `tensor: ragged nested data: data[1] has 3 elements, data[0] has 2`.
 */
fun tensor(data: List<*>, dtype: DType? = null, device: Device? = null, requiresGrad: Boolean = false): Tensor =
    finish(NestedData.parse(data), dtype, device, requiresGrad)

/** As [tensor] for nested lists, from nested arrays: `tensor(arrayOf(floatArrayOf(1f, 2f), floatArrayOf(3f, 4f)))`. */
fun tensor(data: Array<*>, dtype: DType? = null, device: Device? = null, requiresGrad: Boolean = false): Tensor =
    finish(NestedData.parse(data), dtype, device, requiresGrad)

/** A 0-d tensor holding [value]; its dtype follows the value's type (Float -> float32, Double -> float64, Int/Long -> int64). */
fun scalar(value: Number, dtype: DType? = null, device: Device? = null, requiresGrad: Boolean = false): Tensor {
    val t = when (value) {
        is Float -> Tensor.scalar(value.toDouble(), DType.FLOAT32)
        is Int, is Long, is Short, is Byte -> Tensor.of(longArrayOf(value.toLong())).reshape()
        else -> Tensor.scalar(value.toDouble(), DType.FLOAT64)
    }
    return finish(t, dtype, device, requiresGrad)
}

/** Zeros of [shape]: `zeros(2, 3)`. */
fun zeros(vararg shape: Int, dtype: DType = DType.FLOAT32, device: Device? = null, requiresGrad: Boolean = false): Tensor =
    filled(0.0, shape, dtype, device, requiresGrad)

/** Ones of [shape]. */
fun ones(vararg shape: Int, dtype: DType = DType.FLOAT32, device: Device? = null, requiresGrad: Boolean = false): Tensor =
    filled(1.0, shape, dtype, device, requiresGrad)

/** [shape] filled with [value] (float32 unless [dtype] says otherwise): `full(7.5, 2, 3)`. */
fun full(value: Number, vararg shape: Int, dtype: DType = DType.FLOAT32, device: Device? = null, requiresGrad: Boolean = false): Tensor =
    filled(value.toDouble(), shape, dtype, device, requiresGrad)

/** Uniform samples in [0, 1) from the global generator ([seed] makes them reproducible). */
fun rand(vararg shape: Int, dtype: DType = DType.FLOAT32, device: Device? = null, requiresGrad: Boolean = false): Tensor =
    finish(Tensor.rand(dtype, *shape), null, device, requiresGrad)

/** Standard normal samples from the global generator: `randn(2, 3, requiresGrad = true)`. */
fun randn(vararg shape: Int, dtype: DType = DType.FLOAT32, device: Device? = null, requiresGrad: Boolean = false): Tensor =
    finish(Tensor.randn(dtype, *shape), null, device, requiresGrad)

/** Uniform integers in [low, high) as int64: `randint(0, 10, 5)` is five digits. */
fun randint(low: Long, high: Long, vararg shape: Int, dtype: DType = DType.INT64, device: Device? = null): Tensor =
    finish(Tensor.randint(low, high, *shape), dtype, device, false)

/** 0, 1, ..., end - 1 as int64, as `torch.arange(5)`. */
fun arange(end: Long, dtype: DType = DType.INT64, device: Device? = null, requiresGrad: Boolean = false): Tensor =
    arange(0L, end, 1L, dtype, device, requiresGrad)

/** start, start + step, ... below end as int64 (step may be negative). */
fun arange(start: Long, end: Long, step: Long = 1, dtype: DType = DType.INT64, device: Device? = null, requiresGrad: Boolean = false): Tensor =
    finish(Tensor.wrap(NDArray.arange(start.toDouble(), end.toDouble(), step.toDouble(), DType.INT64)), dtype, device, requiresGrad)

/** start, start + step, ... below end as float32, as `torch.arange(0.0, 1.0, 0.25)`. */
fun arange(
    start: Double,
    end: Double,
    step: Double = 1.0,
    dtype: DType = DType.FLOAT32,
    device: Device? = null,
    requiresGrad: Boolean = false,
): Tensor =
    finish(Tensor.arange(start, end, step, dtype), null, device, requiresGrad)

/** [steps] evenly spaced values from [start] to [end], both included. */
fun linspace(
    start: Double,
    end: Double,
    steps: Int,
    dtype: DType = DType.FLOAT32,
    device: Device? = null,
    requiresGrad: Boolean = false,
): Tensor =
    finish(Tensor.linspace(start, end, steps), dtype, device, requiresGrad)

/** The [n] x [m] identity (ones on the diagonal). */
fun eye(n: Int, m: Int = n, dtype: DType = DType.FLOAT32, device: Device? = null, requiresGrad: Boolean = false): Tensor =
    finish(Tensor.eye(n, m, dtype), null, device, requiresGrad)

/** Zeros with [like]'s shape, dtype and device (each overridable). */
fun zerosLike(like: Tensor, dtype: DType = like.dtype(), device: Device = like.device(), requiresGrad: Boolean = false): Tensor =
    filled(0.0, like.shape(), dtype, device, requiresGrad)

/** Ones with [like]'s shape, dtype and device. */
fun onesLike(like: Tensor, dtype: DType = like.dtype(), device: Device = like.device(), requiresGrad: Boolean = false): Tensor =
    filled(1.0, like.shape(), dtype, device, requiresGrad)

/** [value] in [like]'s shape, dtype and device. */
fun fullLike(like: Tensor, value: Number, dtype: DType = like.dtype(), device: Device = like.device(), requiresGrad: Boolean = false): Tensor =
    filled(value.toDouble(), like.shape(), dtype, device, requiresGrad)

/** Uniform samples in [0, 1) with [like]'s shape, dtype and device. */
fun randLike(like: Tensor, dtype: DType = like.dtype(), device: Device = like.device(), requiresGrad: Boolean = false): Tensor =
    finish(Tensor.rand(dtype, *like.shape()), null, device, requiresGrad)

/** Standard normal samples with [like]'s shape, dtype and device. */
fun randnLike(like: Tensor, dtype: DType = like.dtype(), device: Device = like.device(), requiresGrad: Boolean = false): Tensor =
    finish(Tensor.randn(dtype, *like.shape()), null, device, requiresGrad)

/** Allocates directly on the device: no host copy for constant tensors. */
private fun filled(value: Double, shape: IntArray, dtype: DType, device: Device?, requiresGrad: Boolean): Tensor {
    val t = Tensor.wrap(NDArray.full(value, dtype, device ?: defaultDevice, *shape))
    return if (requiresGrad) t.requiresGrad_(true) else t
}

/** Converts a freshly built host tensor to the requested dtype and device, then marks it as a leaf wanting gradients. */
private fun finish(t: Tensor, dtype: DType?, device: Device?, requiresGrad: Boolean): Tensor {
    var out = if (dtype != null) t.to(dtype) else t
    out = out.to(device ?: defaultDevice)
    return if (requiresGrad) out.requiresGrad_(true) else out
}
