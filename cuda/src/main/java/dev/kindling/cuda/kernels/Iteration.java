package dev.kindling.cuda.kernels;

import java.util.Arrays;

/**
 * The iteration space of an elementwise kernel: a shape walked in row-major order and, for each
 * operand, its strides and offset in elements. Dims of size 1 are dropped and neighbouring dims
 * that every operand walks as one (stride[d] == stride[d+1] * size[d+1]) merge, so a contiguous
 * tensor of any rank is one dim and its kernel does no index arithmetic; the kernel is compiled
 * per remaining rank ({@code NDIM}), which lets NVRTC unroll the index loop.
 *
 * <p>{@link #meta()} packs the {@code Meta} struct of {@code elementwise.cu}: n, sizes[NDIM],
 * offsets[NOPS], strides[NOPS][NDIM].
 */
public final class Iteration {
    /** Ranks beyond this, after merging, are refused rather than compiled (PyTorch allows 25; none of ours reach 12). */
    public static final int MAX_DIMS = 12;

    private final int n;
    private final int[] sizes;
    private final int[] offsets;
    private final int[][] strides;

    private Iteration(int n, int[] sizes, int[] offsets, int[][] strides) {
        this.n = n;
        this.sizes = sizes;
        this.offsets = offsets;
        this.strides = strides;
    }

    /** Operand k has strides {@code strides[k]} (one per dim of shape) and offset {@code offsets[k]}. */
    public static Iteration of(String op, int[] shape, int[][] strides, int[] offsets) {
        long numel = 1;
        for (int s : shape) numel *= s;
        int ops = strides.length;
        int[] sz = new int[shape.length];
        int[][] st = new int[ops][shape.length];
        int r = 0;
        for (int d = 0; d < shape.length; d++) {
            if (shape[d] == 1) continue;
            if (r > 0 && mergeable(st, r - 1, shape[d], strides, d)) {
                sz[r - 1] *= shape[d];
                for (int k = 0; k < ops; k++) st[k][r - 1] = strides[k][d];
                continue;
            }
            sz[r] = shape[d];
            for (int k = 0; k < ops; k++) st[k][r] = strides[k][d];
            r++;
        }
        if (r == 0) return new Iteration((int) numel, new int[]{1}, offsets.clone(), new int[ops][1]);
        if (r > MAX_DIMS) {
            throw new UnsupportedOperationException(op + ": the CUDA backend handles at most " + MAX_DIMS
                    + " dims that cannot be merged, got shape " + Arrays.toString(shape) + " (make the tensor contiguous first)");
        }
        int[][] trimmed = new int[ops][];
        for (int k = 0; k < ops; k++) trimmed[k] = Arrays.copyOf(st[k], r);
        return new Iteration((int) numel, Arrays.copyOf(sz, r), offsets.clone(), trimmed);
    }

    /** Dim d of the source merges into the previous kept dim when every operand steps over both as one. */
    private static boolean mergeable(int[][] keptStrides, int kept, int innerSize, int[][] strides, int d) {
        for (int k = 0; k < strides.length; k++) {
            if (keptStrides[k][kept] != strides[k][d] * innerSize) return false;
        }
        return true;
    }

    public int numel() { return n; }

    public int ndim() { return sizes.length; }

    public int[] sizes() { return sizes.clone(); }

    public int[] strides(int operand) { return strides[operand].clone(); }

    /** The Meta struct, as ints. */
    public int[] meta() {
        int nd = sizes.length, ops = offsets.length;
        int[] m = new int[1 + nd + ops + ops * nd];
        m[0] = n;
        System.arraycopy(sizes, 0, m, 1, nd);
        System.arraycopy(offsets, 0, m, 1 + nd, ops);
        for (int k = 0; k < ops; k++) System.arraycopy(strides[k], 0, m, 1 + nd + ops + k * nd, nd);
        return m;
    }
}
