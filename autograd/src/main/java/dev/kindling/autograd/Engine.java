package dev.kindling.autograd;

import dev.kindling.tensor.Shapes;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs a recorded graph backward. One depth-first pass with an explicit stack orders the reachable
 * nodes (reverse post-order is a topological order), then one sweep runs each node once with the sum
 * of the gradients that reached it. Nothing recurses, so a 100,000-op chain costs 100,000 steps and no
 * stack depth. All bookkeeping lives in maps local to one call, so graphs sharing leaves can be run
 * backward from several threads at once.
 */
final class Engine {
    private Engine() {}

    /** A gradient {@link Autograd#grad} wants: output {@code outputNr} of a node, stored in result slot {@code slot}. */
    private record Target(int outputNr, int slot) {}

    static void backward(Tensor[] roots, Tensor[] seeds, boolean retainGraph, boolean createGraph) {
        Edge[] edges = rootEdges("backward", roots);
        run(edges, seedGradients("backward", roots, seeds), null, null, retainGraph, createGraph);
    }

    static Tensor[] grad(Tensor[] outputs, Tensor[] inputs, Tensor[] gradOutputs, boolean retainGraph, boolean createGraph,
                         boolean allowUnused) {
        Edge[] edges = rootEdges("Autograd.grad", outputs);
        Map<Node, List<Target>> targets = new IdentityHashMap<>();
        for (int i = 0; i < inputs.length; i++) {
            Edge e = inputs[i].gradientEdge();
            if (e == null) {
                throw new IllegalArgumentException("Autograd.grad: input " + i + " (" + describe(inputs[i])
                        + ") does not require grad, so it has no gradient; call requiresGrad_(true) on it before the forward pass");
            }
            targets.computeIfAbsent(e.node(), n -> new ArrayList<>(1)).add(new Target(e.inputNr(), i));
        }
        Tensor[] captured = new Tensor[inputs.length];
        run(edges, seedGradients("Autograd.grad", outputs, gradOutputs), targets, captured, retainGraph, createGraph);
        for (int i = 0; i < inputs.length; i++) {
            if (captured[i] == null && !allowUnused) {
                throw new IllegalArgumentException("Autograd.grad: input " + i + " (" + describe(inputs[i])
                        + ") was not used to compute the outputs; pass allowUnused = true to get null for it");
            }
        }
        return captured;
    }

    private static Edge[] rootEdges(String op, Tensor[] roots) {
        Edge[] edges = new Edge[roots.length];
        for (int i = 0; i < roots.length; i++) {
            edges[i] = roots[i].gradientEdge();
            if (edges[i] == null) {
                throw new IllegalStateException(op + ": output " + i + " (" + describe(roots[i]) + ") does not require grad"
                        + " and has no gradFn: nothing that requires grad was used to compute it, or it was computed under"
                        + " GradMode.noGrad()");
            }
        }
        return edges;
    }

    private static Tensor[] seedGradients(String op, Tensor[] roots, Tensor[] seeds) {
        if (seeds != null && seeds.length != roots.length) {
            throw new IllegalArgumentException(op + ": got " + seeds.length + " gradients for " + roots.length + " outputs");
        }
        Tensor[] out = new Tensor[roots.length];
        for (int i = 0; i < roots.length; i++) {
            Tensor root = roots[i];
            Tensor seed = seeds == null ? null : seeds[i];
            if (seed == null) {
                if (root.numel() != 1) {
                    throw new IllegalArgumentException(op + ": a gradient can be implied only for a scalar output, output " + i
                            + " has shape " + Shapes.str(root.shape()) + "; pass a gradient of that shape");
                }
                out[i] = Tensor.wrap(dev.kindling.tensor.NDArray.full(1, root.dtype(), root.device(), root.shape()));
                continue;
            }
            if (!Arrays.equals(seed.shape(), root.shape())) {
                throw new IllegalArgumentException(op + ": the gradient for output " + i + " has shape " + Shapes.str(seed.shape())
                        + " but the output has shape " + Shapes.str(root.shape()));
            }
            if (!seed.dtype().isFloatingPoint()) {
                throw new IllegalArgumentException(op + ": the gradient for output " + i + " must be floating point, got "
                        + seed.dtype());
            }
            if (!seed.device().equals(root.device())) {
                throw new IllegalArgumentException(op + ": the gradient for output " + i + " is on " + seed.device()
                        + " but the output is on " + root.device());
            }
            out[i] = seed.dtype() == root.dtype() ? seed : seed.to(root.dtype());
        }
        return out;
    }

