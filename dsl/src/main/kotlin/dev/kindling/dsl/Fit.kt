package dev.kindling.dsl

import dev.kindling.util.ProgressBar
import java.util.Collections
import java.util.WeakHashMap

/** What `fit { }` configures besides the data, optimizer and loss. */
@KindlingDsl
class FitConfig internal constructor() {
    internal var validation: Iterable<Array<Tensor>>? = null
    internal val metrics = ArrayList<Metric>()
    internal val callbacks = ArrayList<Callback>()

    /** Whether to report progress (a [ProgressBar] per epoch). */
    var progress: Boolean = true

    /** Where the progress goes. */
    var progressOutput: Appendable = System.out

    /** Redraw one line in place (true) or print a line per epoch (false); null detects a console. */
    var terminal: Boolean? = null

    /** Evaluates on [data] after every epoch: `val_loss` and `val_<metric>` join the history. */
    fun validate(data: Iterable<Array<Tensor>>) {
        validation = data
    }

    /** Metrics measured on the training batches and, with [validate], on the validation data. */
    fun metrics(vararg metrics: Metric) {
        this.metrics += metrics
    }

    /** Callbacks, run in this order (after any added before). */
    fun callbacks(vararg callbacks: Callback) {
        this.callbacks += callbacks
    }

    /** Runs [action] at the end of every epoch, after the other callbacks given so far. */
    fun onEpochEnd(action: (FitContext) -> Unit) {
        callbacks += dev.kindling.dsl.onEpochEnd(action)
    }
}

/**
 * Trains this model for [epochs] passes over [train], whose batches are `[inputs, targets]` (a
 * `DataLoader` over a `TensorDataset` yields exactly that), and returns the per-epoch [History].
 * Each batch: `optimizer.zeroGrad()`, `loss(model(x), y).backward()`, `optimizer.step()`. Batches are moved
 * to the device of the model's parameters. The model trains in training mode and gets its previous mode
 * back at the end. `loss` is averaged over samples, assuming a mean-reduced loss.
 * ```
 * val history = model.fit(trainLoader, epochs = 3, optimizer = adam(model.parameters(), lr = 1e-3), loss = ::crossEntropy) {
 *     validate(testLoader)
 *     metrics(accuracy())
 *     callbacks(earlyStopping(patience = 2), modelCheckpoint(Path.of("best.safetensors")))
 *     onEpochEnd { println(it.logs) }
 * }
 * ```
 * Progress shows as one refreshing line per epoch on a terminal and as one summary line per epoch
 * otherwise (`progress = false` turns it off). [evaluate] afterwards defaults to this loss and these metrics.
 * A callback setting [FitContext.stopTraining] during an epoch ends training after that batch (the
 * partial epoch is the last row), as Keras does. [FitEnvironment.current] may add to the configuration
 * and run the loop (a notebook shows live progress and stops cleanly on the kernel's interrupt).
 */
fun Module.fit(
    train: Iterable<Array<Tensor>>,
    epochs: Int,
    optimizer: Optimizer,
    loss: (Tensor, Tensor) -> Tensor,
    configure: FitConfig.() -> Unit = {},
): History {
    require(epochs >= 0) { "fit: epochs must be >= 0, got $epochs" }
    val environment = FitEnvironment.current
    val config = FitConfig().apply { environment.configure(this) }.apply(configure)
    lastFit[this] = FitSettings(loss, config.metrics.toList())
    val ctx = FitContext(this, optimizer, epochs, stepsIn(train))
    return environment.run { fitLoop(train, loss, config, ctx) }
}

