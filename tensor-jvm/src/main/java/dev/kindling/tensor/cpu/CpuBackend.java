package dev.kindling.tensor.cpu;

import dev.kindling.tensor.ThroughFloat;
import dev.kindling.tensor.Backend;
import dev.kindling.tensor.BinaryOp;
import dev.kindling.tensor.ConvParams;
import dev.kindling.tensor.DType;
import dev.kindling.tensor.Device;
import dev.kindling.tensor.NDArray;
import dev.kindling.tensor.ReduceOp;
import dev.kindling.tensor.Resampling;
import dev.kindling.tensor.Storage;
import dev.kindling.tensor.UnaryOp;

/**
 * The CPU backend: Java loops over heap arrays (hand-written float32 loops for the hot ops, one
 * generic typed path for the rest), split over cores by {@link Parallel}, and OpenBLAS for GEMM.
 */
public final class CpuBackend implements Backend {
    public static final CpuBackend INSTANCE = new CpuBackend();

    private CpuBackend() {}

    /** How OpenBLAS reaches tensors: "on the heap arrays", or why products are staged (for Kindling.doctor()). */
    public static String gemmOperands() { return HeapBlas.status(); }

    static Object data(NDArray x) { return ((CpuStorage) x.storage()).array; }

    @Override
    public boolean supports(Device device) { return device.isCpu(); }

    @Override
    public Storage allocate(Device device, DType dtype, int size) { return CpuStorage.allocate(dtype, size); }

    @Override
    public Storage fromArray(Device device, Object javaArray) {
        DType dtype = DType.ofArray("of", javaArray);
        int n = java.lang.reflect.Array.getLength(javaArray);
        Object copy = java.lang.reflect.Array.newInstance(dtype.javaType(), n);
        System.arraycopy(javaArray, 0, copy, 0, n);
        return new CpuStorage(copy);
    }

    @Override
    public Object toArray(NDArray x) {
        NDArray out = NDArray.zeros(x.dtype(), x.shape());
        copy(x, out);
        return data(out);
    }

    // ------------------------------------------------------------------ copy and fill

    @Override
    public void copy(NDArray src, NDArray dst) {
        Object s = data(src), d = data(dst);
        if (src.dtype() == dst.dtype() && src.isContiguous() && dst.isContiguous() && dst.numel() > 0 && dst.numel() <= Parallel.GRAIN
                && java.util.Arrays.equals(src.shapeRef(), dst.shapeRef())) {
            // Small dense copies (biases, states, targets read back): one arraycopy, without planning a walk.
            System.arraycopy(s, src.offset(), d, dst.offset(), (int) dst.numel());
            return;
        }
        Strided it = Strided.of(dst, src);
        int ds = it.innerStride(0), ss = it.innerStride(1);
        if (src.dtype() == dst.dtype() && ds == 1 && ss == 1) {
            // Runs of unit stride on both sides are plain array copies.
            it.parallelForEach(1, (n, od, os, unused) -> System.arraycopy(s, os, d, od, n));
            return;
        }
        if (s instanceof float[] && d instanceof float[]) {
            float[] sf = (float[]) s, df = (float[]) d;
            it.parallelForEach(1, (n, od, os, unused) -> {
                for (int i = 0; i < n; i++) df[od + i * ds] = sf[os + i * ss];
            });
            return;
        }
        if (s instanceof double[] && d instanceof double[]) {
            double[] sf = (double[]) s, df = (double[]) d;
            it.parallelForEach(1, (n, od, os, unused) -> {
                for (int i = 0; i < n; i++) df[od + i * ds] = sf[os + i * ss];
            });
            return;
        }
        Buf sb = Buf.of(s), db = Buf.of(d);
        boolean viaLong = src.dtype().isIntegral() && dst.dtype().isIntegral();
        it.parallelForEach(2, (n, od, os, unused) -> {
            if (viaLong) for (int i = 0; i < n; i++) db.setL(od + i * ds, sb.getL(os + i * ss));
            else for (int i = 0; i < n; i++) db.setD(od + i * ds, sb.getD(os + i * ss));
        });
    }

