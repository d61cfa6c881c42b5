package dev.kindling.notebooks

import dev.kindling.autograd.AnomalyError
import org.jetbrains.kotlinx.jupyter.api.CodeCell

/**
 * An [AnomalyError] as HTML: the failing backward op, the message, and the notebook line whose forward op
 * recorded it, shown in its cell's code. The kernel compiles cell `N` into a class `Line_N_jupyter` from a
 * file `Line_N.jupyter.kts` (N counts every snippet the kernel ran), so the error's forward site names the
 * cell and line.
 */
object AnomalyHtml {
    private val CELL_FRAME = Regex("""Line_(\d+)\.jupyter\.kts:(\d+)""")
    private const val CONTEXT = 2

    /** Where in the notebook a stack frame points: the cell's snippet number and the 1-based line. */
    data class CellLine(val snippet: Int, val line: Int)

    fun cellLine(frame: String?): CellLine? =
        frame?.let { CELL_FRAME.find(it) }?.let { CellLine(it.groupValues[1].toInt(), it.groupValues[2].toInt()) }

    /** The HTML for [error]; [cells] are the notebook's cells, to quote the code from. */
    fun render(error: AnomalyError, cells: Collection<CodeCell>): String {
        val s = StringBuilder("<div class=\"kindling-anomaly\" style=\"border-left:4px solid #c33;padding:4px 8px\">")
        s.append("<div><b>AnomalyError</b> in <code>").append(TensorHtml.escape(error.op())).append("</code></div>")
        s.append("<pre style=\"white-space:pre-wrap\">").append(TensorHtml.escape(error.message ?: "")).append("</pre>")
        val at = cellLine(error.forwardSite())
        val cell = at?.let { a -> cells.firstOrNull { it.internalId == a.snippet } ?: cells.firstOrNull { it.id == a.snippet } }
        if (at != null && cell != null) {
            s.append("<div>The forward op that recorded <code>").append(TensorHtml.escape(error.op()))
                .append("</code> ran at line ").append(at.line).append(" of cell [").append(cell.id).append("]:</div>")
            s.append(quote(cell.code, at.line))
        } else if (error.forwardSite() != null) {
            s.append("<div>The forward op ran at <code>").append(TensorHtml.escape(error.forwardSite()!!)).append("</code></div>")
        }
        return s.append("</div>").toString()
    }

    /** Lines around [line] of [code], numbered, that line highlighted. */
    private fun quote(code: String, line: Int): String {
        val lines = code.lines()
        val s = StringBuilder("<pre class=\"kindling-anomaly-source\">")
        for (i in maxOf(1, line - CONTEXT)..minOf(lines.size, line + CONTEXT)) {
            val text = String.format("%4d  %s", i, lines[i - 1])
            if (i == line) {
                s.append("<span style=\"background:#fdd;font-weight:bold\">").append(TensorHtml.escape(text)).append("</span>\n")
            } else {
                s.append(TensorHtml.escape(text)).append('\n')
            }
        }
        return s.append("</pre>").toString()
    }
}