    private static void run(Edge[] roots, Tensor[] seeds, Map<Node, List<Target>> targets, Tensor[] captured,
                            boolean retainGraph, boolean createGraph) {
        List<Node> order = postOrder(roots);
        Map<Node, Boolean> needed = targets == null ? null : needed(order, targets);
        Map<Node, Tensor[]> buffers = new IdentityHashMap<>();
        GradOwnership ownership = targets == null && !createGraph ? new GradOwnership() : null;
        try (GradMode.Scope mode = createGraph ? GradMode.enableGrad() : GradMode.noGrad()) {
            for (int i = 0; i < roots.length; i++) {
                Node n = roots[i].node();
                addInto(buffers, n, roots[i].inputNr(), seeds[i], createGraph, ownership);
            }
            boolean anomaly = Anomaly.isEnabled();
            for (int k = order.size() - 1; k >= 0; k--) {
                Node node = order.get(k);
                Tensor[] grads = buffers.remove(node);
                if (grads == null || (needed != null && !needed.get(node))) continue;
                if (ownership != null) for (Tensor g : grads) ownership.released(g);
                if (node.hasHooks()) {
                    for (int i = 0; i < grads.length; i++) {
                        if (grads[i] == null) continue;
                        if (ownership != null) ownership.escaped(grads[i]);
                        grads[i] = node.runHooks(i, grads[i], createGraph);
                        if (ownership != null) ownership.escaped(grads[i]);
                    }
                }
                if (targets != null) {
                    List<Target> wanted = targets.get(node);
                    if (wanted != null) for (Target t : wanted) captured[t.slot()] = grads[t.outputNr()];
                }
                if (node instanceof AccumulateGrad acc) {
                    if (targets == null) acc.accumulate(grads[0], createGraph, ownership);
                    continue;
                }
                if (needed != null && !leadsToTarget(node, needed)) continue;
                boolean owned = ownership != null && node.overwrites() && grads[0] != null && ownership.mayOverwrite(grads[0]);
                // Under createGraph the recorded backward may still hold what was saved, freed or not.
                if (node instanceof FunctionNode fn) fn.savedFreedAfterBackward(!retainGraph && !createGraph);
                Tensor[] inputGrads = call(node, grads, owned, anomaly);
                if (ownership != null && node instanceof FunctionNode fn) {
                    for (Tensor g : grads) ownership.escaped(g);
                    if (!fn.returnsFreshTensors()) for (Tensor g : inputGrads) ownership.escaped(g);
                }
                if (!retainGraph) node.release();
                for (int i = 0; i < node.next.length; i++) {
                    Edge e = node.next[i];
                    if (e == null || inputGrads[i] == null || (needed != null && !needed.get(e.node()))) continue;
                    Tensor g = conform(node, i, inputGrads[i], e.node().outputs[e.inputNr()]);
                    addInto(buffers, e.node(), e.inputNr(), g, createGraph, ownership);
                }
            }
        }
    }

    /** Children before parents; reversed, every node comes after all nodes that send it gradients. */
    private static List<Node> postOrder(Edge[] roots) {
        List<Node> order = new ArrayList<>();
        Map<Node, Boolean> seen = new IdentityHashMap<>();
        List<Node> stack = new ArrayList<>();
        int[] position = new int[16];
        for (Edge root : roots) {
            if (seen.put(root.node(), Boolean.TRUE) != null) continue;
            stack.add(root.node());
            position[0] = 0;
            while (!stack.isEmpty()) {
                int top = stack.size() - 1;
                Node n = stack.get(top);
                if (position[top] < n.next.length) {
                    Edge e = n.next[position[top]++];
                    if (e != null && seen.put(e.node(), Boolean.TRUE) == null) {
                        if (stack.size() == position.length) position = Arrays.copyOf(position, position.length * 2);
                        position[stack.size()] = 0;
                        stack.add(e.node());
                    }
                } else {
                    stack.remove(top);
                    order.add(n);
                }
            }
        }
        return order;
    }