    @Override
    public void fill(NDArray dst, double value) {
        Object d = data(dst);
        Strided it = Strided.of(dst);
        int st = it.innerStride(0);
        if (d instanceof float[]) {
            float v = (float) value;
            float[] a = (float[]) d;
            it.parallelForEach(1, (n, o, u1, u2) -> {
                if (st == 1) java.util.Arrays.fill(a, o, o + n, v);
                else for (int i = 0; i < n; i++) a[o + i * st] = v;
            });
            return;
        }
        Buf b = Buf.of(d);
        long lv = (long) value;
        boolean integral = dst.dtype().isIntegral();
        it.parallelForEach(1, (n, o, u1, u2) -> {
            for (int i = 0; i < n; i++) {
                if (integral) b.setL(o + i * st, dst.dtype() == DType.BOOL ? (value != 0 ? 1 : 0) : lv);
                else b.setD(o + i * st, value);
            }
        });
    }

    // ------------------------------------------------------------------ elementwise

    @Override
    public void unary(UnaryOp op, NDArray x, NDArray out) {
        if (x.dtype() == DType.FLOAT32 && FloatKernels.hasUnary(op)) {
            float[] xs = (float[]) data(x), os = (float[]) data(out);
            boolean dense = x.isContiguous() && out.isContiguous() && x.offset() == out.offset();
            if (!dense) {
                // Gathering first costs one memcpy-speed pass; the dense kernel then runs 10-50x faster
                // than a scalar strided loop for exp/tanh/sigmoid.
                NDArray c = x.copy();
                NDArray r = out.isContiguous() && out.offset() == 0 ? out : NDArray.zeros(DType.FLOAT32, out.shape());
                float[] cs = (float[]) data(c), rs = (float[]) data(r);
                unaryDense(op, cs, rs, 0, (int) c.numel());
                if (r != out) copy(r, out);
                return;
            }
            unaryDense(op, xs, os, x.offset(), x.offset() + (int) x.numel());
            return;
        }
        Buf xb = Buf.of(data(x)), ob = Buf.of(data(out));
        Strided it = Strided.of(out, x);
        int so = it.innerStride(0), sx = it.innerStride(1);
        boolean floating = x.dtype().isFloatingPoint();
        it.parallelForEach(cost(op), (n, oo, xo, u) -> {
            if (floating) for (int i = 0; i < n; i++) ob.setD(oo + i * so, op.apply(xb.getD(xo + i * sx)));
            else for (int i = 0; i < n; i++) ob.setL(oo + i * so, op.applyLong(xb.getL(xo + i * sx)));
        });
    }

    /** A float32 unary op over dense [from, to) of x into o, split over the threads. */
    private static void unaryDense(UnaryOp op, float[] x, float[] o, int from, int to) {
        if (op == UnaryOp.EXP && to - from < FastMath.SCALAR_EXP_BELOW) {
            FastMath.expScalar(x, o, from, to);
            return;
        }
        Parallel.forRange(to - from, cost(op), (a, b) -> FloatKernels.unaryDense(op, x, o, from + (int) a, from + (int) b));
    }

    private static long cost(UnaryOp op) {
        switch (op) {
            case NEG: case ABS: case RELU: case SQUARE: case SIGN: case LOGICAL_NOT: return 1;
            default: return 8;
        }
    }

