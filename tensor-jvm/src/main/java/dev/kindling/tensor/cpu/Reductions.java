package dev.kindling.tensor.cpu;

import dev.kindling.tensor.DType;
import dev.kindling.tensor.NDArray;
import dev.kindling.tensor.ReduceOp;

/**
 * Reductions on the CPU. Floats accumulate in double and integers in long, so a float32 sum of a
 * million elements is as accurate as its inputs. Reduced dims are moved innermost (by strides only)
 * and each output element reduces its own block; three float32 sum layouts that training hits every
 * step get dedicated loops: the innermost block is dense (row sums), the reduced dims are the
 * outermost ones (column sums, e.g. a bias gradient over the batch), or they surround one run of
 * kept dims (block sums, e.g. batch norm's statistics and a convolution's bias gradient).
 */
final class Reductions {
    private Reductions() {}

    static void reduce(ReduceOp op, NDArray x, boolean[] reduced, NDArray out) {
        int[] shape = x.shape(), strides = x.strides();
        int r = shape.length;
        int kept = 0;
        for (boolean b : reduced) if (!b) kept++;
        int[] keptShape = new int[kept], keptStrides = new int[kept];
        int[] redShape = new int[r - kept], redStrides = new int[r - kept];
        for (int d = 0, i = 0, j = 0; d < r; d++) {
            if (reduced[d]) { redShape[j] = shape[d]; redStrides[j++] = strides[d]; }
            else { keptShape[i] = shape[d]; keptStrides[i++] = strides[d]; }
        }
        long outer = 1, inner = 1;
        for (int v : keptShape) outer *= v;
        for (int v : redShape) inner *= v;
        if (outer == 0) return;
        boolean sumLike = op == ReduceOp.SUM || op == ReduceOp.MEAN;
        if (sumLike && x.dtype() == DType.FLOAT32 && x.isContiguous() && inner > 0) {
            float[] xs = (float[]) CpuBackend.data(x), os = (float[]) CpuBackend.data(out);
            int firstKept = 0, lastKept = r - 1;
            while (firstKept < r && reduced[firstKept]) firstKept++;
            while (lastKept >= firstKept && reduced[lastKept]) lastKept--;
            // The kept dims (if any) are one run between summed dims, e.g. a sum over 0, 2, 3 of [N, C, H, W].
            if (lastKept - firstKept + 1 == kept) {
                if (firstKept == 0 || firstKept == r) {
                    // The kept dims (if any) lead: each output sums one contiguous row.
                    rowSums(op, xs, x.offset(), (int) outer, (int) inner, os);
                } else if (lastKept == r - 1) {
                    columnSums(op, xs, x.offset(), (int) inner, (int) outer, os);
                } else {
                    long before = 1;
                    for (int d = 0; d < firstKept; d++) before *= shape[d];
                    blockSums(op, xs, x.offset(), (int) before, (int) outer, (int) (inner / before), os);
                }
                return;
            }
        }
        Strided innerWalk = Strided.coalesce(redShape, new int[][]{redStrides}, new int[]{0});
        int[] outerStrides = keptStrides;
        Buf xb = Buf.of(CpuBackend.data(x)), ob = Buf.of(CpuBackend.data(out));
        boolean floating = x.dtype().isFloatingPoint();
        long n = inner;
        int xOff = x.offset(), oOff = out.offset();
        Parallel.forRange(outer, Math.max(1, inner), (from, to) -> {
            int[] coords = new int[keptShape.length];
            unravel(from, keptShape, coords);
            for (long e = from; e < to; e++) {
                int base = xOff;
                for (int d = 0; d < coords.length; d++) base += coords[d] * outerStrides[d];
                int o = oOff + (int) e;
                if (floating) ob.setD(o, reduceDouble(op, xb, base, innerWalk, n));
                else ob.setL(o, reduceLong(op, xb, base, innerWalk, n));
                increment(coords, keptShape);
            }
        });
    }

