package dev.kindling.tensor.cpu;

import dev.kindling.tensor.DType;
import dev.kindling.tensor.NDArray;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;

/**
 * The per-step products of a recurrence on OpenBLAS, cut by hidden unit so that each thread's step is
 * one GEMM and then the row kernels of the same units, with one hand-over per step instead of two (a
 * GEMM split, then a row split) and no serial transpose between them. Slab s owns hidden units
 * [lo(s), hi(s)):
 * <ul>
 * <li>forward: the G*u rows of W_hh that produce its units' gates, so its GEMM gives exactly the
 *     pre-activations its row kernels need;</li>
 * <li>backward: the same G*u columns of W_hh^T, so its GEMM takes only the gate gradients its own row
 *     kernels wrote and gives their part of dh_{t-1} = dG_t W_hh, a partial sum over the gates. Each
 *     unit's owner adds up the slabs' partials at the next step.</li>
 * </ul>
 * W_hh is copied off-heap once per pass, its rows (backward: its transpose's columns) regrouped so each
 * slab's block is contiguous. Each GEMM puts the weights on the left and the few batch rows on the right,
 * which OpenBLAS runs faster (single core, H = 256, B = 32: 90 us per half against 118 us the other way
 * round). Buffers read at the next step are double-buffered by step parity: one slab may still read
 * step t's while another writes step t+1's. Owns native buffers: use it in try-with-resources.
 */
final class RecurrentSlabs implements AutoCloseable {
    /** Square tiles for transposing W_hh: 32 x 32 keeps both sides in L1 (4x faster than a strided copy). */
    private static final int TILE = 32;

    private final boolean single;
    private final int hidden, gates, batch;
    /** Slab s owns units [bounds[s], bounds[s + 1]). */
    private final int[] bounds;
    /** The regrouped weights, and each slab's block of them (views made once, not at every step). */
    private final Pointer weights;
    private final Pointer[] slabWeights;
    /** Forward: each slab's gate product [G*u, act]. Backward: each slab's staged gate gradients [act, G*u]. */
    private final Pointer scratch;
    private final Pointer[] slabScratch;
    /** By step parity. Forward: h_t [B, H]. Backward: each slab's partial dh_{t-1}, transposed, [H, act]. */
    private final Pointer[] carried;
    /** Backward only: each slab's partial, by parity. */
    private final Pointer[][] slabCarried;
    private final FloatBuffer scratchF;
    private final FloatBuffer[] carriedF;
    private final DoubleBuffer scratchD;
    private final DoubleBuffer[] carriedD;

    private RecurrentSlabs(NDArray wHh, int gates, int batch, int slabs, boolean backward) {
        this.single = wHh.dtype() == DType.FLOAT32;
        this.hidden = wHh.shapeRef()[1];
        this.gates = gates;
        this.batch = batch;
        bounds = bounds(hidden, slabs);
        int count = bounds.length - 1, width = gates * hidden;
        weights = stage(wHh, gates, count, backward);
        scratch = allocate(width * batch);
        carried = new Pointer[]{allocate(backward ? count * hidden * batch : batch * hidden),
                                allocate(backward ? count * hidden * batch : batch * hidden)};
        slabWeights = new Pointer[count];
        slabScratch = new Pointer[count];
        slabCarried = backward ? new Pointer[2][count] : null;
        for (int s = 0; s < count; s++) {
            slabWeights[s] = view(weights, backward ? gates * lo(s) : (long) gates * lo(s) * hidden);
            slabScratch[s] = view(scratch, (long) gates * lo(s) * batch);
            if (backward) for (int p = 0; p < 2; p++) slabCarried[p][s] = view(carried[p], (long) s * hidden * batch);
        }
        scratchF = single ? ((FloatPointer) scratch).asBuffer() : null;
        carriedF = single ? new FloatBuffer[]{((FloatPointer) carried[0]).asBuffer(), ((FloatPointer) carried[1]).asBuffer()} : null;
        scratchD = single ? null : ((DoublePointer) scratch).asBuffer();
        carriedD = single ? null : new DoubleBuffer[]{((DoublePointer) carried[0]).asBuffer(), ((DoublePointer) carried[1]).asBuffer()};
    }

