package dev.kindling.notebooks

import dev.kindling.autograd.Node
import dev.kindling.autograd.Tensor
import java.util.IdentityHashMap

/**
 * The graph autograd recorded behind a tensor, as an indented HTML tree from the tensor back to the
 * leaves, the order in which `backward()` walks it: each row a backward node (`MulBackward`), leaves as
 * `AccumulateGrad` (a parameter or input with `requiresGrad`). A node reached again (the graph is a DAG)
 * is shown once and then referred to by its number. `GraphDot.of(t)` gives the same graph for Graphviz.
 */
object GraphHtml {
    fun render(t: Tensor): String {
        val s = StringBuilder("<div class=\"kindling-graph\"><pre>")
        s.append(TensorHtml.escape(TensorHtml.header(t))).append('\n')
        val root = t.gradFn()
        if (root == null) {
            s.append("  (no graph: ").append(if (t.requiresGrad()) "a leaf" else "nothing recorded").append(")\n")
        } else {
            walk(root, 1, IdentityHashMap(), s)
        }
        return s.append("</pre></div>").toString()
    }

    private fun walk(node: Node, depth: Int, seen: IdentityHashMap<Node, Int>, s: StringBuilder) {
        val indent = "  ".repeat(depth)
        val known = seen[node]
        if (known != null) {
            s.append(indent).append("└ #").append(known).append(' ').append(TensorHtml.escape(node.name())).append(" (above)\n")
            return
        }
        val id = seen.size + 1
        seen[node] = id
        s.append(indent).append("└ #").append(id).append(' ').append(TensorHtml.escape(node.name())).append('\n')
        for (next in node.nextFunctions()) walk(next, depth + 1, seen, s)
    }
}