    /** For Autograd.grad: a node is needed when it is a target or some gradient it sends reaches one. */
    private static Map<Node, Boolean> needed(List<Node> postOrder, Map<Node, List<Target>> targets) {
        Map<Node, Boolean> needed = new IdentityHashMap<>();
        for (Node n : postOrder) {
            boolean need = targets.containsKey(n) || leadsToTarget(n, needed);
            needed.put(n, need);
        }
        return needed;
    }

    private static boolean leadsToTarget(Node n, Map<Node, Boolean> needed) {
        for (Edge e : n.next) if (e != null && Boolean.TRUE.equals(needed.get(e.node()))) return true;
        return false;
    }

    private static Tensor[] call(Node node, Tensor[] grads, boolean owned, boolean anomaly) {
        Tensor[] out;
        try {
            out = owned ? node.applyOwning(grads) : node.apply(grads);
        } catch (RuntimeException ex) {
            if (node.creationSite == null) throw ex;
            throw new AnomalyError(node.name(), node.creationSite, node.name() + " failed: " + ex.getMessage()
                    + "\n  its forward op was called at " + node.creationSite, ex);
        }
        if (out.length != node.next.length) {
            throw new IllegalStateException(node.name() + " returned " + out.length + " gradients but its op had "
                    + node.next.length + " inputs");
        }
        if (anomaly) {
            for (int i = 0; i < out.length; i++) {
                if (out[i] != null && Anomaly.hasNonFinite(out[i])) {
                    throw new AnomalyError(node.name(), node.creationSite, node.name() + " returned NaN or Inf in its gradient for input " + i + " ("
                            + describe(out[i]) + ")\n  its forward op was called at "
                            + (node.creationSite == null ? "(unknown: the graph was recorded outside Anomaly.detect())"
                            : node.creationSite));
                }
            }
        }
        return out;
    }

    /**
     * Fits a gradient to the input it is for: a gradient in a broadcast shape is summed back to the
     * input's shape, and one of another floating dtype is cast, as PyTorch's engine does.
     */
    private static Tensor conform(Node node, int input, Tensor g, GradMeta meta) {
        if (!Arrays.equals(g.data().shapeRef(), meta.shape())) {
            if (!Shapes.expandable(meta.shape(), g.data().shapeRef())) {
                throw new IllegalStateException(node.name() + " returned a gradient of shape " + Shapes.str(g.shape())
                        + " for input " + input + ", whose shape is " + Shapes.str(meta.shape()));
            }
            g = g.sumToSize(meta.shape());
        }
        if (g.dtype() != meta.dtype()) g = g.to(meta.dtype());
        if (!g.device().equals(meta.device())) {
            throw new IllegalStateException(node.name() + " returned a gradient on " + g.device() + " for input " + input
                    + ", which lives on " + meta.device());
        }
        return g;
    }

    static Tensor checkHookResult(Node node, int output, Tensor replaced) {
        GradMeta meta = node.outputs[output];
        if (!Arrays.equals(replaced.data().shapeRef(), meta.shape())) {
            throw new IllegalStateException("a hook on a tensor of shape " + Shapes.str(meta.shape())
                    + " returned a gradient of shape " + Shapes.str(replaced.shape()) + "; a hook must keep the gradient's shape");
        }
        return replaced.dtype() == meta.dtype() ? replaced : replaced.to(meta.dtype());
    }

    private static void addInto(Map<Node, Tensor[]> buffers, Node n, int slot, Tensor g, boolean createGraph,
                                GradOwnership ownership) {
        Tensor[] buf = buffers.computeIfAbsent(n, k -> new Tensor[k.outputs.length]);
        Tensor old = buf[slot];
        // Out of place: a formula may hand the same gradient to several inputs (AddBackward does).
        buf[slot] = old == null ? g : createGraph ? old.add(g) : Tensor.wrap(old.data().add(g.data()));
        if (ownership != null) {
            ownership.released(old);
            ownership.held(buf[slot]);
        }
    }

    static String describe(Tensor t) { return t.dtype().toString().toLowerCase(java.util.Locale.ROOT) + " " + Shapes.str(t.shape()); }
}