    /** Slabs for a forward pass over W_hh [G*H, H], batches of up to {@code batch} rows. */
    static RecurrentSlabs forward(NDArray wHh, int gates, int batch, int slabs) {
        return new RecurrentSlabs(wHh, gates, batch, slabs, false);
    }

    /** Slabs for backpropagation through time over the same W_hh. */
    static RecurrentSlabs backward(NDArray wHh, int gates, int batch, int slabs) {
        return new RecurrentSlabs(wHh, gates, batch, slabs, true);
    }

    /** Where the hidden units are cut for {@code slabs} slabs (at most one per unit): slab s owns [b[s], b[s + 1]). */
    private static int[] bounds(int hidden, int slabs) {
        int count = Math.max(1, Math.min(slabs, hidden));
        int[] b = new int[count + 1];
        for (int s = 0; s <= count; s++) b[s] = (int) ((long) hidden * s / count);
        return b;
    }

    int count() { return bounds.length - 1; }

    int lo(int s) { return bounds[s]; }

    int hi(int s) { return bounds[s + 1]; }

    // ------------------------------------------------------------------ forward

    /** Both state buffers start as h0 [B, H] (any row stride), so rows that join late read their initial state. */
    void initState(NDArray h0) {
        int ld = h0.stridesRef()[0];
        Object src = CpuBackend.data(h0);
        for (int p = 0; p < 2; p++) {
            for (int b = 0; b < batch; b++) putCarried(p, b * hidden, src, h0.offset() + b * ld, hidden);
        }
    }

    /**
     * Slab s at step {@code step}: its units' gate pre-activations from h_{t-1} (rows 0..act-1), copied
     * to dst as [G*u, act]: dst[(g * u + j) * act + b] is gate g of the slab's j-th unit for batch row b.
     */
    void gateProduct(int s, int step, int act, Object dst) {
        int m = gates * (hi(s) - lo(s));
        Pointer state = carried[step & 1];
        if (single) {
            ThreadedGemm.sgemmHere(false, true, m, act, hidden, (FloatPointer) slabWeights[s], hidden, (FloatPointer) state, hidden,
                    (FloatPointer) slabScratch[s], act);
            scratchF.get(gates * lo(s) * batch, (float[]) dst, 0, m * act);
        } else {
            ThreadedGemm.dgemmHere(false, true, m, act, hidden, (DoublePointer) slabWeights[s], hidden, (DoublePointer) state, hidden,
                    (DoublePointer) slabScratch[s], act);
            scratchD.get(gates * lo(s) * batch, (double[]) dst, 0, m * act);
        }
    }

    /** Row b of h_t for slab s's units, from src at off, into the state that step {@code step + 1} reads. */
    void putState(int step, int s, int b, Object src, int off) {
        int p = (step + 1) & 1;
        putCarried(p, b * hidden + lo(s), src, off, hi(s) - lo(s));
    }

    // ------------------------------------------------------------------ backward

    /**
     * Slab s at step {@code step}: from src, its units' gate gradients for rows 0..act-1 as [act, G*u]
     * (gate blocks side by side, in gate order), the slab's partial sum of dh_{t-1}.
     */
    void partialProduct(int s, int step, int act, Object src) {
        int k = gates * (hi(s) - lo(s)), at = gates * lo(s) * batch;
        Pointer out = slabCarried[step & 1][s];
        if (single) {
            scratchF.put(at, (float[]) src, 0, act * k);
            ThreadedGemm.sgemmHere(false, true, hidden, act, k, (FloatPointer) slabWeights[s], gates * hidden,
                    (FloatPointer) slabScratch[s], k, (FloatPointer) out, act);
        } else {
            scratchD.put(at, (double[]) src, 0, act * k);
            ThreadedGemm.dgemmHere(false, true, hidden, act, k, (DoublePointer) slabWeights[s], gates * hidden,
                    (DoublePointer) slabScratch[s], k, (DoublePointer) out, act);
        }
    }

    /**
     * Slab q's partial from step {@code step} (which had {@code act} rows), restricted to slab s's units,
     * into dst as [u, act]: dst[j * act + b].
     */
    void partial(int step, int q, int s, int act, Object dst) {
        int at = q * hidden * batch + lo(s) * act, n = (hi(s) - lo(s)) * act;
        if (single) carriedF[step & 1].get(at, (float[]) dst, 0, n);
        else carriedD[step & 1].get(at, (double[]) dst, 0, n);
    }

