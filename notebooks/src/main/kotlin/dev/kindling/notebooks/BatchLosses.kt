package dev.kindling.notebooks

import dev.kindling.dsl.Callback
import dev.kindling.dsl.FitContext
import org.jetbrains.kotlinx.jupyter.api.MimeTypedResult
import org.jetbrains.letsPlot.Figure
import org.jetbrains.letsPlot.geom.geomLine
import org.jetbrains.letsPlot.ggsize
import org.jetbrains.letsPlot.label.labs
import org.jetbrains.letsPlot.letsPlot

/**
 * A [Callback] keeping every batch's loss, for a loss curve finer than [dev.kindling.dsl.History]'s one
 * point per epoch; it renders as that curve (each batch, and a moving average over [window] batches).
 * ```
 * val losses = BatchLosses()
 * model.fit(train, epochs = 1, optimizer = opt, loss = ::crossEntropy) { callbacks(losses) }
 * losses        // the plot
 * ```
 */
class BatchLosses(val window: Int = 20) : Callback {
    private val recorded = ArrayList<Double>()

    init {
        require(window >= 1) { "BatchLosses: window must be >= 1, got $window" }
    }

    /** The losses so far, one per batch across every fit this callback joined. */
    val values: List<Double> get() = recorded.toList()

    override fun onBatchEnd(ctx: FitContext) {
        recorded += ctx.batchLoss
    }

    /** The mean of the last [window] losses at each batch (fewer at the start). */
    fun movingAverage(): List<Double> {
        val out = ArrayList<Double>(recorded.size)
        var sum = 0.0
        for (i in recorded.indices) {
            sum += recorded[i]
            if (i >= window) sum -= recorded[i - window]
            out += sum / minOf(i + 1, window)
        }
        return out
    }

    /** The lets-plot figure of the curve. */
    fun figure(): Figure {
        val n = recorded.size
        val batch = (1..n).toList() + (1..n).toList()
        val series = List(n) { "batch" } + List(n) { "mean of $window" }
        val data = mapOf("batch" to batch, "loss" to recorded + movingAverage(), "series" to series)
        return letsPlot(data) { x = "batch"; y = "loss"; color = "series" } + geomLine() +
            labs(title = "training loss per batch ($n batches)", x = "batch", y = "loss") + ggsize(720, 300)
    }

    fun render(): MimeTypedResult = Plots.result(figure(), "kindling-batch-losses")

    override fun toString(): String = "BatchLosses(${recorded.size} batches, last ${recorded.lastOrNull()})"
}
