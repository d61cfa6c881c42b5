package dev.kindling.autograd;

import dev.kindling.tensor.BinaryOp;
import dev.kindling.tensor.NDArray;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * In-place ops. They refuse what autograd cannot follow, before touching any data: writing into a
 * leaf that requires grad (or a view of one) while recording. Otherwise, when recording, the
 * modified tensor's history is rebased: its new node takes the old one as input, so gradients
 * still reach everything it was computed from; an op on a view rebases the view's base
 * ({@link #rebase}). The storage version goes up, so any node that saved the old values refuses to run.
 */
final class InPlaceOps {
    private static final Map<BinaryOp, String> BACKWARD_NAMES = BackwardNames.of(BinaryOp.class);

    private InPlaceOps() {}

    private static boolean prepare(String op, Tensor self, Tensor other) {
        if (!GradMode.isEnabled()) return false;
        if (self.requiresGrad() && self.isLeaf()) {
            throw new IllegalStateException(op + ": a leaf tensor that requires grad cannot be modified in place while grad"
                    + " mode is on (autograd would lose its value); update it inside GradMode.noGrad(), as optimizers and"
                    + " initialisers do, or modify a clone()");
        }
        Tensor base = self.base();
        if (base != null && base.requiresGrad() && base.isLeaf()) {
            throw new IllegalStateException(op + ": this tensor is a view of a leaf that requires grad, which cannot be"
                    + " modified in place while grad mode is on; update it inside GradMode.noGrad(), or modify a clone()");
        }
        boolean record = self.requiresGrad() || (other != null && other.requiresGrad()) || (base != null && base.requiresGrad());
        if (record && base != null && !base.data().isContiguous()) {
            throw new UnsupportedOperationException(op + ": writing in place into a view of a non-contiguous tensor while"
                    + " recording is not supported; call contiguous() on the tensor before taking the view, or build the"
                    + " result out of place (Tensor.cat, where, maskedFill)");
        }
        return record;
    }

    static Tensor arithmetic(Tensor self, BinaryOp op, Tensor o) {
        String name = op.inPlaceName();
        boolean record = prepare(name, self, o);
        boolean product = record && (op == BinaryOp.MUL || op == BinaryOp.DIV);
        // mul_ and div_ need the old value of self for the other operand's gradient. It is cloned before
        // the write: saving self itself (or the result) would fail the version check as soon as a later
        // in-place op changed self again, as in y.div_(z); y.add_(1).
        Tensor old = product && o.requiresGrad() ? PointwiseOps.clone(self) : null;
        // Their self gradient needs the operand; when it shares self's storage (y.mul_(y)) the write
        // changes it too, so its old value is cloned as well.
        Tensor operand = product && o.data().sharesStorage(self.data()) ? PointwiseOps.clone(o) : o;
        self.data().binary_(op, o.data());
        if (!record) return self;
        String node = BACKWARD_NAMES.get(op);
        switch (op) {
            case ADD: return rebase(node, self, g -> new Tensor[]{g, g}, new Tensor[]{self, o});
            case SUB: return rebase(node, self, g -> new Tensor[]{g, g.neg()}, new Tensor[]{self, o});
            case MUL: {
                SavedTensor so = Graph.save(operand), sOld = old == null ? null : Graph.save(old);
                return rebase(node, self, g -> new Tensor[]{g.mul(so.get()), sOld == null ? null : g.mul(sOld.get())},
                        new Tensor[]{self, o}, so, sOld);
            }
            case DIV: {
                // d(a/b)/db = -a / b^2, with a the old value of self.
                SavedTensor so = Graph.save(operand), sOld = old == null ? null : Graph.save(old);
                return rebase(node, self, g -> {
                    Tensor b = so.get();
                    return new Tensor[]{g.div(b), sOld == null ? null : g.neg().mul(sOld.get()).div(b.mul(b))};
                }, new Tensor[]{self, o}, so, sOld);
            }
            default: throw new IllegalArgumentException(name + " is not an in-place op");
        }
    }

    static Tensor arithmetic(Tensor self, BinaryOp op, double s) {
        String name = op.inPlaceName();
        boolean record = prepare(name, self, null);
        self.data().binary_(op, s);
        if (!record) return self;
        String node = BACKWARD_NAMES.get(op);
        switch (op) {
            case ADD: case SUB: return rebase(node, self, g -> new Tensor[]{g}, self);
            case MUL: return rebase(node, self, g -> new Tensor[]{g.mul(s)}, self);
            case DIV: return rebase(node, self, g -> new Tensor[]{g.div(s)}, self);
            default: throw new IllegalArgumentException(name + " is not an in-place op");
        }
    }

    /**
     * Records an in-place op on {@code self}, whose rule treats input 0 as self's old value. On a plain
     * tensor the history is rebased onto the new node. On a view the op changed part of its base, so
     * (as PyTorch's CopySlices) the base gets the new node, whose backward runs the op's rule on the
     * view's region of the base's gradient and passes the rest through; the view then reads its values
     * from the base's new history.
     */
    private static Tensor rebase(String name, Tensor self, Backward rule, Tensor[] inputs, SavedTensor... saved) {
        Tensor base = self.base();
        if (base == null) return Graph.record(name, self, rule, inputs, saved);
        NDArray v = self.data(), b = base.data();
        int[] viewShape = v.shape(), viewStrides = v.strides(), baseShape = b.shape();
        int offset = v.offset() - b.offset();
        UnaryOperator<Tensor> region = x -> ViewOps.strided(x, viewShape, viewStrides, offset);
        Tensor[] baseInputs = inputs.clone();
        baseInputs[0] = base;
        Graph.record("CopySlices", base, g -> {
            Tensor whole = g.contiguous();
            Tensor[] grads = rule.apply(region.apply(whole));
            // The region's old values got the rule's gradient; everything else passes through unchanged.
            Tensor rest = whole.sub(ViewOps.intoZeros(region.apply(whole), baseShape, region, "AsStrided"));
            grads[0] = grads[0] == null ? rest : rest.add(ViewOps.intoZeros(grads[0].contiguous(), baseShape, region, "AsStrided"));
            return grads;
        }, baseInputs, saved);
        Graph.record("AsStridedBackward", self, g -> new Tensor[]{ViewOps.intoZeros(g, baseShape, region, "AsStrided")}, base);
        self.viewOfCurrentBase();
        return self;
    }

    private static Tensor rebase(String name, Tensor self, Backward rule, Tensor input, SavedTensor... saved) {
        return rebase(name, self, rule, new Tensor[]{input}, saved);
    }


    static Tensor clamp_(Tensor self, double min, double max) {
        boolean record = prepare("clamp_", self, null);
        SavedTensor mask = record ? Graph.save(PointwiseOps.outside(self.detach(), min, max)) : null;
        self.data().clamp_(min, max);
        if (!record) return self;
        return rebase("ClampBackward", self, g -> new Tensor[]{g.maskedFill(mask.get(), 0)}, self, mask);
    }

    static Tensor fill_(Tensor self, double value) {
        boolean record = prepare("fill_", self, null);
        self.data().fill_(value);
        if (!record) return self;
        return rebase("FillBackward", self, g -> new Tensor[]{g.mul(0.0)}, self);
    }

    /** The old values are overwritten (zero gradient); the source's gradient is summed back to its shape by the engine. */
    static Tensor copy_(Tensor self, Tensor src) {
        boolean record = prepare("copy_", self, src);
        self.data().copy_(src.data());
        if (!record) return self;
        return rebase("CopyBackward", self, g -> new Tensor[]{g.mul(0.0), g}, new Tensor[]{self, src});
    }

    static Tensor maskedFill_(Tensor self, Tensor mask, double value) {
        boolean record = prepare("maskedFill_", self, null);
        self.data().maskedFill_(mask.data(), value);
        if (!record) return self;
        SavedTensor sm = Graph.save(mask);
        return rebase("MaskedFillBackward", self, g -> new Tensor[]{g.maskedFill(sm.get(), 0)}, self, sm);
    }
}