    @Override
    public void binary(BinaryOp op, NDArray a, NDArray b, NDArray out) {
        if (a.dtype() == DType.FLOAT32 && out.dtype() == DType.FLOAT32 && FloatKernels.hasBinary(op)
                && a.isContiguous() && b.isContiguous() && out.isContiguous()
                && java.util.Arrays.equals(a.shapeRef(), out.shapeRef()) && java.util.Arrays.equals(b.shapeRef(), out.shapeRef())) {
            float[] ad = (float[]) data(a), bd = (float[]) data(b), od = (float[]) data(out);
            int ao = a.offset(), bo = b.offset(), oo = out.offset();
            long n = out.numel();
            if (n < Parallel.GRAIN) {
                FloatKernels.binary(op, ad, ao, 1, bd, bo, 1, od, oo, 1, (int) n);
            } else {
                Parallel.forRange(n, 1, (from, to) -> FloatKernels.binary(op, ad, ao + (int) from, 1, bd, bo + (int) from, 1,
                        od, oo + (int) from, 1, (int) (to - from)));
            }
            return;
        }
        Strided it = Strided.of(out, a, b);
        int so = it.innerStride(0), sa = it.innerStride(1), sb = it.innerStride(2);
        if (a.dtype() == DType.FLOAT32 && out.dtype() == DType.FLOAT32 && FloatKernels.hasBinary(op)) {
            float[] ad = (float[]) data(a), bd = (float[]) data(b), od = (float[]) data(out);
            it.parallelForEach(1, (n, oo, ao, bo) -> FloatKernels.binary(op, ad, ao, sa, bd, bo, sb, od, oo, so, n));
            return;
        }
        Buf ab = Buf.of(data(a)), bb = Buf.of(data(b)), ob = Buf.of(data(out));
        boolean floating = a.dtype().isFloatingPoint();
        it.parallelForEach(4, (n, oo, ao, bo) -> {
            if (floating) {
                for (int i = 0; i < n; i++) ob.setD(oo + i * so, op.apply(ab.getD(ao + i * sa), bb.getD(bo + i * sb)));
            } else {
                for (int i = 0; i < n; i++) ob.setL(oo + i * so, op.applyLong(ab.getL(ao + i * sa), bb.getL(bo + i * sb)));
            }
        });
    }

    @Override
    public void mulSign(NDArray a, NDArray s, NDArray out) {
        if (a.dtype() != DType.FLOAT32 || !a.isContiguous() || !s.isContiguous()) {
            Backend.super.mulSign(a, s, out);
            return;
        }
        float[] ad = (float[]) data(a), sd = (float[]) data(s), od = (float[]) data(out);
        int ao = a.offset(), so = s.offset(), oo = out.offset();
        Parallel.forRange(out.numel(), 1, (from, to) -> FloatKernels.mulSign(ad, ao + (int) from, sd, so + (int) from,
                od, oo + (int) from, (int) (to - from)));
    }

    @Override
    public boolean softmaxRows(NDArray x, boolean log, NDArray out) {
        if (ThroughFloat.needed(x, out)) {
            NDArray target = ThroughFloat.target(out);
            softmaxRows(ThroughFloat.widen(x), log, target);
            ThroughFloat.narrow(target, out);
            return true;
        }
        int n = x.shapeRef()[x.dim() - 1];
        long rows = x.numel() / n;
        if (x.dtype() == DType.FLOAT32) SoftmaxRows.run((float[]) data(x), x.offset(), (float[]) data(out), out.offset(), rows, n, log);
        else SoftmaxRows.run((double[]) data(x), x.offset(), (double[]) data(out), out.offset(), rows, n, log);
        return true;
    }

    /**
     * Below this many elements softmax's backward is composed from kernels a training run has compiled
     * already: its temporaries are cheap there, and the fused kernel's own compilation cost C2 about 30 ms
     * inside the first steps of a run with a classifier's loss (in the peers' LeNet and LSTM windows).
     */
    private static final long FUSED_SOFTMAX_BACKWARD_MIN = 1 << 20;

    @Override
    public boolean softmaxBackwardRows(NDArray y, NDArray g, boolean log, NDArray out) {
        if (g.dtype() != y.dtype()) return false;
        if (ThroughFloat.needed(y)) {
            // 16-bit floats always: computed in float32 and rounded once, as their forward.
            NDArray target = ThroughFloat.target(out);
            softmaxBackward(ThroughFloat.widen(y), ThroughFloat.widen(g), log, target);
            ThroughFloat.narrow(target, out);
            return true;
        }
        if (y.numel() < FUSED_SOFTMAX_BACKWARD_MIN) return false;
        softmaxBackward(y, g, log, out);
        return true;
    }

