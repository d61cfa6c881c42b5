package dev.kindling.dsl

import dev.kindling.Random
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
