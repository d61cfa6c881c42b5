package dev.kindling.autograd;

import dev.kindling.tensor.BinaryOp;

/**
 * In-place ops. They refuse what autograd cannot follow, before touching any data: writing into a
 * leaf that requires grad (or a view of one) while recording. Otherwise, when recording, the
 * modified tensor's history is rebased: its new node takes the old one as input, so gradients
 * still reach everything it was computed from. The storage version goes up, so any node that
 * saved the old values refuses to run.
 */
final class InPlaceOps {
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
        boolean record = self.requiresGrad() || (other != null && other.requiresGrad());
        if (record && base != null) {
            throw new UnsupportedOperationException(op + ": writing in place into a view while recording (the view or the"
                    + " value requires grad) is not supported; build the result out of place instead, e.g. with"
                    + " Tensor.cat, where or maskedFill");
        }
        return record;
    }

    static Tensor arithmetic(Tensor self, BinaryOp op, Tensor o) {
        String name = op.name().toLowerCase() + "_";
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
        String node = backwardName(op);
        switch (op) {
            case ADD: return Graph.record(node, self, g -> new Tensor[]{g, g}, new Tensor[]{self, o});
            case SUB: return Graph.record(node, self, g -> new Tensor[]{g, g.neg()}, new Tensor[]{self, o});
            case MUL: {
                SavedTensor so = Graph.save(operand), sOld = old == null ? null : Graph.save(old);
                return Graph.record(node, self, g -> new Tensor[]{g.mul(so.get()), sOld == null ? null : g.mul(sOld.get())},
                        new Tensor[]{self, o}, so, sOld);
            }
            case DIV: {
                // d(a/b)/db = -a / b^2, with a the old value of self.
                SavedTensor so = Graph.save(operand), sOld = old == null ? null : Graph.save(old);
                return Graph.record(node, self, g -> {
                    Tensor b = so.get();
                    return new Tensor[]{g.div(b), sOld == null ? null : g.neg().mul(sOld.get()).div(b.mul(b))};
                }, new Tensor[]{self, o}, so, sOld);
            }
            default: throw new IllegalArgumentException(name + " is not an in-place op");
        }
    }

    static Tensor arithmetic(Tensor self, BinaryOp op, double s) {
        String name = op.name().toLowerCase() + "_";
        boolean record = prepare(name, self, null);
        self.data().binary_(op, s);
        if (!record) return self;
        String node = backwardName(op);
        switch (op) {
            case ADD: case SUB: return Graph.record(node, self, g -> new Tensor[]{g}, self);
            case MUL: return Graph.record(node, self, g -> new Tensor[]{g.mul(s)}, self);
            case DIV: return Graph.record(node, self, g -> new Tensor[]{g.div(s)}, self);
            default: throw new IllegalArgumentException(name + " is not an in-place op");
        }
    }

    private static String backwardName(BinaryOp op) {
        String n = op.name().toLowerCase();
        return Character.toUpperCase(n.charAt(0)) + n.substring(1) + "Backward";
    }

    static Tensor clamp_(Tensor self, double min, double max) {
        boolean record = prepare("clamp_", self, null);
        SavedTensor mask = record ? Graph.save(PointwiseOps.outside(self.detach(), min, max)) : null;
        self.data().clamp_(min, max);
        if (!record) return self;
        return Graph.record("ClampBackward", self, g -> new Tensor[]{g.maskedFill(mask.get(), 0)}, self, mask);
    }

    static Tensor fill_(Tensor self, double value) {
        boolean record = prepare("fill_", self, null);
        self.data().fill_(value);
        if (!record) return self;
        return Graph.record("FillBackward", self, g -> new Tensor[]{g.mul(0.0)}, self);
    }

    /** The old values are overwritten (zero gradient); the source's gradient is summed back to its shape by the engine. */
    static Tensor copy_(Tensor self, Tensor src) {
        boolean record = prepare("copy_", self, src);
        self.data().copy_(src.data());
        if (!record) return self;
        return Graph.record("CopyBackward", self, g -> new Tensor[]{g.mul(0.0), g}, new Tensor[]{self, src});
    }

    static Tensor maskedFill_(Tensor self, Tensor mask, double value) {
        boolean record = prepare("maskedFill_", self, null);
        self.data().maskedFill_(mask.data(), value);
        if (!record) return self;
        SavedTensor sm = Graph.save(mask);
        return Graph.record("MaskedFillBackward", self, g -> new Tensor[]{g.maskedFill(sm.get(), 0)}, self, sm);
    }
}
