package dev.kindling.dsl

import dev.kindling.Random
import dev.kindling.amp.Autocast
import dev.kindling.autograd.Anomaly
import dev.kindling.autograd.GradMode

/**
 * Runs [block] without recording the graph (PyTorch's `with torch.no_grad():`) and returns its value;
 * the previous mode is restored afterwards, even on an exception. Grad mode is per thread.
 * ```
 * val accuracy = noGrad { (model(x).argmax(1) eq y).to(DType.FLOAT32).mean().item() }
 * ```
 */
inline fun <T> noGrad(block: () -> T): T {
    val scope = GradMode.noGrad()
    try {
        return block()
    } finally {
        scope.close()
    }
}

/** Records again inside a [noGrad] region, for [block] only. */
inline fun <T> enableGrad(block: () -> T): T {
    val scope = GradMode.enableGrad()
    try {
        return block()
    } finally {
        scope.close()
    }
}

/**
 * Runs [block] with anomaly detection: every op records the user line that called it, and a NaN or Inf
 * produced in backward stops it with an `AnomalyError` naming the forward op and that line. Slow: for
 * debugging.
 */
inline fun <T> withAnomalyDetection(block: () -> T): T {
    val scope = Anomaly.detect()
    try {
        return block()
    } finally {
        scope.close()
    }
}

/** Seeds the global generator (PyTorch's `torch.manual_seed`): initialisation, dropout, shuffling and `rand*` become reproducible. */
fun seed(value: Long) = Random.manualSeed(value)

/**
 * Runs [block] under automatic mixed precision on [device]'s type (PyTorch's `with torch.autocast(device_type, dtype):`):
 * matrix products, convolutions, recurrent layers and attention compute in [dtype] (default float16 on CUDA,
 * bfloat16 on the CPU, as PyTorch), reductions, softmax and losses in float32. With `enabled = false` it
 * turns autocast off for [block]. Scopes are per thread and nest; the previous state comes back afterwards.
 * ```
 * val loss = autocast(Device.cuda(0)) { crossEntropy(model(x), y) }   // float16 matmuls, float32 loss
 * scaler.scale(loss).backward()
 * ```
 */
inline fun <T> autocast(device: Device, dtype: DType? = null, enabled: Boolean = true, block: () -> T): T {
    val type = device.type()
    val scope = when {
        !enabled -> Autocast.disable(type)
        dtype == null -> Autocast.enable(type)
        else -> Autocast.enable(type, dtype)
    }
    try {
        return block()
    } finally {
        scope.close()
    }
}

/** [autocast] by PyTorch's device-type name, `"cuda"` or `"cpu"`: `autocast("cuda") { ... }`. */
inline fun <T> autocast(deviceType: String, dtype: DType? = null, enabled: Boolean = true, block: () -> T): T {
    val device = when (deviceType) {
        "cuda" -> Device.cuda(0)
        "cpu" -> Device.CPU
        else -> throw IllegalArgumentException("autocast: deviceType must be \"cuda\" or \"cpu\", got \"$deviceType\"")
    }
    return autocast(device, dtype, enabled, block)
}