    private static void softmaxBackward(NDArray y, NDArray g, boolean log, NDArray out) {
        int n = y.shapeRef()[y.dim() - 1];
        long rows = y.numel() / n;
        if (y.dtype() == DType.FLOAT32) {
            SoftmaxRows.backward((float[]) data(y), y.offset(), (float[]) data(g), g.offset(), (float[]) data(out), out.offset(), rows, n, log);
        } else {
            SoftmaxRows.backward((double[]) data(y), y.offset(), (double[]) data(g), g.offset(), (double[]) data(out), out.offset(), rows, n, log);
        }
    }

    @Override
    public void binaryScalar(BinaryOp op, NDArray a, double s, boolean scalarFirst, NDArray out) {
        Strided it = Strided.of(out, a);
        int so = it.innerStride(0), sa = it.innerStride(1);
        if (a.dtype() == DType.FLOAT32 && out.dtype() == DType.FLOAT32 && FloatKernels.hasBinary(op)) {
            float[] ad = (float[]) data(a), od = (float[]) data(out);
            float fs = (float) s;
            it.parallelForEach(1, (n, oo, ao, u) -> FloatKernels.scalarStrided(op, ad, ao, sa, fs, scalarFirst, od, oo, so, n));
            return;
        }
        if (op == BinaryOp.POW && (s == 1 || s == 2) && !scalarFirst && a.dtype() == DType.FLOAT32 && out.dtype() == DType.FLOAT32) {
            // x^1 is x and x^2 is x * x exactly (Math.pow's double result from a float, rounded to float, is
            // the same), without a Math.pow call per element: pow(2)'s backward asks for x^1, and pow
            // forward and backward over 1M elements took 20 ms.
            float[] ad = (float[]) data(a), od = (float[]) data(out);
            boolean square = s == 2;
            it.parallelForEach(1, (n, oo, ao, u) -> {
                for (int i = 0; i < n; i++) {
                    float v = ad[ao + i * sa];
                    od[oo + i * so] = square ? v * v : v;
                }
            });
            return;
        }
        if (a.dtype() == DType.FLOAT32 && out.dtype() == DType.BOOL && op.kind() == BinaryOp.Kind.COMPARISON && !Double.isNaN(s)
                && (float) s == s) {
            float[] ad = (float[]) data(a);
            boolean[] od = (boolean[]) data(out);
            float fs = (float) s;
            it.parallelForEach(1, (n, oo, ao, u) -> FloatKernels.compareScalar(op, ad, ao, sa, fs, scalarFirst, od, oo, so, n));
            return;
        }
        Buf ab = Buf.of(data(a)), ob = Buf.of(data(out));
        boolean floating = a.dtype().isFloatingPoint();
        long ls = (long) s;
        it.parallelForEach(4, (n, oo, ao, u) -> {
            if (floating) {
                for (int i = 0; i < n; i++) {
                    double v = ab.getD(ao + i * sa);
                    ob.setD(oo + i * so, scalarFirst ? op.apply(s, v) : op.apply(v, s));
                }
            } else {
                for (int i = 0; i < n; i++) {
                    long v = ab.getL(ao + i * sa);
                    ob.setL(oo + i * so, scalarFirst ? op.applyLong(ls, v) : op.applyLong(v, ls));
                }
            }
        });
    }

