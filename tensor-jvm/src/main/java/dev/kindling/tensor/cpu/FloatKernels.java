package dev.kindling.tensor.cpu;

import dev.kindling.tensor.BinaryOp;
import dev.kindling.tensor.UnaryOp;

/**
 * Hand-written float32 loops for the ops that dominate training (add, sub, mul, div, max, min, relu,
 * exp, tanh, sigmoid...). Each row has a dense branch, where every operand uses the same index so C2
 * vectorises it, and a strided branch for views and broadcasts. Other ops go through the generic path.
 */
final class FloatKernels {
    private FloatKernels() {}

    static boolean hasBinary(BinaryOp op) {
        switch (op) {
            case ADD: case SUB: case MUL: case DIV: case MAXIMUM: case MINIMUM: return true;
            default: return false;
        }
    }

    static boolean hasUnary(UnaryOp op) {
        switch (op) {
            case NEG: case ABS: case RELU: case SIGN: case EXP: case TANH: case SIGMOID: case ERF: case LOG: case SQRT: case SQUARE:
            case RECIPROCAL:
                return true;
            default: return false;
        }
    }

    /** o[oo + i*os] = a[ao + i*as] op b[bo + i*bs] for i in [0, n). */
    static void binary(BinaryOp op, float[] a, int ao, int as, float[] b, int bo, int bs, float[] o, int oo, int os, int n) {
        if (as == 1 && bs == 1 && os == 1 && ao == oo && bo == oo) {
            int end = oo + n;
            switch (op) {
                case ADD: for (int i = oo; i < end; i++) o[i] = a[i] + b[i]; return;
                case SUB: for (int i = oo; i < end; i++) o[i] = a[i] - b[i]; return;
                case MUL: for (int i = oo; i < end; i++) o[i] = a[i] * b[i]; return;
                case DIV: for (int i = oo; i < end; i++) o[i] = a[i] / b[i]; return;
                case MAXIMUM: for (int i = oo; i < end; i++) o[i] = Math.max(a[i], b[i]); return;
                case MINIMUM: for (int i = oo; i < end; i++) o[i] = Math.min(a[i], b[i]); return;
                default: throw new IllegalStateException(op.name());
            }
        }
        if (as == 1 && bs == 1 && os == 1 && ao == oo) {
            // A row of a broadcast, e.g. a bias added to each row of a batch: b starts elsewhere.
            int shift = bo - oo, end = oo + n;
            switch (op) {
                case ADD: for (int i = oo; i < end; i++) o[i] = a[i] + b[i + shift]; return;
                case SUB: for (int i = oo; i < end; i++) o[i] = a[i] - b[i + shift]; return;
                case MUL: for (int i = oo; i < end; i++) o[i] = a[i] * b[i + shift]; return;
                case DIV: for (int i = oo; i < end; i++) o[i] = a[i] / b[i + shift]; return;
                case MAXIMUM: for (int i = oo; i < end; i++) o[i] = Math.max(a[i], b[i + shift]); return;
                case MINIMUM: for (int i = oo; i < end; i++) o[i] = Math.min(a[i], b[i + shift]); return;
                default: throw new IllegalStateException(op.name());
            }
        }
        if (bs == 0 && as == 1 && os == 1 && ao == oo) {
            scalar(op, a, b[bo], false, o, oo, n);
            return;
        }
        if (as == 0 && bs == 1 && os == 1 && bo == oo) {
            scalar(op, b, a[ao], true, o, oo, n);
            return;
        }
        switch (op) {
            case ADD: for (int i = 0; i < n; i++) o[oo + i * os] = a[ao + i * as] + b[bo + i * bs]; return;
            case SUB: for (int i = 0; i < n; i++) o[oo + i * os] = a[ao + i * as] - b[bo + i * bs]; return;
            case MUL: for (int i = 0; i < n; i++) o[oo + i * os] = a[ao + i * as] * b[bo + i * bs]; return;
            case DIV: for (int i = 0; i < n; i++) o[oo + i * os] = a[ao + i * as] / b[bo + i * bs]; return;
            case MAXIMUM: for (int i = 0; i < n; i++) o[oo + i * os] = Math.max(a[ao + i * as], b[bo + i * bs]); return;
            case MINIMUM: for (int i = 0; i < n; i++) o[oo + i * os] = Math.min(a[ao + i * as], b[bo + i * bs]); return;
            default: throw new IllegalStateException(op.name());
        }
    }

    /** o[oo+i] = a[oo+i] op s (or s op a[oo+i] when scalarFirst), dense. */
    static void scalar(BinaryOp op, float[] a, float s, boolean scalarFirst, float[] o, int oo, int n) {
        int end = oo + n;
        switch (op) {
            case ADD: for (int i = oo; i < end; i++) o[i] = a[i] + s; return;
            case MUL: for (int i = oo; i < end; i++) o[i] = a[i] * s; return;
            case MAXIMUM: for (int i = oo; i < end; i++) o[i] = Math.max(a[i], s); return;
            case MINIMUM: for (int i = oo; i < end; i++) o[i] = Math.min(a[i], s); return;
            case SUB:
                if (scalarFirst) for (int i = oo; i < end; i++) o[i] = s - a[i];
                else for (int i = oo; i < end; i++) o[i] = a[i] - s;
                return;
            case DIV:
                if (scalarFirst) for (int i = oo; i < end; i++) o[i] = s / a[i];
                else for (int i = oo; i < end; i++) o[i] = a[i] / s;
                return;
            default: throw new IllegalStateException(op.name());
        }
    }

