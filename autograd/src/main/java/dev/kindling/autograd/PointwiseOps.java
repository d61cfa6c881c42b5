package dev.kindling.autograd;

import dev.kindling.tensor.BinaryOp;
import dev.kindling.tensor.NDArray;
import dev.kindling.tensor.UnaryOp;

import java.util.Map;

/**
 * Elementwise ops and their derivatives. Rules return gradients in the broadcast shape of the
 * forward computation; the engine sums them back to each input's shape.
 */
final class PointwiseOps {
    private static final Map<UnaryOp, String> BACKWARD_NAMES = BackwardNames.of(UnaryOp.class);

    private PointwiseOps() {}

    private static Tensor out(NDArray a) { return Tensor.wrap(a); }

    // ------------------------------------------------------------------ binary, tensor with tensor

    static Tensor add(Tensor a, Tensor b) {
        Tensor out = out(a.data().binary(BinaryOp.ADD, b.data()));
        if (!Graph.records(a, b)) return out;
        return Graph.record("AddBackward", out, g -> new Tensor[]{g, g}, new Tensor[]{a, b});
    }

    static Tensor sub(Tensor a, Tensor b) {
        Tensor out = out(a.data().binary(BinaryOp.SUB, b.data()));
        if (!Graph.records(a, b)) return out;
        boolean needB = b.requiresGrad();
        return Graph.record("SubBackward", out, g -> new Tensor[]{g, needB ? g.neg() : null}, new Tensor[]{a, b});
    }

    static Tensor mul(Tensor a, Tensor b) {
        Tensor out = out(a.data().binary(BinaryOp.MUL, b.data()));
        if (!Graph.records(a, b)) return out;
        SavedTensor sa = Graph.save(a, b.requiresGrad()), sb = Graph.save(b, a.requiresGrad());
        return Graph.record("MulBackward", out, g -> new Tensor[]{
                sb == null ? null : g.mul(sb.get()),
                sa == null ? null : g.mul(sa.get())}, new Tensor[]{a, b}, sa, sb);
    }

    static Tensor div(Tensor a, Tensor b) {
        Tensor out = out(a.data().binary(BinaryOp.DIV, b.data()));
        if (!Graph.records(a, b)) return out;
        SavedTensor sa = Graph.save(a, b.requiresGrad()), sb = Graph.save(b);
        boolean needA = a.requiresGrad();
        return Graph.record("DivBackward", out, g -> {
            Tensor bv = sb.get();
            return new Tensor[]{
                    needA ? g.div(bv) : null,
                    sa == null ? null : g.neg().mul(sa.get()).div(bv.mul(bv))};
        }, new Tensor[]{a, b}, sa, sb);
    }

    /**
     * d(a^b)/da = b a^(b-1), taken as 0 where b = 0 (a^0 is constant; the formula would give 0 * 0^-1 =
     * NaN at a = 0); d(a^b)/db = a^b ln a, taken as 0 where a = 0 and b >= 0. Both are PyTorch's conventions.
     */
    static Tensor pow(Tensor a, Tensor b) {
        Tensor out = out(a.data().binary(BinaryOp.POW, b.data()));
        if (!Graph.records(a, b)) return out;
        SavedTensor sa = Graph.save(a), sb = Graph.save(b), so = Graph.save(out, b.requiresGrad());
        boolean needA = a.requiresGrad();
        Graph.record("PowBackward", out, g -> {
            Tensor av = sa.get(), bv = sb.get();
            Tensor ga = needA ? Tensor.where(bv.eq(0.0), Tensor.scalar(0.0, g.dtype()), g.mul(bv).mul(av.pow(bv.sub(1.0)))) : null;
            Tensor gb = null;
            if (so != null) {
                Tensor zeroBase = av.eq(0.0).logicalAnd(bv.ge(0.0));
                gb = g.mul(so.get()).mul(av.log()).maskedFill(zeroBase, 0);
            }
            return new Tensor[]{ga, gb};
        }, new Tensor[]{a, b}, sa, sb, so);
        return out;
    }

    /** Python-style remainder a - b floor(a / b): the floor is piecewise constant. */
    static Tensor remainder(Tensor a, Tensor b) {
        Tensor out = out(a.data().binary(BinaryOp.REMAINDER, b.data()));
        if (!Graph.records(a, b)) return out;
        SavedTensor sa = Graph.save(a, b.requiresGrad()), sb = Graph.save(b, b.requiresGrad());
        return Graph.record("RemainderBackward", out, g -> new Tensor[]{
                g, sb == null ? null : g.neg().mul(sa.get().div(sb.get()).floor())}, new Tensor[]{a, b}, sa, sb);
    }