    @Override
    public void where(NDArray cond, NDArray a, NDArray b, NDArray out) {
        if (whereDenseFloat(cond, a, b, out)) return;
        // Strided walks three operands, so the condition is flattened to row-major order first and
        // read with a running position (the walk below is sequential and row-major).
        boolean[] c = (boolean[]) toArray(cond);
        Strided it = Strided.of(out, a, b);
        int so = it.innerStride(0), sa = it.innerStride(1), sb = it.innerStride(2);
        if (out.isContiguous() && (data(out) instanceof float[] || data(out) instanceof double[])) {
            // A contiguous output's offset gives the row-major position, so rows can split over cores;
            // typed loops, as the generic walk reads every element through a virtual double accessor.
            int base = out.offset();
            if (data(out) instanceof float[] of) {
                float[] af = (float[]) data(a), bf = (float[]) data(b);
                it.parallelForEach(1, (n, oo, ao, bo) -> {
                    for (int i = 0, k = oo - base; i < n; i++) of[oo + i * so] = c[k + i] ? af[ao + i * sa] : bf[bo + i * sb];
                });
            } else {
                double[] od = (double[]) data(out), ad = (double[]) data(a), bd = (double[]) data(b);
                it.parallelForEach(1, (n, oo, ao, bo) -> {
                    for (int i = 0, k = oo - base; i < n; i++) od[oo + i * so] = c[k + i] ? ad[ao + i * sa] : bd[bo + i * sb];
                });
            }
            return;
        }
        Buf ab = Buf.of(data(a)), bb = Buf.of(data(b)), ob = Buf.of(data(out));
        boolean integral = out.dtype().isIntegral();
        int[] k = {0};
        it.forEach(0, it.numel, (n, oo, ao, bo) -> {
            int base = k[0];
            for (int i = 0; i < n; i++) {
                boolean t = c[base + i];
                if (integral) ob.setL(oo + i * so, t ? ab.getL(ao + i * sa) : bb.getL(bo + i * sb));
                else ob.setD(oo + i * so, t ? ab.getD(ao + i * sa) : bb.getD(bo + i * sb));
            }
            k[0] = base + n;
        });
    }

    /**
     * float32 with a dense condition and output, and each branch dense or one broadcast scalar: ReLU's
     * backward and every maskedFill. A ternary per element is a branch the CPU mispredicts on real masks
     * (~5 ns per element), so the choice is made on the bits: take = -1 where the condition holds.
     */
    private static boolean whereDenseFloat(NDArray cond, NDArray a, NDArray b, NDArray out) {
        if (out.dtype() != DType.FLOAT32 || a.dtype() != DType.FLOAT32 || !out.isContiguous() || !cond.isContiguous()) return false;
        int sa = denseOrScalarStride(a), sb = denseOrScalarStride(b);
        if (sa < 0 || sb < 0) return false;
        boolean[] c = (boolean[]) data(cond);
        float[] ad = (float[]) data(a), bd = (float[]) data(b), od = (float[]) data(out);
        int co = cond.offset(), ao = a.offset(), bo = b.offset(), oo = out.offset();
        Parallel.forRange(out.numel(), 1, (from, to) -> {
            int lo = (int) from, hi = (int) to;
            if (sa == 0 && sb == 1) { // maskedFill: a scalar where the mask holds; the loop without strides runs 2x faster
                int fill = Float.floatToRawIntBits(ad[ao]);
                for (int i = lo; i < hi; i++) {
                    int take = -(c[co + i] ? 1 : 0);
                    od[oo + i] = Float.intBitsToFloat((fill & take) | (Float.floatToRawIntBits(bd[bo + i]) & ~take));
                }
            } else {
                for (int i = lo; i < hi; i++) {
                    int take = -(c[co + i] ? 1 : 0);
                    int bits = (Float.floatToRawIntBits(ad[ao + i * sa]) & take) | (Float.floatToRawIntBits(bd[bo + i * sb]) & ~take);
                    od[oo + i] = Float.intBitsToFloat(bits);
                }
            }
        });
        return true;
    }

    /** 1 for a contiguous array, 0 for a scalar broadcast to any shape (every stride 0), else -1. */
    private static int denseOrScalarStride(NDArray x) {
        if (x.isContiguous()) return 1;
        for (int st : x.stridesRef()) if (st != 0) return -1;
        return 0;
    }

