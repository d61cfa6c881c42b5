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
 * the slabs: each slab runs its own GEMM and then the typed subclass's fused gate kernels on its units
 * for every batch row, so a step hands work to the pool once, and a late worker's slab is simply run by
 * the caller. This class holds the loop, the slabs' arrays and the copies between them and the shared
 * matrices; the subclasses hold the typed arrays and the math.
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

    /**
     * One slab's arrays, float[] or double[] as the pass: its GEMM's result (forward, [G*u, B]) or staged
     * operand (backward, [B, G*u]); forward's gate-major pre-activations [G][B][u] (null in backward);
     * its units' h and c [B, u] (backward: dh and dc); a spare [B, u]; backward's one partial of dh at a
     * time [u, B] (null in forward). Its own, so two threads never write one cache line (see the class
     * comment).
     */
    static final class Slab {
        final int lo, u;
        final Object product, pre, h, c, spare, partial;

        Slab(RecurrentPass pass, int lo, int hi, boolean backward) {
            this.lo = lo;
            this.u = hi - lo;
            int g = pass.cell.gates, b = pass.batch;
            product = pass.array(g * u * b);
            pre = backward ? null : pass.array(g * u * b);
            h = pass.array(b * u);
            c = pass.array(b * u);
            spare = pass.array(b * u);
            partial = backward ? pass.array(u * b) : null;
        }
    }

    /** A zeroed array of the pass's element type. */
    abstract Object array(int n);

    /**
     * The slab's gate kernels for forward rows 0..act-1 (rows r0.. of the sequence), after its GEMM left
     * h W_hh^T in its product: the activated gates into pre (gate-major), and its new c and h. GRU also
     * leaves W_hn h + b_hn in spare, the cells it keeps for backward.
     */
    abstract void cellsForward(Slab sl, int act, int r0);

    /** Binds backward's typed arrays. */
    abstract void bindBackward(Gradients g);

    /** Before a backward step's rows: LSTM's tanh(c_t) for each row, into the slab's spare. */
    abstract void prepareBackward(Slab sl, int act, int r0);

    /**
     * Row b (sequence row {@code row}, previous row {@code prev} or -1 for the initial state) of the slab's
     * backward step: its gate gradients dG_h into the slab's product row b, [G*u] (GRU also writes dG_x
     * to dGx), and dc (GRU: z dh, the part of dh that bypasses W_hh) carried in the slab's c (h).
     */
    abstract void cellBackward(Slab sl, int b, int row, int prev);

    /** Into slab sl's dh, rows 0..rows-1: its units' share of one slab's partial, part [u, rows], added or stored. */
    abstract void addPartial(Slab sl, Object part, int rows, boolean add);

    void forward() {
        int count = steps.count();
        try (RecurrentSlabs gemm = RecurrentSlabs.forward(in.wHh(), cell.gates, batch, slabs)) {
            gemm.initState(in.h0());
            Slab[] slab = slabs(gemm, in.h0(), cell == Cell.LSTM ? in.c0() : null, false);
            for (int k = 0; k < count; k++) {
                int t = reverse ? count - 1 - k : k, act = steps.active(t), r0 = steps.start(t), step = k;
                Parallel.forRange(slab.length, Long.MAX_VALUE / slab.length, (lo, hi) -> {
                    for (long s = lo; s < hi; s++) forwardSlab(gemm, slab, (int) s, step, act, r0);
                });
            }
            unload(slab, res.hN(), cell == Cell.LSTM ? res.cN() : null);
        }
    }

    /** Slab s at forward step {@code step}: its GEMM, its gate kernels, and the copies out. */
    private void forwardSlab(RecurrentSlabs gemm, Slab[] slab, int s, int step, int act, int r0) {
        Slab sl = slab[s];
        gemm.gateProduct(s, step, act, sl.product);
        cellsForward(sl, act, r0);
        // Odd slabs copy out from the last row: neighbouring slabs then reach a row's shared cache lines
        // (where their columns meet) at different times. The RNN keeps no gates or cells for backward.
        boolean keep = cell == Cell.LSTM || cell == Cell.GRU;
        Object gates = data(res.gates()), cells = data(res.cells()), out = data(res.out());
        Object cellOut = cell == Cell.LSTM ? sl.c : sl.spare;
        for (int k = 0; k < act; k++) {
            int b = (s & 1) == 0 ? k : act - 1 - k, row = r0 + b, u = sl.u, lo = sl.lo;
            if (keep && gates != null) {
                for (int g = 0; g < cell.gates; g++) Rows.copy(sl.pre, (g * act + b) * u, gates, go + row * gld + g * hidden + lo, u);
            }
            if (keep && cells != null) Rows.copy(cellOut, b * u, cells, co + row * cld + lo, u);
            Rows.copy(sl.h, b * u, out, oo + row * old + lo, u);
            gemm.putState(step, s, b, sl.h, b * u);
        }
    }

    void backward(Gradients g) {
        doo = offset(g.dOut());
        dold = ld(g.dOut());
        gxo = offset(g.dGx());
        gxld = ld(g.dGx());
        gho = offset(g.dGh());
        ghld = ld(g.dGh());
        hpo = offset(g.hPrev());
        hpld = ld(g.hPrev());
        bindBackward(g);
        int count = steps.count();
        try (RecurrentSlabs gemm = RecurrentSlabs.backward(in.wHh(), cell.gates, batch, slabs)) {
            Slab[] slab = slabs(gemm, g.dhN(), cell == Cell.LSTM ? g.dcN() : null, true);
            int waiting = 0;
            for (int k = 0; k < count; k++) {
                // Rows the previous step ran have their dh partly in that step's partials; for the rest
                // (joining here, or, in reverse, finished) dh is already whole.
                int t = reverse ? k : count - 1 - k, act = steps.active(t), r0 = steps.start(t), step = k, rows = waiting;
                Parallel.forRange(slab.length, Long.MAX_VALUE / slab.length, (lo, hi) -> {
                    for (long s = lo; s < hi; s++) backwardSlab(gemm, slab, (int) s, step, t, act, rows, r0, g);
                });
                waiting = act;
            }
            for (int s = 0; s < slab.length; s++) addPartials(gemm, slab, s, count - 1, waiting);
            unload(slab, g.dh0(), cell == Cell.LSTM ? g.dc0() : null);
        }
    }

    /**
     * Slab s at backward step {@code step}, time t: adds the partials of dh that the previous step left
     * for its first {@code waiting} rows, runs its gate kernels row by row (writing hPrev and dGh as it
     * goes), then its GEMM: its gates' part of dh_{t-1}.
     */
    private void backwardSlab(RecurrentSlabs gemm, Slab[] slab, int s, int step, int t, int act, int waiting, int r0,
                              Gradients g) {
        Slab sl = slab[s];
        int lo = sl.lo, u = sl.u, k = cell.gates * u;
        if (waiting > 0) addPartials(gemm, slab, s, step - 1, waiting);
        prepareBackward(sl, act, r0);
        Object out = data(res.out()), h0 = data(in.h0()), hPrev = data(g.hPrev()), dGh = data(g.dGh());
        // Odd slabs walk the rows from the last, as in forward.
        for (int i = 0; i < act; i++) {
            int b = (s & 1) == 0 ? i : act - 1 - i, r = r0 + b, prev = steps.previous(t, b, reverse);
            if (prev < 0) Rows.copy(h0, h0o + b * h0ld + lo, hPrev, hpo + r * hpld + lo, u);
            else Rows.copy(out, oo + prev * old + lo, hPrev, hpo + r * hpld + lo, u);
            cellBackward(sl, b, r, prev);
            // The row's dG_h, staged for the slab's GEMM (the same array as dG_x except in GRU).
            for (int gate = 0; gate < cell.gates; gate++) Rows.copy(sl.product, b * k + gate * u, dGh, gho + r * ghld + gate * hidden + lo, u);
        }
        gemm.partialProduct(s, step, act, sl.product);
    }

    /** Into slab s's units of dh, rows 0..rows-1: the sum of every slab's partial from step {@code step}. */
    private void addPartials(RecurrentSlabs gemm, Slab[] slab, int s, int step, int rows) {
        // LSTM and RNN carry dh to the previous step only through W_hh: the first partial replaces the
        // old dh. GRU's kernel left z dh there, which the partials add to.
        boolean add = cell == Cell.GRU;
        for (int q = 0; q < slab.length; q++, add = true) {
            gemm.partial(step, q, s, rows, slab[s].partial);
            addPartial(slab[s], slab[s].partial, rows, add);
        }
    }

    /**
     * Each slab's arrays, its h and c (backward: dh and dc) loaded from the initial state [B, H] (any row
     * stride, unit column stride). Raw row copies, here and in {@link #unload}: no temporaries, and none of
     * the generic strided walks, whose recompilation for these shapes cost the JIT's time in a run's first
     * steps.
     */
    private Slab[] slabs(RecurrentSlabs gemm, NDArray h, NDArray c, boolean backward) {
        Slab[] slab = new Slab[gemm.count()];
        Object hd = data(h), cd = data(c);
        int ho = offset(h), hld = ld(h), co = offset(c), cld = ld(c);
        for (int s = 0; s < slab.length; s++) {
            Slab sl = slab[s] = new Slab(this, gemm.lo(s), gemm.hi(s), backward);
            for (int b = 0; b < batch; b++) {
                Rows.copy(hd, ho + b * hld + sl.lo, sl.h, b * sl.u, sl.u);
                if (cd != null) Rows.copy(cd, co + b * cld + sl.lo, sl.c, b * sl.u, sl.u);
            }
        }
        return slab;
    }

    /** The slabs' final h and c (backward: dh and dc) into the final state [B, H] (c may be null). */
    private void unload(Slab[] slab, NDArray h, NDArray c) {
        Object hd = data(h), cd = data(c);
        int ho = offset(h), hld = ld(h), co = offset(c), cld = ld(c);
        for (Slab sl : slab) {
            for (int b = 0; b < batch; b++) {
                Rows.copy(sl.h, b * sl.u, hd, ho + b * hld + sl.lo, sl.u);
                if (cd != null) Rows.copy(sl.c, b * sl.u, cd, co + b * cld + sl.lo, sl.u);
            }
        }
    }

    // ------------------------------------------------------------------ raw access shared by the typed passes

    /** The backing array of a matrix, or null for an absent one. */
    static Object data(NDArray m) { return m == null ? null : CpuBackend.data(m); }

    private static int offset(NDArray m) { return m == null ? 0 : m.offset(); }

    /** The row stride of a matrix with unit column stride. */
    private static int ld(NDArray m) { return m == null ? 0 : m.stridesRef()[0]; }
}
