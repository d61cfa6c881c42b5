package dev.kindling.tensor.cpu;

import dev.kindling.tensor.NDArray;
import dev.kindling.tensor.cpu.RecurrentKernels.Cell;
import dev.kindling.tensor.cpu.RecurrentKernels.Gradients;
import dev.kindling.tensor.cpu.RecurrentKernels.Inputs;
import dev.kindling.tensor.cpu.RecurrentKernels.Results;
import dev.kindling.tensor.cpu.RecurrentKernels.Steps;

/**
 * The time loop of {@link RecurrentKernels}, shared by float32 and float64. The hidden units are cut
 * into one slab per thread ({@link RecurrentSlabs}), and a step is one {@link Parallel#forRange} over
 * the slabs: each slab runs its own GEMM and then the typed subclass's fused row kernels on its units
 * for every batch row, so a step hands work to the pool once, and a late worker's slab is simply run by
 * the caller. The subclasses hold the raw arrays and the per-row math.
 *
 * <p>Measured against a split GEMM followed by split row kernels (two hand-overs per step, a serial
 * transpose of the product, and both threads writing the same rows): LSTM H = 256, B = 32, 35 steps,
 * two cores, one pass forward 6.5-7.1 ms became 5.8-6.2 ms, backward 6.7-7.5 ms became 5.9-6.1 ms (one
 * core: 11 ms each). Each slab keeping its rows' state in arrays of its own was half of that: with
 * neighbouring slabs writing the same cache lines of shared rows, forward was slower than before.
 */
abstract class RecurrentPass {
    /**
     * A slab below this many multiply-adds per step (~25 us of GEMM, plus its rows' kernels) does not
     * repay handing it to another thread.
     */
    private static final long MIN_SLAB_MACS = 1L << 21;

    final Cell cell;
    final Steps steps;
    final boolean reverse;
    final int hidden, width, batch;
    final Inputs in;
    final Results res;
    /** Offset and row stride of each matrix in its array: x projection, out, gates, cells, h0, c0. */
    final int xo, xld, oo, old, go, gld, co, cld, h0o, h0ld, c0o, c0ld;
    /** The same for backward's matrices: dOut, dGx, dGh, hPrev; set by {@link #backward}. */
    int doo, dold, gxo, gxld, gho, ghld, hpo, hpld;
    /** How many slabs the hidden units are cut into. */
    private final int slabs;

    RecurrentPass(Cell cell, Steps steps, boolean reverse, Inputs in, Results res, int slabs) {
        this.cell = cell;
        this.steps = steps;
        this.reverse = reverse;
        this.in = in;
        this.res = res;
        this.hidden = in.wHh().shape()[1];
        this.width = cell.gates * hidden;
        this.batch = steps.batch();
        this.slabs = slabs > 0 ? slabs
                : (int) Math.max(1, Math.min(Parallel.threads(), (long) width * hidden * batch / MIN_SLAB_MACS));
        xo = offset(in.xProj());
        xld = ld(in.xProj());
        oo = offset(res.out());
        old = ld(res.out());
        go = offset(res.gates());
        gld = ld(res.gates());
        co = offset(res.cells());
        cld = ld(res.cells());
        h0o = offset(in.h0());
        h0ld = ld(in.h0());
        c0o = offset(in.c0());
        c0ld = ld(in.c0());
    }

    /** Binds the running state h, c [B, H] (c LSTM only) and makes each slab's arrays, starting from that state. */
    abstract void bindForward(NDArray h, NDArray c, RecurrentSlabs slabs);

    /**
     * Slab s at forward step {@code step} (rows r0 .. r0 + act - 1): its GEMM, its units' gates, c and h,
     * copied into the outputs and into the state the next step's GEMM reads.
     */
    abstract void forwardSlab(RecurrentSlabs slabs, int s, int step, int act, int r0);

    /** Copies the slabs' final h and c back into the running state. */
    abstract void endForward();

    /** Binds the running gradients dh, dc [B, H] (dc LSTM only) and makes each slab's arrays. */
    abstract void bindBackward(Gradients g, NDArray dh, NDArray dc, RecurrentSlabs slabs);

    /**
     * Slab s at backward step {@code step}, time t: adds the partials of dh that the previous step left
     * for its first {@code waiting} rows ({@link #addPartials}), runs its row kernels (dGx, dGh, hPrev
     * and dc for its units; GRU also leaves z dh in dh), then its GEMM: its gates' part of dh_{t-1}.
     */
    abstract void backwardSlab(RecurrentSlabs slabs, int s, int step, int t, int act, int waiting, int r0);

    /** Into slab s's units of dh, rows 0..rows-1: the sum of every slab's partial from step {@code step}. */
    abstract void addPartials(RecurrentSlabs slabs, int s, int step, int rows);

    /** Copies the slabs' dh and dc back into the running gradients. */
    abstract void endBackward();

    void forward() {
        NDArray h = in.h0().copy(), c = cell == Cell.LSTM ? in.c0().copy() : null;
        int count = steps.count();
        try (RecurrentSlabs gemm = RecurrentSlabs.forward(in.wHh(), cell.gates, batch, slabs)) {
            gemm.initState(in.h0());
            bindForward(h, c, gemm);
            int n = gemm.count();
            for (int k = 0; k < count; k++) {
                int t = reverse ? count - 1 - k : k, act = steps.active(t), r0 = steps.start(t), step = k;
                Parallel.forRange(n, Long.MAX_VALUE / n, (lo, hi) -> {
                    for (long s = lo; s < hi; s++) forwardSlab(gemm, (int) s, step, act, r0);
                });
            }
        }
        endForward();
        res.hN().copy_(h);
        if (c != null) res.cN().copy_(c);
    }

    void backward(Gradients g) {
        NDArray dh = g.dhN().copy(), dc = cell == Cell.LSTM ? g.dcN().copy() : null;
        doo = offset(g.dOut());
        dold = ld(g.dOut());
        gxo = offset(g.dGx());
        gxld = ld(g.dGx());
        gho = offset(g.dGh());
        ghld = ld(g.dGh());
        hpo = offset(g.hPrev());
        hpld = ld(g.hPrev());
        int count = steps.count();
        try (RecurrentSlabs gemm = RecurrentSlabs.backward(in.wHh(), cell.gates, batch, slabs)) {
            bindBackward(g, dh, dc, gemm);
            int n = gemm.count(), waiting = 0;
            for (int k = 0; k < count; k++) {
                // Rows the previous step ran have their dh partly in that step's partials; for the rest
                // (joining here, or, in reverse, finished) dh is already whole.
                int t = reverse ? k : count - 1 - k, act = steps.active(t), r0 = steps.start(t), step = k, rows = waiting;
                Parallel.forRange(n, Long.MAX_VALUE / n, (lo, hi) -> {
                    for (long s = lo; s < hi; s++) backwardSlab(gemm, (int) s, step, t, act, rows, r0);
                });
                waiting = act;
            }
            for (int s = 0; s < n; s++) addPartials(gemm, s, count - 1, waiting);
        }
        endBackward();
        g.dh0().copy_(dh);
        if (dc != null) g.dc0().copy_(dc);
    }

    // ------------------------------------------------------------------ raw access shared by the typed passes

    /** The backing array of a matrix, or null for an absent one. */
    static Object data(NDArray m) { return m == null ? null : CpuBackend.data(m); }

    private static int offset(NDArray m) { return m == null ? 0 : m.offset(); }

    /** The row stride of a matrix with unit column stride. */
    private static int ld(NDArray m) { return m == null ? 0 : m.stridesRef()[0]; }
}
