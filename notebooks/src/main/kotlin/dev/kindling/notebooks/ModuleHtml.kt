package dev.kindling.notebooks

import dev.kindling.nn.Module
import java.util.Locale

/**
 * A module as an HTML tree: one row per submodule, indented by depth, with its name, what it is (a
 * layer's own description, e.g. `Linear(784 => 128)`, or a container's class), its output size where
 * known ([ModuleShapes]) and its parameter count; the totals close the table.
 */
object ModuleHtml {
    fun render(model: Module): String {
        val s = StringBuilder("<table class=\"kindling-module\" style=\"font-family:monospace\">")
        s.append("<tr><th style=\"text-align:left\">module</th><th style=\"text-align:left\">layer</th>")
        s.append("<th style=\"text-align:left\">output</th><th style=\"text-align:right\">parameters</th></tr>")
        row(s, "", model, 0)
        var total = 0L
        var trainable = 0L
        for (p in model.parameters()) {
            total += p.numel()
            if (p.requiresGrad()) trainable += p.numel()
        }
        s.append("<tr><th style=\"text-align:left\">total</th><td></td><td></td><th style=\"text-align:right\">")
            .append(count(total)).append(if (trainable != total) " (${count(trainable)} trainable)" else "").append("</th></tr>")
        return s.append("</table>").toString()
    }

    private fun row(s: StringBuilder, name: String, m: Module, depth: Int) {
        val children = m.namedChildren()
        // A layer's own parameters only: the children's appear on their rows.
        val own = m.ownParameterCount()
        val what = if (children.isEmpty()) m.toString() else m.javaClass.simpleName
        val shape = ModuleShapes.of(m)?.contentToString() ?: ""
        s.append("<tr><td style=\"text-align:left\">").append("&nbsp;&nbsp;".repeat(depth))
            .append(TensorHtml.escape(if (depth == 0) "(model)" else name)).append("</td>")
            .append("<td style=\"text-align:left\">").append(TensorHtml.escape(what)).append("</td>")
            .append("<td style=\"text-align:left\">").append(shape).append("</td>")
            .append("<td style=\"text-align:right\">").append(if (own > 0) count(own) else "").append("</td></tr>")
        for ((childName, child) in children) row(s, childName, child, depth + 1)
    }

    private fun count(n: Long) = String.format(Locale.ROOT, "%,d", n)
}
