package dev.kindling.tensor.cpu;

import dev.kindling.tensor.NDArray;
import dev.kindling.tensor.Resampling;

/**
 * Max pooling, its adjoint, and separable resampling (average pooling, adaptive pooling and
 * interpolation) on contiguous [N, C, H, W] arrays. Every kernel works plane by plane, and planes are
 * split over cores: they never share an output element. Max pooling has a float32 loop over the raw
 * array (it is on the hot path of every CNN) and a generic one for float64.
 */
final class Pooling {
    private Pooling() {}

    // ------------------------------------------------------------------ max pooling

    static void maxPool2d(NDArray x, int kh, int kw, int sh, int sw, int ph, int pw, int dh, int dw, NDArray values, NDArray indices) {
        int[] s = x.shapeRef(), os = values.shapeRef();
        int h = s[2], w = s[3], oh = os[2], ow = os[3];
        // Per output row / column, the kernel taps that land inside the input: padding never wins.
        int[] kyLo = new int[oh], kyHi = new int[oh], kxLo = new int[ow], kxHi = new int[ow];
        taps(h, oh, kh, sh, ph, dh, kyLo, kyHi);
        taps(w, ow, kw, sw, pw, dw, kxLo, kxHi);
        Object xd = CpuBackend.data(x), vd = CpuBackend.data(values);
        long[] id = (long[]) CpuBackend.data(indices);
        int xo = x.offset();
        if (xd instanceof float[] xf && kh == 2 && kw == 2 && sh == 2 && sw == 2 && ph == 0 && pw == 0 && dh == 1 && dw == 1
                && 2 * oh <= h && 2 * ow <= w) {
            maxPool2x2F(xf, xo, (long) s[0] * s[1], h, w, oh, ow, (float[]) vd, id);
            return;
        }
        Parallel.forRange((long) s[0] * s[1], (long) oh * ow * kh * kw, (from, to) -> {
            for (long plane = from; plane < to; plane++) {
                int src = xo + (int) plane * h * w, dst = (int) plane * oh * ow;
                for (int oy = 0; oy < oh; oy++) {
                    int y0 = oy * sh - ph;
                    for (int ox = 0; ox < ow; ox++) {
                        int x0 = ox * sw - pw, at = dst + oy * ow + ox;
                        // A window with no tap inside reports -inf at position 0, so its gradient lands in the plane.
                        boolean any = kyLo[oy] < kyHi[oy] && kxLo[ox] < kxHi[ox];
                        int first = any ? (y0 + kyLo[oy] * dh) * w + x0 + kxLo[ox] * dw : 0;
                        if (xd instanceof float[]) {
                            maxWindowF((float[]) xd, src, w, y0, x0, dh, dw, kyLo[oy], kyHi[oy], kxLo[ox], kxHi[ox], first,
                                    (float[]) vd, id, at);
                        } else {
                            maxWindowD((double[]) xd, src, w, y0, x0, dh, dw, kyLo[oy], kyHi[oy], kxLo[ox], kxHi[ox], first,
                                    (double[]) vd, id, at);
                        }
                    }
                }
            }
        });
    }

    /**
     * CNNs' usual 2x2 window with stride 2 and every tap inside the input, without the general path's
     * per-window bookkeeping (tap ranges, the empty-window case). A knockout instead of a scan: each
     * row's right tap challenges its left, then the bottom row's winner challenges the top's. Rows are
     * contiguous in scan order, so this keeps the scan's winner ({@link #replaces}: NaN wins, the last NaN
     * among several; otherwise the first maximum) with three comparisons on independent pairs instead
     * of four chained ones (1.5x faster on [64, 6, 24, 24]).
     */
    private static void maxPool2x2F(float[] a, int xo, long planes, int h, int w, int oh, int ow, float[] values, long[] indices) {
        Parallel.forRange(planes, (long) oh * ow * 4, (from, to) -> {
            for (long plane = from; plane < to; plane++) {
                int src = xo + (int) plane * h * w, dst = (int) plane * oh * ow;
                for (int oy = 0; oy < oh; oy++) {
                    int top = src + 2 * oy * w, bottom = top + w, at = dst + oy * ow, first = 2 * oy * w;
                    for (int ox = 0; ox < ow; ox++) {
                        int i = 2 * ox;
                        float tl = a[top + i], tr = a[top + i + 1], bl = a[bottom + i], br = a[bottom + i + 1];
                        int right = replaces(tr, tl), bottomRight = replaces(br, bl);
                        float upper = pick(right, tr, tl), lower = pick(bottomRight, br, bl);
                        int low = replaces(lower, upper);
                        // The winner's offset in the window: 0 or 1 on the top row, w or w + 1 below.
                        int offset = ((w - bottomRight) & low) | (-right & ~low);
                        values[at + ox] = pick(low, lower, upper);
                        indices[at + ox] = first + i + offset;
                    }
                }
            }
        });
    }

