package dev.kindling.dsl

import dev.kindling.optim.lr.ReduceLROnPlateau
import java.nio.file.Path

/**
 * The state of a [fit] run, handed to every [Callback]. [epoch] and [batch] count from 0; [logs] holds the
 * current epoch's results (filled before [Callback.onEpochEnd], which may add to them); [history] the
 * finished epochs; [stepsPerEpoch] the batches per epoch (0 when the data does not say). Setting
 * [stopTraining] ends the run: after the current batch when set during an epoch, else after the epoch.
 */
class FitContext internal constructor(
    val model: Module,
    val optimizer: Optimizer,
    val epochs: Int,
    val stepsPerEpoch: Long,
) {
    var epoch: Int = 0
        internal set
    var batch: Int = 0
        internal set

    /** The last batch's loss. */
    var batchLoss: Double = Double.NaN
        internal set
    val logs: MutableMap<String, Double> = LinkedHashMap()
    internal val rows = ArrayList<Map<String, Double>>()
    val history: History get() = History(rows)
    var stopTraining: Boolean = false
}

/**
 * Hooks into [fit]'s loop, called in the order the callbacks were given. Override what you need.
 */
interface Callback {
    /** Once, before the first epoch. */
    fun onTrainBegin(ctx: FitContext) {}

    /** At the start of each epoch, before any batch. */
    fun onEpochBegin(ctx: FitContext) {}

    /** After `backward()`, before `optimizer.step()`: the place to clip or inspect gradients. */
    fun onBeforeStep(ctx: FitContext) {}

    /** After each batch's optimizer step; [FitContext.batchLoss] holds its loss. */
    fun onBatchEnd(ctx: FitContext) {}

    /** After the epoch's training and validation, with [FitContext.logs] filled; may add to them or stop training. */
    fun onEpochEnd(ctx: FitContext) {}

    /** Once, after the last epoch (also when stopped early). */
    fun onTrainEnd(ctx: FitContext) {}
}

/** A callback running [action] at the end of every epoch: `onEpochEnd { println(it.logs) }`. */
fun onEpochEnd(action: (FitContext) -> Unit): Callback = object : Callback {
    override fun onEpochEnd(ctx: FitContext) = action(ctx)
}

/**
 * Stops training when [monitor] has not improved by more than [minDelta] for [patience] epochs in a row
 * (Keras' and Lightning's rule: with patience 3, the third epoch without improvement is the last). [mode]
 * "min", "max", or "auto" (max for names containing "acc", else min). With [restoreBestWeights] the model
 * gets the weights of its best epoch back when training ends.
 */
fun earlyStopping(
    monitor: String = "val_loss",
    patience: Int = 3,
    minDelta: Double = 0.0,
    mode: String = "auto",
    restoreBestWeights: Boolean = false,
): Callback = EarlyStopping(monitor, patience, minDelta, Watch.maximizes("earlyStopping", monitor, mode), restoreBestWeights)

/**
 * Saves the model's state dict as safetensors at [path] whenever [monitor] improves ([mode] as in
 * [earlyStopping]), or after every epoch when not [saveBestOnly]. The file is written atomically, loads
 * with `model.load(path)` (or PyTorch's `load_file`), and its metadata records the epoch and the value.
 */
fun modelCheckpoint(path: Path, monitor: String = "val_loss", mode: String = "auto", saveBestOnly: Boolean = true): Callback =
    ModelCheckpoint(path, monitor, Watch.maximizes("modelCheckpoint", monitor, mode), saveBestOnly)

/**
 * Steps [scheduler] after every epoch ([interval] "epoch") or every batch ("batch"). A [ReduceLROnPlateau]
 * is stepped with the epoch's value of [monitor].
 */