    // ------------------------------------------------------------------ staging

    /**
     * W_hh off-heap as {@code slabs} slabs read it: its rows regrouped so slab s's gate rows (g * H + lo ..
     * g * H + hi, for each gate g) sit together from row G * lo; backward stores the transpose of that,
     * [H, G*H]. The rows (backward: the columns) are split over the threads, each copying or transposing
     * its own: an LSTM's W_hh is 1 MiB, staged on every pass, and the calling thread alone used to copy it
     * while the other cores waited. The caller owns the result.
     */
    static Pointer stage(NDArray wHh, int gates, int slabs, boolean backward) {
        NDArray w = wHh.contiguous();
        boolean single = w.dtype() == DType.FLOAT32;
        int hidden = w.shapeRef()[1], width = gates * hidden;
        int[] bounds = bounds(hidden, slabs), source = new int[width];
        for (int s = 0; s + 1 < bounds.length; s++) {
            int lo = bounds[s], u = bounds[s + 1] - lo;
            for (int g = 0; g < gates; g++) for (int j = 0; j < u; j++) source[gates * lo + g * u + j] = g * hidden + lo + j;
        }
        long n = (long) width * hidden;
        Pointer to = single ? new FloatPointer(Math.max(1, n)) : new DoublePointer(Math.max(1, n));
        Object src = CpuBackend.data(w);
        int off = w.offset();
        if (!backward) {
            Parallel.forRange(width, hidden, (r0, r1) -> {
                if (single) {
                    FloatBuffer b = ((FloatPointer) to).asBuffer();
                    for (int r = (int) r0; r < r1; r++) b.put(r * hidden, (float[]) src, off + source[r] * hidden, hidden);
                } else {
                    DoubleBuffer b = ((DoublePointer) to).asBuffer();
                    for (int r = (int) r0; r < r1; r++) b.put(r * hidden, (double[]) src, off + source[r] * hidden, hidden);
                }
            });
            return to;
        }
        // Column tiles of W (rows of the transpose) per thread, each transposed in square tiles through
        // that thread's scratch and copied out as whole rows.
        int tiles = (hidden + TILE - 1) / TILE;
        Parallel.forRange(tiles, (long) TILE * width, (t0, t1) -> {
            int c0 = (int) t0 * TILE, c1 = Math.min(hidden, (int) t1 * TILE);
            Object t = Scratch.get(w.dtype()).array(0, (long) (c1 - c0) * width);
            for (int r0 = 0; r0 < width; r0 += TILE) {
                for (int k0 = c0; k0 < c1; k0 += TILE) {
                    int r1 = Math.min(r0 + TILE, width), k1 = Math.min(k0 + TILE, c1);
                    if (single) {
                        float[] f = (float[]) src, d = (float[]) t;
                        for (int k = k0; k < k1; k++) for (int r = r0; r < r1; r++) d[(k - c0) * width + r] = f[off + source[r] * hidden + k];
                    } else {
                        double[] f = (double[]) src, d = (double[]) t;
                        for (int k = k0; k < k1; k++) for (int r = r0; r < r1; r++) d[(k - c0) * width + r] = f[off + source[r] * hidden + k];
                    }
                }
            }
            if (single) ((FloatPointer) to).asBuffer().put(c0 * width, (float[]) t, 0, (c1 - c0) * width);
            else ((DoublePointer) to).asBuffer().put(c0 * width, (double[]) t, 0, (c1 - c0) * width);
        });
        return to;
    }

    /** n elements of src from off into the carried buffer of parity p at element at. */
    private void putCarried(int p, int at, Object src, int off, int n) {
        if (single) carriedF[p].put(at, (float[]) src, off, n);
        else carriedD[p].put(at, (double[]) src, off, n);
    }

    private Pointer allocate(long n) {
        return single ? new FloatPointer(Math.max(1, n)) : new DoublePointer(Math.max(1, n));
    }

    private Pointer view(Pointer p, long index) {
        return single ? new FloatPointer(p).position(index) : new DoublePointer(p).position(index);
    }

    @Override
    public void close() {
        weights.close();
        scratch.close();
        carried[0].close();
        carried[1].close();
    }
}
