package dev.kindling.autograd;

import dev.kindling.tensor.Shapes;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * The recorded graph behind a tensor as Graphviz DOT text, so users can see what actually ran:
 * one box per op (its backward name and output shape), leaves in blue with their shapes, the
 * tensor itself in green, arrows in the direction data flowed forward.
 * <pre>{@code
 * Files.writeString(Path.of("graph.dot"), GraphDot.of(loss));   // then: dot -Tsvg graph.dot > graph.svg
 * }</pre>
 */
public final class GraphDot {
    private GraphDot() {}

    public static String of(Tensor root) {
        StringBuilder dot = new StringBuilder("digraph kindling {\n  rankdir=BT;\n  node [shape=box, fontname=\"monospace\", fontsize=10];\n");
        dot.append("  out [label=\"").append(describe(root)).append("\", style=filled, fillcolor=darkolivegreen1];\n");
        Edge start = root.gradientEdge();
        if (start == null) return dot.append("}\n").toString();
        Map<Node, String> ids = new IdentityHashMap<>();
        List<Node> pending = new ArrayList<>();
        ids.put(start.node(), "n0");
        pending.add(start.node());
        dot.append("  n0 -> out;\n");
        // Iterative, like the engine: graphs may be far deeper than the stack.
        for (int i = 0; i < pending.size(); i++) {
            Node n = pending.get(i);
            String id = ids.get(n);
            dot.append("  ").append(id).append(" [label=\"").append(label(n)).append('"');
            if (n instanceof AccumulateGrad) dot.append(", style=filled, fillcolor=lightblue");
            dot.append("];\n");
            for (Edge e : n.next) {
                if (e == null) continue;
                String child = ids.get(e.node());
                if (child == null) {
                    child = "n" + ids.size();
                    ids.put(e.node(), child);
                    pending.add(e.node());
                }
                dot.append("  ").append(child).append(" -> ").append(id).append(";\n");
            }
        }
        return dot.append("}\n").toString();
    }

    private static String label(Node n) {
        StringBuilder s = new StringBuilder(n instanceof AccumulateGrad ? "leaf" : n.name());
        for (GradMeta m : n.outputs) s.append("\\n").append(m.dtype().toString().toLowerCase(java.util.Locale.ROOT)).append(' ').append(Shapes.str(m.shape()));
        if (n.creationSite != null) s.append("\\n").append(n.creationSite.replace("\"", "'"));
        return s.toString();
    }

    private static String describe(Tensor t) {
        return "tensor\\n" + t.dtype().toString().toLowerCase(java.util.Locale.ROOT) + " " + Shapes.str(t.shape());
    }
}