private fun Module.fitLoop(
    train: Iterable<Array<Tensor>>,
    loss: (Tensor, Tensor) -> Tensor,
    config: FitConfig,
    ctx: FitContext,
): History {
    val modes = trainingModes()
    try {
        config.callbacks.forEach { it.onTrainBegin(ctx) }
        for (epoch in 0 until ctx.epochs) {
            ctx.epoch = epoch
            ctx.logs.clear()
            val lr = ctx.optimizer.paramGroups().firstOrNull()?.lr() ?: Double.NaN
            config.callbacks.forEach { it.onEpochBegin(ctx) }
            val bar = if (config.progress) progressBar(config, "epoch ${epoch + 1}/${ctx.epochs}", ctx.stepsPerEpoch) else null
            trainEpoch(train, loss, config, ctx, bar)
            if (ctx.stopTraining) {
                // Stopped inside the epoch (a callback or an interrupt): keep what ran, skip validation.
                bar?.finish(emptyMap())
                ctx.rows += LinkedHashMap(ctx.logs)
                break
            }
            config.validation?.let { data ->
                evaluate(data, loss, config.metrics).forEach { (k, v) -> ctx.logs["val_$k"] = v }
            }
            ctx.logs["lr"] = lr
            bar?.finish(ctx.logs.filterKeys { it.startsWith("val_") })
            config.callbacks.forEach { it.onEpochEnd(ctx) }
            ctx.rows += LinkedHashMap(ctx.logs)
            if (ctx.stopTraining) break
        }
        config.callbacks.forEach { it.onTrainEnd(ctx) }
    } finally {
        restore(modes)
    }
    return History(ctx.rows)
}

private fun Module.trainEpoch(
    data: Iterable<Array<Tensor>>,
    loss: (Tensor, Tensor) -> Tensor,
    config: FitConfig,
    ctx: FitContext,
    bar: ProgressBar?,
) {
    train()
    val optimizer = ctx.optimizer
    config.metrics.forEach { it.reset() }
    val device = parameters().firstOrNull()?.device()
    var lossSum = 0.0
    var samples = 0L
    for ((b, batch) in data.withIndex()) {
        val (x, y) = inputsAndTargets("fit", batch, device)
        ctx.batch = b
        optimizer.zeroGrad()
        val output = forward(x)
        val l = loss(output, y)
        l.backward()
        config.callbacks.forEach { it.onBeforeStep(ctx) }
        optimizer.step()
        val n = if (x.dim() > 0) x.size(0).toLong() else 1L
        ctx.batchLoss = l.item()
        lossSum += ctx.batchLoss * n
        samples += n
        noGrad { config.metrics.forEach { it.update(output.detach(), y) } }
        config.callbacks.forEach { it.onBatchEnd(ctx) }
        bar?.step(n, running(lossSum / samples, config.metrics))
        if (ctx.stopTraining) break
    }
    if (samples == 0L) throw IllegalArgumentException("fit: the training data has no batches")
    ctx.logs["loss"] = lossSum / samples
    config.metrics.forEach { ctx.logs[it.name] = it.compute() }
}

private fun running(loss: Double, metrics: List<Metric>): Map<String, Double> {
    val values = LinkedHashMap<String, Double>()
    values["loss"] = loss
    metrics.forEach { values[it.name] = it.compute() }
    return values
}

private fun progressBar(config: FitConfig, title: String, steps: Long): ProgressBar =
    ProgressBar(title, steps, config.progressOutput, config.terminal ?: (System.console() != null), System::nanoTime)

/** Steps per pass when the data knows it (a DataLoader or a collection), else 0 (unknown). */
private fun stepsIn(data: Iterable<*>): Long = when (data) {
    is DataLoader<*> -> data.size().toLong()
    is Collection<*> -> data.size.toLong()
    else -> 0L
}

/** The batch's inputs and targets, on [device] (null: left where they are). */
internal fun inputsAndTargets(op: String, batch: Array<Tensor>, device: Device?): Pair<Tensor, Tensor> {
    if (batch.size != 2) throw IllegalArgumentException("$op: each batch must be [inputs, targets], got ${batch.size} tensors")
    return if (device == null) batch[0] to batch[1] else batch[0].to(device) to batch[1].to(device)
}

/** The loss and metrics of a module's last [fit], which [evaluate] uses by default. */
internal class FitSettings(val loss: (Tensor, Tensor) -> Tensor, val metrics: List<Metric>)

internal val lastFit: MutableMap<Module, FitSettings> = Collections.synchronizedMap(WeakHashMap())