fun lrScheduler(scheduler: LRScheduler, interval: String = "epoch", monitor: String = "val_loss"): Callback {
    val perBatch = choice("lrScheduler", "interval", interval, mapOf("epoch" to false, "batch" to true))
    if (perBatch && scheduler is ReduceLROnPlateau) {
        throw IllegalArgumentException("lrScheduler: ReduceLROnPlateau watches an epoch metric; use interval = \"epoch\"")
    }
    return object : Callback {
        override fun onBatchEnd(ctx: FitContext) {
            if (perBatch) scheduler.step()
        }

        override fun onEpochEnd(ctx: FitContext) {
            if (perBatch) return
            if (scheduler is ReduceLROnPlateau) scheduler.step(Watch.value("lrScheduler", monitor, ctx)) else scheduler.step()
        }
    }
}

/** Clips the gradients' joint [normType]-norm to [maxNorm] before every optimizer step. */
fun gradientClipping(maxNorm: Double, normType: Double = 2.0): Callback = object : Callback {
    override fun onBeforeStep(ctx: FitContext) {
        clipGradNorm(ctx.model.parameters(), maxNorm, normType)
    }
}

/** Clamps every gradient element into [-clipValue, clipValue] before every optimizer step. */
fun gradientValueClipping(clipValue: Double): Callback = object : Callback {
    override fun onBeforeStep(ctx: FitContext) {
        clipGradValue(ctx.model.parameters(), clipValue)
    }
}

/** Reading a monitored value and deciding what counts as better. */
internal object Watch {
    fun maximizes(op: String, monitor: String, mode: String): Boolean =
        choice(op, "mode", mode, mapOf("min" to false, "max" to true, "auto" to monitor.contains("acc")))

    fun value(op: String, monitor: String, ctx: FitContext): Double = ctx.logs[monitor]
        ?: throw IllegalStateException(
            "$op: no \"$monitor\" in epoch ${ctx.epoch}'s results ${ctx.logs.keys}; validate(...) adds val_loss and " +
                "val_<metric>, or monitor one of these",
        )

    fun improved(value: Double, best: Double, maximize: Boolean, minDelta: Double = 0.0): Boolean =
        if (maximize) value > best + minDelta else value < best - minDelta
}

private class EarlyStopping(
    private val monitor: String,
    private val patience: Int,
    private val minDelta: Double,
    private val maximize: Boolean,
    private val restoreBestWeights: Boolean,
) : Callback {
    private var best = Double.NaN
    private var wait = 0
    private var bestState: Map<String, Tensor>? = null

    init {
        require(patience >= 0) { "earlyStopping: patience must be >= 0, got $patience" }
        require(minDelta >= 0) { "earlyStopping: minDelta must be >= 0, got $minDelta" }
    }

    override fun onTrainBegin(ctx: FitContext) {
        best = if (maximize) Double.NEGATIVE_INFINITY else Double.POSITIVE_INFINITY
        wait = 0
        bestState = null
    }

    override fun onEpochEnd(ctx: FitContext) {
        val value = Watch.value("earlyStopping", monitor, ctx)
        if (Watch.improved(value, best, maximize, minDelta)) {
            best = value
            wait = 0
            // A copy, not the live tensors: training keeps changing those.
            if (restoreBestWeights) bestState = noGrad { ctx.model.stateDict().mapValues { it.value.clone() } }
        } else if (++wait >= patience) {
            ctx.stopTraining = true
        }
    }

    override fun onTrainEnd(ctx: FitContext) {
        bestState?.let { ctx.model.loadStateDict(it, true) }
    }
}

private class ModelCheckpoint(
    private val path: Path,
    private val monitor: String,
    private val maximize: Boolean,
    private val saveBestOnly: Boolean,
) : Callback {
    private var best = Double.NaN

    override fun onTrainBegin(ctx: FitContext) {
        best = if (maximize) Double.NEGATIVE_INFINITY else Double.POSITIVE_INFINITY
    }

    override fun onEpochEnd(ctx: FitContext) {
        val value = if (saveBestOnly) Watch.value("modelCheckpoint", monitor, ctx) else ctx.logs[monitor] ?: Double.NaN
        if (saveBestOnly && !Watch.improved(value, best, maximize)) return
        if (saveBestOnly) best = value
        val metadata = mapOf("epoch" to ctx.epoch.toString(), monitor to value.toString())
        Safetensors.save(ctx.model.stateDict(), path, metadata)
    }
}
