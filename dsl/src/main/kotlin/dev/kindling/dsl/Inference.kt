package dev.kindling.dsl

/**
 * The model's output on [x] in evaluation mode (dropout off, running statistics) without recording the
 * graph; every submodule's previous mode is restored afterwards.
 */
fun Module.predict(x: Tensor): Tensor = inEvalMode { noGrad { forward(x.to(deviceOrNull() ?: x.device())) } }

/** The outputs for every batch's inputs (`batch[0]`), concatenated along dim 0, as [predict]. */
fun Module.predict(data: Iterable<Array<Tensor>>): Tensor = inEvalMode {
    noGrad {
        val device = deviceOrNull()
        cat(data.map { batch -> forward(if (device == null) batch[0] else batch[0].to(device)) }, 0)
    }
}

/**
 * [loss] (averaged over samples) and [metrics] over [data] in evaluation mode without recording,
 * restoring every submodule's mode afterwards: `{loss=0.31, accuracy=0.91}`. By default the loss and
 * metrics of the model's last [fit]; pass `loss = null` for metrics only.
 */
fun Module.evaluate(
    data: Iterable<Array<Tensor>>,
    loss: ((Tensor, Tensor) -> Tensor)? = lastFit[this]?.loss,
    metrics: List<Metric> = lastFit[this]?.metrics ?: emptyList(),
): Map<String, Double> {
    if (loss == null && metrics.isEmpty()) {
        throw IllegalArgumentException(
            "evaluate: nothing to measure; pass loss and/or metrics, or fit the model first (its loss and metrics are the defaults)",
        )
    }
    return inEvalMode {
        noGrad {
            metrics.forEach { it.reset() }
            val device = deviceOrNull()
            var lossSum = 0.0
            var samples = 0L
            for (batch in data) {
                val (x, y) = inputsAndTargets("evaluate", batch, device)
                val output = forward(x)
                val n = if (x.dim() > 0) x.size(0).toLong() else 1L
                if (loss != null) lossSum += loss(output, y).item() * n
                samples += n
                metrics.forEach { it.update(output, y) }
            }
            val out = LinkedHashMap<String, Double>()
            if (loss != null) out["loss"] = if (samples == 0L) Double.NaN else lossSum / samples
            metrics.forEach { out[it.name] = it.compute() }
            out
        }
    }
}

/**
 * Runs [block] with the model in eval mode (dropout off, BatchNorm on its running statistics), then gives
 * every submodule back its own previous mode: `model.inEvalMode { noGrad { model(x) } }`.
 */
inline fun <T> Module.inEvalMode(block: () -> T): T {
    val modes = trainingModes()
    eval()
    try {
        return block()
    } finally {
        restore(modes)
    }
}

@PublishedApi
internal fun Module.trainingModes(): List<Pair<Module, Boolean>> = modules().map { it to it.isTraining }

/** Parents come before their descendants in [Module.modules], so each later `train(mode)` overrides what an ancestor set. */
@PublishedApi
internal fun restore(modes: List<Pair<Module, Boolean>>) = modes.forEach { (m, training) -> m.train(training) }

private fun Module.deviceOrNull(): Device? = parameters().firstOrNull()?.device()
