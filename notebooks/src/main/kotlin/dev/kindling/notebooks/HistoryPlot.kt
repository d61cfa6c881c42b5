package dev.kindling.notebooks

import dev.kindling.dsl.History
import org.jetbrains.kotlinx.jupyter.api.MimeTypedResult
import org.jetbrains.letsPlot.Figure
import org.jetbrains.letsPlot.facet.facetWrap
import org.jetbrains.letsPlot.geom.geomLine
import org.jetbrains.letsPlot.geom.geomPoint
import org.jetbrains.letsPlot.ggsize
import org.jetbrains.letsPlot.label.labs
import org.jetbrains.letsPlot.letsPlot

/**
 * Training curves of a [History]: one panel per quantity (loss, then each metric), the training value
 * and its `val_` counterpart as two coloured lines over the epochs. The learning rate is left out.
 */
object HistoryPlot {
    /** The lets-plot figure; [History] renders as this in a notebook. */
    fun figure(history: History): Figure {
        val epoch = ArrayList<Int>()
        val value = ArrayList<Double>()
        val split = ArrayList<String>()
        val panel = ArrayList<String>()
        for (key in history.keys) {
            if (key == "lr") continue
            val base = key.removePrefix("val_")
            history[key].forEachIndexed { i, v ->
                if (v.isFinite()) {
                    epoch += i + 1
                    value += v
                    split += if (key.startsWith("val_")) "validation" else "training"
                    panel += base
                }
            }
        }
        val data = mapOf("epoch" to epoch, "value" to value, "data" to split, "quantity" to panel)
        return letsPlot(data) { x = "epoch"; y = "value"; color = "data" } +
            geomLine() + geomPoint(size = 3) +
            facetWrap(facets = "quantity", scales = "free_y") +
            labs(title = "training history (${history.size} epochs)", x = "epoch", y = "") +
            ggsize(720, 300)
    }

    /** The figure as a static SVG image (see [Plots]). */
    fun render(history: History): MimeTypedResult = Plots.result(figure(history), "kindling-history")
}
