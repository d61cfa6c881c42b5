package dev.kindling.notebooks

import org.jetbrains.kotlinx.jupyter.api.MimeTypedResult
import org.jetbrains.letsPlot.Figure
import org.jetbrains.letsPlot.export.ggsave
import java.nio.file.Files

/**
 * A lets-plot figure as a static image: lets-plot's own SVG export, offered both as `image/svg+xml` and
 * inside `text/html`, so it shows in every Jupyter front end, in GitHub's notebook viewer and in an
 * nbconvert'ed notebook without JavaScript (lets-plot's interactive HTML needs its JS library from the web).
 */
object Plots {
    /** The SVG text of [figure], as lets-plot's `ggsave(figure, "x.svg")` writes it. */
    fun svg(figure: Figure): String {
        val dir = Files.createTempDirectory("kindling-plot")
        try {
            val file = ggsave(figure, "plot.svg", path = dir.toString())
            return Files.readString(java.nio.file.Path.of(file))
        } finally {
            dir.toFile().deleteRecursively()
        }
    }

    /** [figure] as a notebook result; [cssClass] marks the HTML wrapper. */
    fun result(figure: Figure, cssClass: String): MimeTypedResult {
        val svg = svg(figure)
        return MimeTypedResult(mapOf("image/svg+xml" to svg, "text/html" to "<div class=\"$cssClass\">$svg</div>"))
    }
}