    @Override
    public void clamp(NDArray x, double lo, double hi, NDArray out) {
        Buf xb = Buf.of(data(x)), ob = Buf.of(data(out));
        Strided it = Strided.of(out, x);
        int so = it.innerStride(0), sx = it.innerStride(1);
        boolean integral = x.dtype().isIntegral();
        it.parallelForEach(2, (n, oo, xo, u) -> {
            for (int i = 0; i < n; i++) {
                if (integral) {
                    long v = xb.getL(xo + i * sx);
                    if (!Double.isNaN(lo)) v = Math.max(v, (long) Math.ceil(lo));
                    if (!Double.isNaN(hi)) v = Math.min(v, (long) Math.floor(hi));
                    ob.setL(oo + i * so, v);
                } else {
                    double v = xb.getD(xo + i * sx);
                    // NaN inputs stay NaN, as in torch.clamp.
                    if (!Double.isNaN(lo) && v < lo) v = lo;
                    if (!Double.isNaN(hi) && v > hi) v = hi;
                    ob.setD(oo + i * so, v);
                }
            }
        });
    }

    // ------------------------------------------------------------------ reductions

    @Override
    public void reduce(ReduceOp op, NDArray x, boolean[] reduced, NDArray out) {
        Reductions.reduce(op, x, reduced, out);
    }

    @Override
    public void argReduce(boolean max, NDArray x, int dim, NDArray values, NDArray indices) {
        Reductions.argReduce(max, x, dim, values, indices);
    }

    // ------------------------------------------------------------------ matmul and indexing

    @Override
    public void matmul(NDArray a, NDArray b, NDArray out) {
        NDArray r = ThroughFloat.target(out);
        Blas.matmul(ThroughFloat.widen(a), ThroughFloat.widen(b), r);
        ThroughFloat.narrow(r, out);
    }

    @Override
    public void indexSelect(NDArray x, int dim, NDArray index, NDArray out) {
        long[] idx = (long[]) toArray(index);
        int size = x.shape()[dim];
        if (dim == 0 && x.numel() > 0 && x.isContiguous() && out.isContiguous() && x.dtype() == out.dtype()) {
            // Whole rows (an embedding lookup): one array copy each, not two views and a strided copy.
            int row = (int) (x.numel() / size);
            Object xd = data(x), od = data(out);
            for (int i = 0; i < idx.length; i++) {
                long j = idx[i] < 0 ? idx[i] + size : idx[i];
                System.arraycopy(xd, x.offset() + (int) j * row, od, out.offset() + i * row, row);
            }
            return;
        }
        for (int i = 0; i < idx.length; i++) {
            long j = idx[i] < 0 ? idx[i] + size : idx[i];
            copy(x.select(dim, (int) j), out.select(dim, i));
        }
    }

    @Override
    public void gather(NDArray x, int dim, NDArray index, NDArray out) {
        Buf xb = Buf.of(data(x)), ob = Buf.of(data(out)), ib = Buf.of(data(index));
        int[] xs = x.strides();
        int size = x.dim() == 0 ? 1 : x.shape()[dim];
        boolean integral = x.dtype().isIntegral();
        if (x.dim() == 2 && dim == 1) { // each row's picks (a classifier's loss): plain loops
            int[] is = index.strides(), os = out.strides();
            for (int i = 0; i < index.shape()[0]; i++) {
                for (int k = 0; k < index.shape()[1]; k++) {
                    long j = ib.getL(index.offset() + i * is[0] + k * is[1]);
                    int xo = x.offset() + i * xs[0] + (int) (j < 0 ? j + size : j) * xs[1], oo = out.offset() + i * os[0] + k * os[1];
                    if (integral) ob.setL(oo, xb.getL(xo));
                    else ob.setD(oo, xb.getD(xo));
                }
            }
            return;
        }
        // Walk out and index together; x's offset for each element is the index position with dim swapped.
        forEachIndexed(index, (pos, io, coords) -> {
            long j = ib.getL(io);
            if (j < 0) j += size;
            int xo = x.offset();
            for (int d = 0; d < coords.length; d++) xo += (d == dim ? (int) j : coords[d]) * xs[d];
            int oo = out.offset() + offsetOf(out, coords);
            if (integral) ob.setL(oo, xb.getL(xo));
            else ob.setD(oo, xb.getD(xo));
        });
    }