    /** Ties split the gradient evenly between both inputs, as PyTorch does. */
    static Tensor maximumOrMinimum(Tensor a, Tensor b, boolean max) {
        Tensor out = out(a.data().binary(max ? BinaryOp.MAXIMUM : BinaryOp.MINIMUM, b.data()));
        if (!Graph.records(a, b)) return out;
        SavedTensor sa = Graph.save(a), sb = Graph.save(b);
        return Graph.record(max ? "MaximumBackward" : "MinimumBackward", out, g -> {
            Tensor av = sa.get().detach(), bv = sb.get().detach();
            Tensor half = Tensor.where(av.eq(bv), g.mul(0.5), g);
            Tensor aLoses = max ? av.lt(bv) : av.gt(bv), bLoses = max ? bv.lt(av) : bv.gt(av);
            return new Tensor[]{half.maskedFill(aLoses, 0), half.maskedFill(bLoses, 0)};
        }, new Tensor[]{a, b}, sa, sb);
    }

    // ------------------------------------------------------------------ binary, tensor with a number

    static Tensor scalar(Tensor a, BinaryOp op, double s) {
        Tensor out = out(a.data().binary(op, s));
        if (!Graph.records(a)) return out;
        switch (op) {
            case ADD: return Graph.record("AddBackward", out, g -> new Tensor[]{g}, a);
            case SUB: return Graph.record("SubBackward", out, g -> new Tensor[]{g}, a);
            case MUL: return Graph.record("MulBackward", out, g -> new Tensor[]{g.mul(s)}, a);
            case DIV: return Graph.record("DivBackward", out, g -> new Tensor[]{g.div(s)}, a);
            case POW: {
                if (s == 0) return Graph.record("PowBackward", out, g -> new Tensor[]{g.mul(0.0)}, a);
                SavedTensor sa = Graph.save(a);
                return Graph.record("PowBackward", out, g -> new Tensor[]{g.mul(s).mul(sa.get().pow(s - 1))}, a, sa);
            }
            default: throw new UnsupportedOperationException(op + " with a number is not differentiable here");
        }
    }

    /** s - a. */
    static Tensor rsub(Tensor a, double s) {
        Tensor out = out(a.data().binaryReversed(BinaryOp.SUB, s));
        if (!Graph.records(a)) return out;
        return Graph.record("RsubBackward", out, g -> new Tensor[]{g.neg()}, a);
    }

    /** s / a: the derivative is -s / a^2 = -out / a. */
    static Tensor rdiv(Tensor a, double s) {
        Tensor out = out(a.data().binaryReversed(BinaryOp.DIV, s));
        if (!Graph.records(a)) return out;
        SavedTensor sa = Graph.save(a);
        return Graph.record("DivBackward", out, g -> {
            Tensor av = sa.get();
            return new Tensor[]{g.mul(-s).div(av.mul(av))};
        }, a, sa);
    }

    // ------------------------------------------------------------------ unary

    /**
     * g * sign(s) inside a backward formula. Unrecorded (the usual backward) it is one fused kernel
     * instead of a sign pass and a product pass; with createGraph it is the recorded composition.
     */
    private static Tensor mulSign(Tensor g, Tensor s) {
        if (GradMode.isEnabled()) return g.mul(s.sign());
        return out(g.data().mulSign(s.data()));
    }

    /**
     * relu's and abs's rule, g * sign(s). When the engine owns g it is written in place: between two
     * linear layers that is the gradient their product just made, and not allocating a second one of its
     * size is a tenth less new memory per MLP step (a sixth for LeNet).
     */
    private static final class MulSignBackward implements Backward {
        private final SavedTensor s;

        MulSignBackward(SavedTensor s) { this.s = s; }

        @Override
        public Tensor[] apply(Tensor g) { return new Tensor[]{mulSign(g, s.get())}; }

        @Override
        public Tensor[] applyOwning(Tensor g) {
            // The engine owns gradients only when it records nothing (no createGraph), so no graph sees this.
            return new Tensor[]{out(g.data().mulSign_(s.get().data()))};
        }

        @Override
        public boolean overwrites() { return true; }
    }

