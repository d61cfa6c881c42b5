package dev.kindling.tensor.cpu;

import dev.kindling.tensor.NDArray;

/**
 * Walks up to three same-shaped strided operands in row-major order, one contiguous run (a "row" of
 * the innermost dim) at a time. Dims that are contiguous for every operand are merged first, so a
 * dense array is a single row and its kernel sees one tight loop the JIT can vectorise.
 */
final class Strided {
    /** One run of {@code n} elements starting at the given element offsets of each operand. */
    @FunctionalInterface
    interface Row {
        void run(int n, int o0, int o1, int o2);
    }

    /** Operands walked together; fewer are padded (see {@link #coalesce}). */
    private static final int OPERANDS = 3;

    final int[] shape;
    final int[][] strides;
    final int[] offsets;
    final long numel;

    private Strided(int[] shape, int[][] strides, int[] offsets) {
        this.shape = shape;
        this.strides = strides;
        this.offsets = offsets;
        long n = 1;
        for (int d : shape) n *= d;
        this.numel = n;
    }

    static Strided of(NDArray... xs) {
        int[] shape = xs[0].shapeRef();
        int[][] st = new int[xs.length][];
        int[] off = new int[xs.length];
        for (int k = 0; k < xs.length; k++) {
            st[k] = xs[k].stridesRef();
            off[k] = xs[k].offset();
        }
        return coalesce(shape, st, off);
    }

    static Strided coalesce(int[] shape, int[][] strides, int[] offsets) {
        // Always three operands, absent ones with zero strides, so forEach's loops hold no branch on the
        // operand count. C2 hoists the array checks of a branch out of a loop when the profile says it is
        // taken, and a walk with another count then failed them: in one logged run forEach was compiled
        // four times in the MLP's first 30 steps (80 ms of C2 time, on one of two cores). Now once.
        if (strides.length < OPERANDS) {
            int[][] padded = java.util.Arrays.copyOf(strides, OPERANDS);
            for (int j = strides.length; j < OPERANDS; j++) padded[j] = new int[shape.length];
            strides = padded;
            offsets = java.util.Arrays.copyOf(offsets, OPERANDS);
        }
        int k = OPERANDS, r = shape.length;
        int[] s = new int[Math.max(r, 1)];
        int[][] st = new int[k][Math.max(r, 1)];
        int n = 0;
        for (int d = 0; d < r; d++) {
            if (shape[d] == 1) continue;
            if (n > 0 && mergeable(st, n - 1, shape[d], strides, d)) {
                s[n - 1] *= shape[d];
                for (int j = 0; j < k; j++) st[j][n - 1] = strides[j][d];
                continue;
            }
            s[n] = shape[d];
            for (int j = 0; j < k; j++) st[j][n] = strides[j][d];
            n++;
        }
        if (n == 0) { // a single element (or rank 0)
            s[0] = r == 0 ? 1 : (int) product(shape);
            for (int j = 0; j < k; j++) st[j][0] = 1;
            n = 1;
        }
        int[] fs = java.util.Arrays.copyOf(s, n);
        int[][] fst = new int[k][];
        for (int j = 0; j < k; j++) fst[j] = java.util.Arrays.copyOf(st[j], n);
        return new Strided(fs, fst, offsets);
    }

    private static long product(int[] shape) {
        long p = 1;
        for (int v : shape) p *= v;
        return p;
    }

    /** The previous merged dim can absorb dim d when, for every operand, stride(prev) == stride(d) * size(d). */
    private static boolean mergeable(int[][] merged, int prev, int size, int[][] strides, int d) {
        for (int j = 0; j < merged.length; j++) {
            if ((long) merged[j][prev] != (long) strides[j][d] * size) return false;
        }
        return true;
    }

    int innerStride(int operand) { return strides[operand][shape.length - 1]; }

    /** Calls row for each run covering elements [from, to) of the row-major order. */
    void forEach(long from, long to, Row row) {
        // An empty range must not touch the index arithmetic: an empty array has a 0 in its shape.
        if (from >= to) return;
        int r = shape.length;
        int[] st0 = strides[0], st1 = strides[1], st2 = strides[2];
        if (r == 1) { // one run, and no carry loop whose checks the JIT would hoist for a dim that is not there
            row.run((int) (to - from), offsets[0] + (int) from * st0[0], offsets[1] + (int) from * st1[0],
                    offsets[2] + (int) from * st2[0]);
            return;
        }
        int inner = shape[r - 1];
        int[] idx = new int[r];
        long rest = from;
        for (int d = r - 1; d >= 0; d--) {
            idx[d] = (int) (rest % shape[d]);
            rest /= shape[d];
        }
        int o0 = offsets[0], o1 = offsets[1], o2 = offsets[2];
        for (int d = 0; d < r; d++) {
            o0 += idx[d] * st0[d];
            o1 += idx[d] * st1[d];
            o2 += idx[d] * st2[d];
        }
        int s0 = st0[r - 1], s1 = st1[r - 1], s2 = st2[r - 1];
        long pos = from;
        while (pos < to) {
            int n = (int) Math.min(inner - idx[r - 1], to - pos);
            row.run(n, o0, o1, o2);
            pos += n;
            idx[r - 1] += n;
            o0 += n * s0;
            o1 += n * s1;
            o2 += n * s2;
            // Carry into outer dims, rewinding each finished dim.
            for (int d = r - 1; d > 0 && idx[d] == shape[d]; d--) {
                o0 += st0[d - 1] - shape[d] * st0[d];
                o1 += st1[d - 1] - shape[d] * st1[d];
                o2 += st2[d - 1] - shape[d] * st2[d];
                idx[d] = 0;
                idx[d - 1]++;
            }
        }
    }

    /** forEach over all elements, split across cores when large; {@code cost} weighs expensive kernels. */
    void parallelForEach(long cost, Row row) {
        Parallel.forRange(numel, cost, (a, b) -> forEach(a, b, row));
    }
}