    /** out[e] = sum of x[off + e*n .. off + e*n + n); a single long row is split across cores. */
    private static void rowSums(ReduceOp op, float[] x, int off, int rows, int n, float[] out) {
        if (rows == 1) {
            int chunks = (int) Math.max(1, Math.min(Parallel.threads(), n / Parallel.GRAIN));
            double[] partial = new double[chunks];
            // Fixed chunk boundaries and a fixed combine order keep the result identical run to run.
            Parallel.forRange(chunks, Parallel.GRAIN, (from, to) -> {
                for (long c = from; c < to; c++) {
                    partial[(int) c] = sumRange(x, off + (int) (n * c / chunks), off + (int) (n * (c + 1) / chunks));
                }
            });
            double s = 0;
            for (double p : partial) s += p;
            out[0] = (float) (op == ReduceOp.MEAN ? s / n : s);
            return;
        }
        Parallel.forRange(rows, n, (from, to) -> {
            for (long e = from; e < to; e++) {
                int b = off + (int) e * n;
                double s = sumRange(x, b, b + n);
                out[(int) e] = (float) (op == ReduceOp.MEAN ? s / n : s);
            }
        });
    }

    /** Eight double accumulators hide the latency of each add (one chain runs 5x slower). */
    private static double sumRange(float[] x, int from, int to) {
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
        int i = from;
        for (; i + 8 <= to; i += 8) {
            s0 += x[i]; s1 += x[i + 1]; s2 += x[i + 2]; s3 += x[i + 3];
            s4 += x[i + 4]; s5 += x[i + 5]; s6 += x[i + 6]; s7 += x[i + 7];
        }
        for (; i < to; i++) s0 += x[i];
        return ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7));
    }

    /** out[j] = sum over i of x[off + i*cols + j]: whole rows at a time, so the inner loop is dense. */
    private static void columnSums(ReduceOp op, float[] x, int off, int rows, int cols, float[] out) {
        Parallel.forRange(cols, rows, (from, to) -> {
            int c0 = (int) from, c1 = (int) to;
            double[] acc = new double[c1 - c0];
            for (int i = 0; i < rows; i++) {
                int b = off + i * cols + c0;
                for (int j = 0; j < acc.length; j++) acc[j] += x[b + j];
            }
            for (int j = 0; j < acc.length; j++) out[c0 + j] = (float) (op == ReduceOp.MEAN ? acc[j] / rows : acc[j]);
        });
    }

    /**
     * out[k] = sum over i < a, j < b of x[off + (i K + k) b + j]: summed dims before and after a run of
     * kept ones, as batch norm's statistics and a convolution's bias gradient sum [N, C, H, W] over all
     * but C. Each (i, k) block of b is dense; the generic walk would stride through it element by element.
     */
    private static void blockSums(ReduceOp op, float[] x, int off, int a, int kept, int b, float[] out) {
        Parallel.forRange(kept, (long) a * b, (from, to) -> {
            for (long k = from; k < to; k++) {
                double s = 0;
                for (int i = 0; i < a; i++) {
                    int start = off + (int) ((i * (long) kept + k) * b);
                    s += sumRange(x, start, start + b);
                }
                out[(int) k] = (float) (op == ReduceOp.MEAN ? s / ((double) a * b) : s);
            }
        });
    }

    private static double reduceDouble(ReduceOp op, Buf x, int base, Strided walk, long n) {
        double[] acc = {initial(op)};
        int st = walk.innerStride(0);
        walk.forEach(0, n, (len, o, u1, u2) -> {
            double a = acc[0];
            int p = base + o;
            switch (op) {
                case SUM: case MEAN: for (int i = 0; i < len; i++) a += x.getD(p + i * st); break;
                case PROD: for (int i = 0; i < len; i++) a *= x.getD(p + i * st); break;
                case MAX:
                    for (int i = 0; i < len; i++) {
                        double v = x.getD(p + i * st);
                        if (v > a || v != v) a = v;
                        if (a != a) break;
                    }
                    break;
                case MIN:
                    for (int i = 0; i < len; i++) {
                        double v = x.getD(p + i * st);
                        if (v < a || v != v) a = v;
                        if (a != a) break;
                    }
                    break;
                case ANY: for (int i = 0; i < len; i++) if (x.getD(p + i * st) != 0) a = 1; break;
                case ALL: for (int i = 0; i < len; i++) if (x.getD(p + i * st) == 0) a = 0; break;
                default: throw new IllegalStateException(op.name());
            }
            acc[0] = a;
        });
        return op == ReduceOp.MEAN ? acc[0] / n : acc[0];
    }

    private static long reduceLong(ReduceOp op, Buf x, int base, Strided walk, long n) {
        long[] acc = {op == ReduceOp.MAX ? Long.MIN_VALUE : op == ReduceOp.MIN ? Long.MAX_VALUE : (long) initial(op)};
        int st = walk.innerStride(0);
        walk.forEach(0, n, (len, o, u1, u2) -> {
            long a = acc[0];
            int p = base + o;
            switch (op) {
                case SUM: for (int i = 0; i < len; i++) a += x.getL(p + i * st); break;
                case PROD: for (int i = 0; i < len; i++) a *= x.getL(p + i * st); break;
                case MAX: for (int i = 0; i < len; i++) a = Math.max(a, x.getL(p + i * st)); break;
                case MIN: for (int i = 0; i < len; i++) a = Math.min(a, x.getL(p + i * st)); break;
                case ANY: for (int i = 0; i < len; i++) if (x.getL(p + i * st) != 0) a = 1; break;
                case ALL: for (int i = 0; i < len; i++) if (x.getL(p + i * st) == 0) a = 0; break;
                default: throw new IllegalStateException(op.name());
            }
            acc[0] = a;
        });
        return acc[0];
    }

    private static double initial(ReduceOp op) {
        switch (op) {
            case PROD: case ALL: return 1;
            case MAX: return Double.NEGATIVE_INFINITY;
            case MIN: return Double.POSITIVE_INFINITY;
            default: return 0;
        }
    }

    /** Max or min along one dim, keeping the first index of the extreme (NaN counts as the extreme). */
    static void argReduce(boolean max, NDArray x, int dim, NDArray values, NDArray indices) {
        int size = x.shape()[dim], step = x.strides()[dim];
        NDArray firsts = x.narrow(dim, 0, 1);
        Strided it = Strided.of(values, firsts);
        int sv = it.innerStride(0), sx = it.innerStride(1);
        Buf xb = Buf.of(CpuBackend.data(x)), vb = Buf.of(CpuBackend.data(values));
        long[] idx = (long[]) CpuBackend.data(indices);
        boolean floating = x.dtype().isFloatingPoint();
        int vOff = values.offset(), iOff = indices.offset();
        it.parallelForEach(size, (n, vo, xo, u) -> {
            for (int i = 0; i < n; i++) {
                int p = xo + i * sx;
                int best = 0;
                if (floating) {
                    double b = xb.getD(p);
                    for (int j = 1; j < size && b == b; j++) {
                        double v = xb.getD(p + j * step);
                        if ((max ? v > b : v < b) || v != v) { b = v; best = j; }
                    }
                    vb.setD(vo + i * sv, b);
                } else {
                    long b = xb.getL(p);
                    for (int j = 1; j < size; j++) {
                        long v = xb.getL(p + j * step);
                        if (max ? v > b : v < b) { b = v; best = j; }
                    }
                    vb.setL(vo + i * sv, b);
                }
                // values and indices are fresh, contiguous and shaped alike, so they share offsets.
                idx[iOff + (vo + i * sv - vOff)] = best;
            }
        });
    }

    private static void unravel(long flat, int[] shape, int[] coords) {
        for (int d = shape.length - 1; d >= 0; d--) {
            coords[d] = (int) (flat % shape[d]);
            flat /= shape[d];
        }
    }

    private static void increment(int[] coords, int[] shape) {
        for (int d = shape.length - 1; d >= 0; d--) {
            if (++coords[d] < shape[d]) return;
            coords[d] = 0;
        }
    }
}
