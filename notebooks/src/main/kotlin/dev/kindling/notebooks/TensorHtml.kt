package dev.kindling.notebooks

import dev.kindling.autograd.Tensor
import dev.kindling.tensor.DType
import java.util.Locale

/**
 * A tensor as HTML: a header (shape, dtype, device, grad function or `requiresGrad`), the values as a
 * table, and, for a 2-D or image-shaped tensor, the picture beside it ([TensorImage]).
 *
 * Large tensors are summarised as PyTorch prints them: beyond 1000 elements each dim shows its first and
 * last 3 entries around an ellipsis. A matrix is one table; a higher-dimensional tensor shows its first
 * [MAX_SLICES] matrices `[i, j, :, :]`, each headed by its index. Only the shown elements leave the tensor
 * (through `indexSelect`), so a `[60000, 784]` tensor renders as fast as a small one.
 */
object TensorHtml {
    private const val THRESHOLD = 1000
    private const val EDGE = 3
    private const val MAX_SLICES = 4

    /** The HTML for [t]. */
    fun render(t: Tensor): String {
        val s = StringBuilder("<div class=\"kindling-tensor\">")
        s.append("<div class=\"kindling-tensor-header\" style=\"font-family:monospace\">").append(escape(header(t))).append("</div>")
        s.append("<div style=\"display:flex;gap:1em;align-items:flex-start\">")
        s.append(values(t))
        if (TensorImage.isImageShaped(t)) s.append(TensorImage.imgTag(t, maxSide = 256))
        return s.append("</div></div>").toString()
    }

    /** `Tensor [2, 3] float32 cpu gradFn=MulBackward`: what the tensor is, without its values. */
    fun header(t: Tensor): String {
        val grad = when {
            t.gradFn() != null -> " gradFn=${t.gradFn()!!.name()}"
            t.requiresGrad() -> " requiresGrad"
            else -> ""
        }
        return "Tensor ${t.shape().contentToString()} ${t.dtype().name.lowercase(Locale.ROOT)} ${t.device()}$grad"
    }

    private fun values(t: Tensor): String {
        val shown = summarised(t)
        val f = formatter(t.dtype(), shown.values)
        val s = StringBuilder("<div>")
        when (t.dim()) {
            0 -> s.append("<table class=\"kindling-values\"><tr><td>").append(f(shown.values[0])).append("</td></tr></table>")
            1 -> s.append(table(shown, f, rows = 1, cols = shown.indices[0].size, offset = 0, rowLabels = listOf("")))
            else -> {
                val rows = shown.indices[t.dim() - 2]
                val cols = shown.indices[t.dim() - 1]
                val perSlice = rows.size * cols.size
                val slices = shown.values.size / perSlice
                val leading = shown.indices.dropLast(2)
                for (k in 0 until minOf(slices, MAX_SLICES)) {
                    if (t.dim() > 2) s.append("<div style=\"font-family:monospace\">[").append(sliceIndex(leading, k)).append(", :, :]</div>")
                    s.append(table(shown, f, rows.size, cols.size, k * perSlice, rows.map { it?.toString() ?: "⋮" }))
                }
                if (slices > MAX_SLICES) s.append("<div>… ").append(slices - MAX_SLICES).append(" more matrices shown here</div>")
            }
        }
        if (shown.summarised) s.append("<div style=\"font-size:smaller\">").append(t.numel()).append(" elements, summarised</div>")
        return s.append("</div>").toString()
    }

    private fun table(shown: Shown, f: (Double) -> String, rows: Int, cols: Int, offset: Int, rowLabels: List<String>): String {
        val colIdx = shown.indices.last()
        val s = StringBuilder("<table class=\"kindling-values\" style=\"font-family:monospace;text-align:right\">")
        s.append("<tr><th></th>")
        for (c in colIdx) s.append("<th>").append(c?.toString() ?: "…").append("</th>")
        s.append("</tr>")
        for (r in 0 until rows) {
            s.append("<tr><th>").append(rowLabels[r]).append("</th>")
            for (c in 0 until cols) {
                val gap = colIdx[c] == null || rowLabels[r] == "⋮"
                s.append("<td>").append(if (gap) "…" else f(shown.values[offset + r * cols + c])).append("</td>")
            }
            s.append("</tr>")
        }
        return s.append("</table>").toString()
    }

    private fun sliceIndex(leading: List<List<Int?>>, k: Int): String {
        val idx = IntArray(leading.size)
        var rest = k
        for (d in leading.indices.reversed()) {
            idx[d] = rest % leading[d].size
            rest /= leading[d].size
        }
        return idx.indices.joinToString(", ") { d -> leading[d][idx[d]]?.toString() ?: "…" }
    }

    /**
     * The elements to show: per dim the positions kept (null marks the ellipsis, whose row or column holds
     * a placeholder value), and the values at the cross product of those positions, row-major.
     */
    private class Shown(val indices: List<List<Int?>>, val values: DoubleArray, val summarised: Boolean)

    private fun summarised(t: Tensor): Shown {
        val shape = t.shape()
        val summarise = t.numel() > THRESHOLD
        var x = t.detach()
        val indices = shape.indices.map { d ->
            val n = shape[d]
            if (!summarise || n <= 2 * EDGE) {
                (0 until n).toList()
            } else {
                val keep = (0 until EDGE) + (n - EDGE until n)
                // The ellipsis takes the place of one more element (its value is never shown).
                x = x.indexSelect(d, Tensor.of(LongArray(2 * EDGE + 1) { i -> keep[if (i <= EDGE) minOf(i, EDGE - 1) else i - 1].toLong() }))
                (0 until EDGE) + listOf(null) + (n - EDGE until n)
            }
        }
        val values = if (t.dtype() == DType.BOOL) x.toBooleanArray().let { b -> DoubleArray(b.size) { if (b[it]) 1.0 else 0.0 } } else x.toDoubleArray()
        return Shown(indices, values, summarise)
    }

    /**
     * PyTorch's choices: integers plainly, integral floats as `1.`, else 4 decimals, or e-notation when the
     * shown magnitudes span more than 1000× or leave [1e-4, 1e8].
     */
    private fun formatter(dtype: DType, values: DoubleArray): (Double) -> String {
        if (dtype == DType.BOOL) return { if (it != 0.0) "True" else "False" }
        if (!dtype.isFloatingPoint) return { it.toLong().toString() }
        val finite = values.filter { it.isFinite() }
        val integral = finite.all { it == Math.rint(it) } && finite.all { kotlin.math.abs(it) < 1e8 }
        val nonZero = finite.map { kotlin.math.abs(it) }.filter { it > 0 }
        val sci = nonZero.isNotEmpty() && (nonZero.max() / nonZero.min() > 1000 || nonZero.max() > 1e8 || nonZero.min() < 1e-4)
        return { v ->
            when {
                v.isNaN() -> "nan"
                v.isInfinite() -> if (v > 0) "inf" else "-inf"
                integral -> "${v.toLong()}."
                sci -> String.format(Locale.ROOT, "%.4e", v)
                else -> String.format(Locale.ROOT, "%.4f", v)
            }
        }
    }

    internal fun escape(s: String): String =
        s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;")
}