    static Tensor unary(Tensor a, UnaryOp op) {
        Tensor out = out(a.data().unary(op));
        if (!Graph.records(a) || !out.dtype().isFloatingPoint()) return out;
        String name = BACKWARD_NAMES.get(op);
        switch (op) {
            case NEG: return Graph.record(name, out, g -> new Tensor[]{g.neg()}, a);
            case ABS: { SavedTensor sa = Graph.save(a); return Graph.record(name, out, new MulSignBackward(sa), a, sa); }
            case SIGN: case FLOOR: case CEIL: case ROUND: case TRUNC:
                return Graph.record(name, out, g -> new Tensor[]{g.mul(0.0)}, a);
            case SQUARE: { SavedTensor sa = Graph.save(a); return Graph.record(name, out, g -> new Tensor[]{g.mul(sa.get()).mul(2.0)}, a, sa); }
            case RELU: {
                SavedTensor so = Graph.save(out);
                // relu's output is 0 or positive, so its sign is the 0/1 mask, computed branch-free;
                // a bool mask and a select mispredict on every other element.
                return Graph.record(name, out, new MulSignBackward(so), a, so);
            }
            case EXP: { SavedTensor so = Graph.save(out); return Graph.record(name, out, g -> new Tensor[]{g.mul(so.get())}, a, so); }
            case LOG: { SavedTensor sa = Graph.save(a); return Graph.record(name, out, g -> new Tensor[]{g.div(sa.get())}, a, sa); }
            case LOG1P: { SavedTensor sa = Graph.save(a); return Graph.record(name, out, g -> new Tensor[]{g.div(sa.get().add(1.0))}, a, sa); }
            case SQRT: { SavedTensor so = Graph.save(out); return Graph.record(name, out, g -> new Tensor[]{g.div(so.get().mul(2.0))}, a, so); }
            case RSQRT: {
                SavedTensor so = Graph.save(out);
                return Graph.record(name, out, g -> new Tensor[]{g.mul(so.get().pow(3.0)).mul(-0.5)}, a, so);
            }
            case RECIPROCAL: {
                SavedTensor so = Graph.save(out);
                return Graph.record(name, out, g -> { Tensor o = so.get(); return new Tensor[]{g.neg().mul(o.mul(o))}; }, a, so);
            }
            case SIN: { SavedTensor sa = Graph.save(a); return Graph.record(name, out, g -> new Tensor[]{g.mul(sa.get().cos())}, a, sa); }
            case COS: { SavedTensor sa = Graph.save(a); return Graph.record(name, out, g -> new Tensor[]{g.neg().mul(sa.get().sin())}, a, sa); }
            case TAN: {
                SavedTensor so = Graph.save(out);
                return Graph.record(name, out, g -> { Tensor o = so.get(); return new Tensor[]{g.mul(o.mul(o).add(1.0))}; }, a, so);
            }
            case ERF: {
                // d erf / dx = 2 / sqrt(pi) e^(-x^2).
                SavedTensor sa = Graph.save(a);
                return Graph.record(name, out, g -> { Tensor x = sa.get(); return new Tensor[]{g.mul(x.mul(x).neg().exp()).mul(2 / Math.sqrt(Math.PI))}; }, a, sa);
            }
            case TANH: {
                SavedTensor so = Graph.save(out);
                return Graph.record(name, out, g -> { Tensor o = so.get(); return new Tensor[]{g.mul(o.mul(o).rsub(1.0))}; }, a, so);
            }
            case SIGMOID: {
                SavedTensor so = Graph.save(out);
                return Graph.record(name, out, g -> { Tensor o = so.get(); return new Tensor[]{g.mul(o).mul(o.rsub(1.0))}; }, a, so);
            }
            default: throw new UnsupportedOperationException(op + " has no derivative rule");
        }
    }

    /** The gradient passes where min <= x <= max (NaN bounds are absent). */
    static Tensor clamp(Tensor a, double min, double max) {
        Tensor out = out(a.data().clamp(min, max));
        if (!Graph.records(a)) return out;
        SavedTensor sa = Graph.save(a);
        return Graph.record("ClampBackward", out, g -> new Tensor[]{g.maskedFill(outside(sa.get().detach(), min, max), 0)}, a, sa);
    }

    static Tensor outside(Tensor x, double min, double max) {
        Tensor below = Double.isNaN(min) ? null : x.lt(min), above = Double.isNaN(max) ? null : x.gt(max);
        if (below == null) return above;
        return above == null ? below : below.logicalOr(above);
    }

    static Tensor where(Tensor cond, Tensor a, Tensor b) {
        Tensor out = out(NDArray.where(cond.data(), a.data(), b.data()));
        if (!Graph.records(a, b)) return out;
        SavedTensor sc = Graph.save(cond);
        boolean needA = a.requiresGrad(), needB = b.requiresGrad();
        return Graph.record("WhereBackward", out, g -> {
            Tensor c = sc.get();
            return new Tensor[]{needA ? g.maskedFill(c.logicalNot(), 0) : null, needB ? g.maskedFill(c, 0) : null};
        }, new Tensor[]{a, b}, sc);
    }

    // ------------------------------------------------------------------ copies and conversions

    static Tensor clone(Tensor a) {
        Tensor out = out(a.data().copy());
        if (!Graph.records(a)) return out;
        return Graph.record("CloneBackward", out, g -> new Tensor[]{g}, a);
    }

    /** The engine casts the gradient back to the input's dtype. */
    static Tensor toDType(Tensor a, dev.kindling.tensor.DType dtype) {
        Tensor out = out(a.data().to(dtype));
        if (!Graph.records(a) || !dtype.isFloatingPoint()) return out;
        return Graph.record("ToCopyBackward", out, g -> new Tensor[]{g}, a);
    }

    static Tensor toDevice(Tensor a, dev.kindling.tensor.Device device) {
        Tensor out = out(a.data().to(device));
        if (!Graph.records(a)) return out;
        dev.kindling.tensor.Device from = a.device();
        return Graph.record("ToCopyBackward", out, g -> new Tensor[]{g.to(from)}, a);
    }
}