    @Override
    public void scatter(NDArray target, int dim, NDArray index, NDArray src, boolean accumulate) {
        Buf tb = Buf.of(data(target)), sb = Buf.of(data(src)), ib = Buf.of(data(index));
        int[] ts = target.strides();
        int size = target.dim() == 0 ? 1 : target.shape()[dim];
        boolean integral = target.dtype().isIntegral();
        if (target.dim() == 2 && dim == 1) { // each row's picks (a classifier's loss, backward): plain loops
            int[] is = index.strides(), ss = src.strides();
            for (int i = 0; i < index.shape()[0]; i++) {
                for (int k = 0; k < index.shape()[1]; k++) {
                    long j = ib.getL(index.offset() + i * is[0] + k * is[1]);
                    int to = target.offset() + i * ts[0] + (int) (j < 0 ? j + size : j) * ts[1], so = src.offset() + i * ss[0] + k * ss[1];
                    if (integral) tb.setL(to, (accumulate ? tb.getL(to) : 0) + sb.getL(so));
                    else tb.setD(to, (accumulate ? tb.getD(to) : 0) + sb.getD(so));
                }
            }
            return;
        }
        forEachIndexed(index, (pos, io, coords) -> {
            long j = ib.getL(io);
            if (j < 0) j += size;
            int to = target.offset();
            for (int d = 0; d < coords.length; d++) to += (d == dim ? (int) j : coords[d]) * ts[d];
            int so = src.offset() + offsetOf(src, coords);
            if (integral) tb.setL(to, (accumulate ? tb.getL(to) : 0) + sb.getL(so));
            else tb.setD(to, (accumulate ? tb.getD(to) : 0) + sb.getD(so));
        });
    }

    @Override
    public void indexAdd(NDArray target, int dim, NDArray index, NDArray src) {
        long[] idx = (long[]) toArray(index);
        int size = target.shape()[dim];
        if (dim == 0 && target.numel() > 0 && target.isContiguous() && src.isContiguous() && target.dtype() == src.dtype()
                && (target.dtype() == DType.FLOAT32 || target.dtype() == DType.FLOAT64)) {
            // Whole rows (an embedding's backward): one plain loop each, not two views and a dispatched add.
            int row = (int) (target.numel() / size);
            Object td = data(target), sd = data(src);
            for (int i = 0; i < idx.length; i++) {
                long j = idx[i] < 0 ? idx[i] + size : idx[i];
                int to = target.offset() + (int) j * row, from = src.offset() + i * row;
                if (td instanceof float[] t) {
                    float[] f = (float[]) sd;
                    for (int k = 0; k < row; k++) t[to + k] += f[from + k];
                } else {
                    double[] t = (double[]) td, f = (double[]) sd;
                    for (int k = 0; k < row; k++) t[to + k] += f[from + k];
                }
            }
            return;
        }
        for (int i = 0; i < idx.length; i++) {
            long j = idx[i] < 0 ? idx[i] + size : idx[i];
            NDArray row = target.select(dim, (int) j);
            binary(BinaryOp.ADD, row, src.select(dim, i), row);
        }
    }

    @Override
    public NDArray maskedSelect(NDArray x, NDArray mask) {
        boolean[] m = (boolean[]) toArray(mask);
        NDArray flat = NDArray.of(toArray(x), m.length);
        int count = 0;
        for (boolean v : m) if (v) count++;
        NDArray out = NDArray.zeros(x.dtype(), count);
        Buf fb = Buf.of(data(flat)), ob = Buf.of(data(out));
        boolean integral = x.dtype().isIntegral();
        for (int i = 0, k = 0; i < m.length; i++) {
            if (!m[i]) continue;
            if (integral) ob.setL(k++, fb.getL(i));
            else ob.setD(k++, fb.getD(i));
        }
        return out;
    }

