package dev.kindling.autograd;

import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * One recorded op in the graph, as returned by {@link Tensor#gradFn()}: it turns the gradients of
 * the op's outputs into gradients of its inputs and knows where to send each ({@link #nextFunctions()}).
 * Nodes point only at their inputs' nodes, never at the tensors they produced, so a graph lives
 * exactly as long as some tensor computed from it.
 */
public abstract class Node {
    private final String name;
    final Edge[] next;
    final GradMeta[] outputs;
    /** The user's source line that ran the forward op; recorded only under {@link Anomaly#detect()}. */
    final String creationSite;
    private SavedTensor[] saved = NO_SAVED;
    private List<UnaryOperator<Tensor>>[] hooks;
    private List<WeakReference<Tensor>>[] retained;

    private static final SavedTensor[] NO_SAVED = new SavedTensor[0];

    Node(String name, Edge[] next, GradMeta[] outputs) {
        this.name = name;
        this.next = next;
        this.outputs = outputs;
        this.creationSite = Anomaly.isEnabled() ? Anomaly.callerSite() : null;
    }

    /** The op's backward name, as PyTorch's without the version digit: {@code MulBackward}. */
    public String name() { return name; }

    /** The nodes the input gradients go to, in input order; inputs that need no gradient are left out. */
    public List<Node> nextFunctions() {
        List<Node> out = new ArrayList<>(next.length);
        for (Edge e : next) if (e != null) out.add(e.node());
        return Collections.unmodifiableList(out);
    }

    @Override
    public String toString() { return "<" + name + ">"; }

    /** Gradients of the inputs from gradients of the outputs (an entry per output; never all null). */
    abstract Tensor[] apply(Tensor[] gradOutputs);

    /** {@link #apply} when the engine owns the single gradient given, which the node may overwrite. */
    Tensor[] applyOwning(Tensor[] gradOutputs) {
        return apply(gradOutputs);
    }

    /** Whether {@link #applyOwning} would write into its gradient, so ownership is worth checking. */
    boolean overwrites() {
        return false;
    }

    /** Keeps what the op saved for backward; null entries (what an op saved only sometimes) are skipped. */
    void keep(SavedTensor[] tensors) {
        for (SavedTensor s : tensors) if (s != null) s.owner(this);
        this.saved = tensors;
    }

    /** Frees what the op saved; the graph can then not be run backward again through this node. */
    void release() {
        for (SavedTensor s : saved) if (s != null) s.release();
    }

    // ------------------------------------------------------------------ hooks on the tensors this node produced

    @SuppressWarnings("unchecked")
    synchronized HookHandle addHook(int output, UnaryOperator<Tensor> hook) {
        if (hooks == null) hooks = new List[outputs.length];
        if (hooks[output] == null) hooks[output] = new ArrayList<>(1);
        List<UnaryOperator<Tensor>> list = hooks[output];
        list.add(hook);
        return new HookHandle(() -> { synchronized (this) { list.remove(hook); } });
    }

    @SuppressWarnings("unchecked")
    synchronized void retainGrad(int output, Tensor tensor) {
        if (retained == null) retained = new List[outputs.length];
        if (retained[output] == null) retained[output] = new ArrayList<>(1);
        for (WeakReference<Tensor> r : retained[output]) if (r.get() == tensor) return;
        retained[output].add(new WeakReference<>(tensor));
    }

    /**
     * Runs the hooks registered on output {@code output}'s tensor, then stores the result in tensors
     * that asked to retain their gradient (after the hooks, as PyTorch does).
     */
    Tensor runHooks(int output, Tensor grad, boolean createGraph) {
        List<UnaryOperator<Tensor>> hs;
        List<WeakReference<Tensor>> rs;
        synchronized (this) {
            hs = hooks == null || hooks[output] == null ? null : new ArrayList<>(hooks[output]);
            rs = retained == null || retained[output] == null ? null : new ArrayList<>(retained[output]);
        }
        if (hs != null) {
            for (UnaryOperator<Tensor> h : hs) {
                Tensor replaced = h.apply(grad);
                if (replaced != null) grad = Engine.checkHookResult(this, output, replaced);
            }
        }
        if (rs != null) {
            for (WeakReference<Tensor> r : rs) {
                Tensor t = r.get();
                if (t != null) t.accumulateRetainedGrad(grad, createGraph);
            }
        }
        return grad;
    }

    boolean hasHooks() { return hooks != null || retained != null; }
}