    /**
     * -1 when a later tap v replaces the best so far ({@code v > best || isnan(v)}, as PyTorch's), else
     * 0. Branch-free: on real activations the comparison is a coin toss, and a mispredicted branch per
     * element made the loop 2-4x slower. v > best exactly when best - v is negative and not NaN (NaN
     * comes from a NaN operand or inf - inf; + 0f turns -0 into +0, so equal values keep the first).
     * The NaN tests are branches that are always predicted right.
     */
    private static int replaces(float v, float best) {
        float diff = best - v + 0f;
        int greater = (Float.floatToRawIntBits(diff) >>> 31) & (diff == diff ? 1 : 0);
        return -(greater | (v != v ? 1 : 0));
    }

    /** v where mask is -1, otherwise best, bit for bit (so -0 and NaN payloads survive). */
    private static float pick(int mask, float v, float best) {
        return Float.intBitsToFloat((Float.floatToRawIntBits(v) & mask) | (Float.floatToRawIntBits(best) & ~mask));
    }

    /** A running window max and its position packed in one long (float bits high, index low): -inf at {@code first}. */
    private static long start(int first) {
        return ((long) Float.floatToRawIntBits(Float.NEGATIVE_INFINITY) << 32) | (first & 0xffffffffL);
    }

    /** One tap of a window max: v at position i takes the best's place when it {@link #replaces} it. */
    private static long stepF(long state, float v, int i) {
        int bestAt = (int) state;
        float best = Float.intBitsToFloat((int) (state >>> 32));
        int take = replaces(v, best);
        // Value and position move together, so a window of -0 and 0 reports the first one, -0, as PyTorch.
        int bestBits = Float.floatToRawIntBits(pick(take, v, best));
        bestAt = (i & take) | (bestAt & ~take);
        return ((long) bestBits << 32) | (bestAt & 0xffffffffL);
    }

    /** The max of one window and where it is; NaN wins, as in PyTorch ({@code v > best || isnan(v)}). */
    private static void maxWindowF(float[] a, int src, int w, int y0, int x0, int dh, int dw, int kyLo, int kyHi, int kxLo,
                                   int kxHi, int first, float[] values, long[] indices, int at) {
        long state = start(first);
        for (int ky = kyLo; ky < kyHi; ky++) {
            int row = (y0 + ky * dh) * w + x0;
            for (int kx = kxLo; kx < kxHi; kx++) {
                int i = row + kx * dw;
                state = stepF(state, a[src + i], i);
            }
        }
        values[at] = Float.intBitsToFloat((int) (state >>> 32));
        indices[at] = (int) state;
    }

    private static void maxWindowD(double[] a, int src, int w, int y0, int x0, int dh, int dw, int kyLo, int kyHi, int kxLo,
                                   int kxHi, int first, double[] values, long[] indices, int at) {
        double best = Double.NEGATIVE_INFINITY;
        int bestAt = first;
        for (int ky = kyLo; ky < kyHi; ky++) {
            int row = (y0 + ky * dh) * w + x0;
            for (int kx = kxLo; kx < kxHi; kx++) {
                int i = row + kx * dw;
                double v = a[src + i];
                if (v > best || v != v) {
                    best = v;
                    bestAt = i;
                }
            }
        }
        values[at] = best;
        indices[at] = bestAt;
    }

    /** For each output position o, the taps [lo, hi) with o stride - pad + tap dilation inside [0, in). */
    private static void taps(int in, int out, int k, int stride, int pad, int dilation, int[] lo, int[] hi) {
        for (int o = 0; o < out; o++) {
            int start = o * stride - pad;
            lo[o] = start >= 0 ? 0 : Math.min(k, (-start + dilation - 1) / dilation);
            int last = in - 1 - start;
            hi[o] = last < 0 ? lo[o] : Math.max(lo[o], Math.min(k, last / dilation + 1));
        }
    }