    @Override
    public void im2col(NDArray x, int kh, int kw, int sh, int sw, int ph, int pw, int dh, int dw, NDArray out) {
        NDArray r = ThroughFloat.target(out);
        Convolution.im2col(ThroughFloat.widen(x), kh, kw, sh, sw, ph, pw, dh, dw, r);
        ThroughFloat.narrow(r, out);
    }

    @Override
    public void col2im(NDArray cols, int kh, int kw, int sh, int sw, int ph, int pw, int dh, int dw, NDArray out) {
        NDArray r = ThroughFloat.target(out);
        Convolution.col2im(ThroughFloat.widen(cols), kh, kw, sh, sw, ph, pw, dh, dw, r);
        ThroughFloat.narrow(r, out);
    }

    // ------------------------------------------------------------------ convolution and pooling (Convolution, Pooling)
    // float16/bfloat16 operands go through float32 (ThroughFloat); for other dtypes target/widen are the identity.

    @Override
    public void conv2d(NDArray x, NDArray w, NDArray bias, ConvParams p, NDArray out) {
        NDArray r = ThroughFloat.target(out);
        Convolution.conv2d(ThroughFloat.widen(x), ThroughFloat.widen(w), ThroughFloat.widen(bias), p, r);
        ThroughFloat.narrow(r, out);
    }

    @Override
    public void conv2dBackwardInput(NDArray gy, NDArray w, ConvParams p, NDArray out) {
        NDArray r = ThroughFloat.target(out);
        Convolution.conv2dBackwardInput(ThroughFloat.widen(gy), ThroughFloat.widen(w), p, r);
        ThroughFloat.narrow(r, out);
    }

    @Override
    public void conv2dBackwardWeight(NDArray x, NDArray gy, ConvParams p, NDArray out) {
        NDArray r = ThroughFloat.target(out);
        Convolution.conv2dBackwardWeight(ThroughFloat.widen(x), ThroughFloat.widen(gy), p, r);
        ThroughFloat.narrow(r, out);
    }

    @Override
    public void maxPool2d(NDArray x, int kh, int kw, int sh, int sw, int ph, int pw, int dh, int dw, NDArray values, NDArray indices) {
        NDArray r = ThroughFloat.target(values);
        Pooling.maxPool2d(ThroughFloat.widen(x), kh, kw, sh, sw, ph, pw, dh, dw, r, indices);
        ThroughFloat.narrow(r, values);
    }

    @Override
    public void maxPool2dBackward(NDArray gy, NDArray indices, NDArray out) {
        NDArray r = ThroughFloat.target(out);
        Pooling.maxPool2dBackward(ThroughFloat.widen(gy), indices, r);
        ThroughFloat.narrow(r, out);
    }

    @Override
    public void resample2d(NDArray x, Resampling alongH, Resampling alongW, NDArray out) {
        NDArray r = ThroughFloat.target(out);
        Pooling.resample2d(ThroughFloat.widen(x), alongH, alongW, r);
        ThroughFloat.narrow(r, out);
    }

    /** Visits every element of x in row-major order with its storage offset and coordinates. */
    private interface IndexedVisitor {
        void visit(long position, int storageOffset, int[] coords);
    }

    private static void forEachIndexed(NDArray x, IndexedVisitor v) {
        int[] shape = x.shape(), st = x.strides();
        long n = x.numel();
        int[] c = new int[shape.length];
        int off = x.offset();
        for (long p = 0; p < n; p++) {
            v.visit(p, off, c);
            for (int d = shape.length - 1; d >= 0; d--) {
                c[d]++;
                off += st[d];
                if (c[d] < shape[d]) break;
                off -= c[d] * st[d];
                c[d] = 0;
            }
        }
    }

    private static int offsetOf(NDArray x, int[] coords) {
        int[] st = x.strides();
        int o = 0;
        for (int d = 0; d < coords.length; d++) o += coords[d] * st[d];
        return o;
    }
}