    /** Strided scalar op. */
    static void scalarStrided(BinaryOp op, float[] a, int ao, int as, float s, boolean scalarFirst, float[] o, int oo, int os, int n) {
        if (as == 1 && os == 1 && ao == oo) {
            scalar(op, a, s, scalarFirst, o, oo, n);
            return;
        }
        for (int i = 0; i < n; i++) {
            float v = a[ao + i * as];
            float r;
            switch (op) {
                case ADD: r = v + s; break;
                case MUL: r = v * s; break;
                case MAXIMUM: r = Math.max(v, s); break;
                case MINIMUM: r = Math.min(v, s); break;
                case SUB: r = scalarFirst ? s - v : v - s; break;
                case DIV: r = scalarFirst ? s / v : v / s; break;
                default: throw new IllegalStateException(op.name());
            }
            o[oo + i * os] = r;
        }
    }

    /**
     * o = (a op s) for a comparison op, into a bool array. One loop per op so each compiles to a
     * compare and a store (masks for ReLU, clamp and the losses come from here).
     */
    static void compareScalar(BinaryOp op, float[] a, int ao, int as, float s, boolean scalarFirst, boolean[] o, int oo, int os, int n) {
        BinaryOp cmp = scalarFirst ? mirrored(op) : op;
        switch (cmp) {
            case EQ: for (int i = 0; i < n; i++) o[oo + i * os] = a[ao + i * as] == s; return;
            case NE: for (int i = 0; i < n; i++) o[oo + i * os] = a[ao + i * as] != s; return;
            case LT: for (int i = 0; i < n; i++) o[oo + i * os] = a[ao + i * as] < s; return;
            case LE: for (int i = 0; i < n; i++) o[oo + i * os] = a[ao + i * as] <= s; return;
            case GT: for (int i = 0; i < n; i++) o[oo + i * os] = a[ao + i * as] > s; return;
            case GE: for (int i = 0; i < n; i++) o[oo + i * os] = a[ao + i * as] >= s; return;
            default: throw new IllegalStateException(op.name());
        }
    }

    /** The comparison that gives the same answer with its operands swapped: s < v is v > s. */
    private static BinaryOp mirrored(BinaryOp op) {
        switch (op) {
            case LT: return BinaryOp.GT;
            case LE: return BinaryOp.GE;
            case GT: return BinaryOp.LT;
            case GE: return BinaryOp.LE;
            default: return op;
        }
    }

    /** o = op(x) over dense [from, to); x and o may be the same array. */
    static void unaryDense(UnaryOp op, float[] x, float[] o, int from, int to) {
        switch (op) {
            case NEG: for (int i = from; i < to; i++) o[i] = -x[i]; return;
            case ABS: for (int i = from; i < to; i++) o[i] = Math.abs(x[i]); return;
            // Math.max, not a branch: C2 vectorises it, and it keeps NaN as torch.relu does.
            case RELU: for (int i = from; i < to; i++) o[i] = Math.max(x[i], 0f); return;
            case SIGN: for (int i = from; i < to; i++) o[i] = sign(x[i]); return;
            case SQRT: for (int i = from; i < to; i++) o[i] = (float) Math.sqrt(x[i]); return;
            case SQUARE: for (int i = from; i < to; i++) o[i] = x[i] * x[i]; return;
            case RECIPROCAL: for (int i = from; i < to; i++) o[i] = 1f / x[i]; return;
            case EXP: FastMath.exp(x, o, from, to); return;
            case SIGMOID: FastMath.sigmoid(x, o, from, to); return;
            case TANH: FastMath.tanh(x, o, from, to); return;
            case ERF: FastMath.erf(x, o, from, to); return;
            case LOG: FastMath.log(x, o, from, to); return;
            default: throw new IllegalStateException(op.name());
        }
    }

    /** o = a * sign(s) over n dense elements; vectorised when the three offsets are equal. */
    static void mulSign(float[] a, int ao, float[] s, int so, float[] o, int oo, int n) {
        if (ao == oo && so == oo) {
            int end = oo + n;
            for (int i = oo; i < end; i++) o[i] = a[i] * sign(s[i]);
            return;
        }
        for (int i = 0; i < n; i++) o[oo + i] = a[ao + i] * sign(s[so + i]);
    }

    /**
     * Math.signum without a branch: scaling by 2^252 lifts even the smallest subnormal past 1, so clamping
     * to [-1, 1] gives -1/1 and keeps 0, -0 and NaN. Math.signum compiles to branches that mispredict on
     * mixed signs (about 40x slower on ReLU masks, which backward multiplies by).
     */
    private static float sign(float v) { return Math.max(Math.min(v * 0x1p126f * 0x1p126f, 1f), -1f); }
}