    /** gx[plane][indices[i]] += gy[plane][i]: overlapping windows add up within their plane. */
    static void maxPool2dBackward(NDArray gy, NDArray indices, NDArray gx) {
        int[] gs = gy.shapeRef(), xs = gx.shapeRef();
        int l = gs[2] * gs[3], hw = xs[2] * xs[3];
        Object gd = CpuBackend.data(gy), xd = CpuBackend.data(gx);
        long[] id = (long[]) CpuBackend.data(indices);
        int go = gy.offset(), io = indices.offset();
        Parallel.forRange((long) gs[0] * gs[1], l, (from, to) -> {
            for (long plane = from; plane < to; plane++) {
                int src = go + (int) plane * l, idx = io + (int) plane * l, dst = (int) plane * hw;
                if (gd instanceof float[]) {
                    float[] g = (float[]) gd, d = (float[]) xd;
                    for (int i = 0; i < l; i++) d[dst + (int) id[idx + i]] += g[src + i];
                } else {
                    double[] g = (double[]) gd, d = (double[]) xd;
                    for (int i = 0; i < l; i++) d[dst + (int) id[idx + i]] += g[src + i];
                }
            }
        });
    }

    // ------------------------------------------------------------------ separable resampling

    /**
     * out[n, c] = Ry x[n, c] Rx^T, in two passes per plane: every input row through Rx into a [H, OW]
     * buffer, then each output row as a weighted sum of buffer rows (an axpy the JIT vectorises).
     * Accumulates in double for every dtype.
     */
    static void resample2d(NDArray x, Resampling ry, Resampling rx, NDArray out) {
        int[] s = x.shapeRef();
        int h = s[2], w = s[3], oh = ry.outSize(), ow = rx.outSize();
        int[] pickY = picks(ry), pickX = picks(rx);
        if (pickY != null && pickX != null && CpuBackend.data(x) instanceof float[] xf && CpuBackend.data(out) instanceof float[] of) {
            // Nearest-neighbour (every output one input, weight 1): plain copies, not weighted sums in double.
            int xo = x.offset();
            Parallel.forRange((long) s[0] * s[1], (long) oh * ow, (from, to) -> {
                for (long plane = from; plane < to; plane++) {
                    int src = xo + (int) plane * h * w, dst = (int) plane * oh * ow;
                    for (int oy = 0; oy < oh; oy++) {
                        int row = src + pickY[oy] * w, at = dst + oy * ow;
                        for (int ox = 0; ox < ow; ox++) of[at + ox] = xf[row + pickX[ox]];
                    }
                }
            });
            return;
        }
        Buf xb = Buf.of(CpuBackend.data(x)), ob = Buf.of(CpuBackend.data(out));
        int xo = x.offset();
        Parallel.forRange((long) s[0] * s[1], (long) h * w + (long) oh * ow * 2, (from, to) -> {
            double[] rows = new double[h * ow], acc = new double[ow];
            for (long plane = from; plane < to; plane++) {
                int src = xo + (int) plane * h * w, dst = (int) plane * oh * ow;
                for (int iy = 0; iy < h; iy++) {
                    for (int ox = 0; ox < ow; ox++) {
                        double v = 0;
                        for (int t = rx.tapStart(ox); t < rx.tapStart(ox + 1); t++) v += rx.weight(t) * xb.getD(src + iy * w + rx.index(t));
                        rows[iy * ow + ox] = v;
                    }
                }
                for (int oy = 0; oy < oh; oy++) {
                    java.util.Arrays.fill(acc, 0);
                    for (int t = ry.tapStart(oy); t < ry.tapStart(oy + 1); t++) {
                        double wy = ry.weight(t);
                        int r = ry.index(t) * ow;
                        for (int ox = 0; ox < ow; ox++) acc[ox] += wy * rows[r + ox];
                    }
                    for (int ox = 0; ox < ow; ox++) ob.setD(dst + oy * ow + ox, acc[ox]);
                }
            }
        });
    }

    /** The input each output reads, when every output has exactly one tap of weight 1; otherwise null. */
    private static int[] picks(Resampling r) {
        int[] pick = new int[r.outSize()];
        for (int o = 0; o < pick.length; o++) {
            int t = r.tapStart(o);
            if (r.tapStart(o + 1) != t + 1 || r.weight(t) != 1) return null;
            pick[o] = r.index(t);
        }
        return pick;
    }
}
