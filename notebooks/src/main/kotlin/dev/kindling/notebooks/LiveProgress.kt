package dev.kindling.notebooks

import dev.kindling.dsl.Callback
import dev.kindling.dsl.FitContext
import java.util.Locale

/**
 * The state of a running fit as the notebook shows it: one row per epoch with a progress bar, the batches
 * done, the running mean loss and, once the epoch ends, its logged results. Written by the training
 * thread (a [Callback]), read by the cell's thread, which redraws the display ([NotebookFit]); every read
 * gets a consistent copy.
 */
class LiveProgress : Callback {
    private class Row(val title: String, val steps: Long) {
        var done = 0L
        var lossSum = 0.0
        var results: Map<String, Double> = emptyMap()
        var seconds = 0.0
        var finished = false
    }

    private val rows = ArrayList<Row>()
    private var epochStart = 0L

    /** Bumped on every change, so the reader redraws only when something happened. */
    @Volatile
    var version = 0L
        private set

    @Volatile
    var interruptedNote: String? = null

    @Synchronized
    override fun onEpochBegin(ctx: FitContext) {
        rows += Row("epoch ${ctx.epoch + 1}/${ctx.epochs}", ctx.stepsPerEpoch)
        epochStart = System.nanoTime()
        version++
    }

    @Synchronized
    override fun onBatchEnd(ctx: FitContext) {
        val row = rows.lastOrNull() ?: return
        row.done++
        row.lossSum += ctx.batchLoss
        row.seconds = (System.nanoTime() - epochStart) / 1e9
        version++
    }

    @Synchronized
    override fun onEpochEnd(ctx: FitContext) {
        val row = rows.lastOrNull() ?: return
        row.results = LinkedHashMap(ctx.logs)
        row.finished = true
        version++
    }

    /** The display's HTML now. */
    @Synchronized
    fun html(): String {
        val s = StringBuilder("<div class=\"kindling-progress\"><table style=\"font-family:monospace\">")
        for (r in rows) {
            val max = if (r.steps > 0) r.steps else maxOf(r.done, 1)
            val value = if (r.finished) max else minOf(r.done, max)
            s.append("<tr><td>").append(r.title).append("</td>")
                .append("<td><progress value=\"").append(value).append("\" max=\"").append(max).append("\"></progress></td>")
                .append("<td style=\"text-align:right\">").append(r.done).append(if (r.steps > 0) "/${r.steps}" else "").append("</td>")
                .append("<td>").append(String.format(Locale.ROOT, "%.1fs", r.seconds)).append("</td><td>")
            val shown = if (r.finished) r.results.filterKeys { it != "lr" } else if (r.done > 0) mapOf("loss" to r.lossSum / r.done) else emptyMap()
            s.append(shown.entries.joinToString("  ") { (k, v) -> String.format(Locale.ROOT, "%s %.4f", k, v) })
            s.append("</td></tr>")
        }
        s.append("</table>")
        interruptedNote?.let { s.append("<div><b>").append(TensorHtml.escape(it)).append("</b></div>") }
        return s.append("</div>").toString()
    }
}
