package dev.kindling.tensor.cpu;

import dev.kindling.tensor.BinaryOp;
import dev.kindling.tensor.NDArray;
import dev.kindling.tensor.cpu.RecurrentKernels.Cell;
import dev.kindling.tensor.cpu.RecurrentKernels.Gradients;
import dev.kindling.tensor.cpu.RecurrentKernels.Inputs;
import dev.kindling.tensor.cpu.RecurrentKernels.Results;
import dev.kindling.tensor.cpu.RecurrentKernels.Steps;

/**
 * The time loop of {@link RecurrentKernels}, shared by float32 and float64: per step one GEMM on the
 * rows still running ({@link RecurrentGemm}, split over the threads by {@link ThreadedGemm}), then the
 * typed subclass's fused row kernels, the rows spread over the threads too. A step's row work is ~85 us
 * on one core: worth splitting only because the pool's worker is still awake from the GEMM's slab and
 * the caller claims whatever the worker has not started (when OpenBLAS ran its own spinning threads,
 * the same split was measured slower). The subclasses hold the raw arrays and the per-row math.
 */
abstract class RecurrentPass {
    /** Parallel's cost of one gate column of a row: a few passes over it, one of them a vectorised tanh. */
    private static final long ROW_COST = 4;

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

    RecurrentPass(Cell cell, Steps steps, boolean reverse, Inputs in, Results res) {
        this.cell = cell;
        this.steps = steps;
        this.reverse = reverse;
        this.in = in;
        this.res = res;
        this.hidden = in.wHh().shape()[1];
        this.width = cell.gates * hidden;
        this.batch = steps.batch();
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

    /** Binds the running state h, c [B, H] (c LSTM only) and the pre-activation buffer pre [B, G*H]. */
    abstract void bindForward(NDArray h, NDArray c, NDArray pre);

    /** Rows [from, to) of a step whose rows start at row r0: pre holds h_{t-1} W_hh^T for them. */
    abstract void forwardRows(int from, int to, int r0);

    /** Binds the running gradients dh, dc [B, H] (dc LSTM only). */
    abstract void bindBackward(Gradients g, NDArray dh, NDArray dc);

    /**
     * Rows [from, to) of step t: writes their dGx, dGh and hPrev rows and updates dc; for GRU also sets
     * dh to the part of dh_{t-1} that bypasses W_hh (z dh), which the step's GEMM then adds to.
     */
    abstract void backwardRows(int from, int to, int t, int r0);

    void forward() {
        NDArray h = in.h0().copy(), c = cell == Cell.LSTM ? in.c0().copy() : null;
        NDArray pre = NDArray.zeros(in.wHh().dtype(), batch, width);
        bindForward(h, c, pre);
        int count = steps.count();
        try (RecurrentGemm gemm = new RecurrentGemm(in.wHh().contiguous(), false, batch)) {
            for (int k = 0; k < count; k++) {
                int t = reverse ? count - 1 - k : k, act = steps.active(t), r0 = steps.start(t);
                gemm.product(h, 0, act, pre);
                Parallel.forRange(act, ROW_COST * width, (lo, hi) -> forwardRows((int) lo, (int) hi, r0));
            }
        }
        res.hN().copy_(h);
        if (c != null) res.cN().copy_(c);
    }

    void backward(Gradients g) {
        NDArray dh = g.dhN().copy(), dc = cell == Cell.LSTM ? g.dcN().copy() : null;
        NDArray carried = cell == Cell.GRU ? NDArray.zeros(dh.dtype(), batch, hidden) : null;
        doo = offset(g.dOut());
        dold = ld(g.dOut());
        gxo = offset(g.dGx());
        gxld = ld(g.dGx());
        gho = offset(g.dGh());
        ghld = ld(g.dGh());
        hpo = offset(g.hPrev());
        hpld = ld(g.hPrev());
        bindBackward(g, dh, dc);
        int count = steps.count();
        try (RecurrentGemm gemm = new RecurrentGemm(in.wHh().contiguous(), true, batch)) {
            for (int k = count - 1; k >= 0; k--) {
                int t = reverse ? count - 1 - k : k, act = steps.active(t), r0 = steps.start(t);
                Parallel.forRange(act, ROW_COST * width, (lo, hi) -> backwardRows((int) lo, (int) hi, t, r0));
                if (carried == null) {
                    gemm.product(g.dGh(), r0, act, dh);
                } else {
                    gemm.product(g.dGh(), r0, act, carried);
                    rows(dh, act).binary_(BinaryOp.ADD, rows(carried, act));
                }
            }
        }
        g.dh0().copy_(dh);
        if (dc != null) g.dc0().copy_(dc);
    }

    /** The first n rows of a contiguous matrix. */
    private static NDArray rows(NDArray m, int n) { return m.narrow(0, 0, n); }

    // ------------------------------------------------------------------ raw access shared by the typed passes

    /** The backing array of a matrix, or null for an absent one. */
    static Object data(NDArray m) { return m == null ? null : CpuBackend.data(m); }

    private static int offset(NDArray m) { return m == null ? 0 : m.offset(); }

    /** The row stride of a matrix with unit column stride. */
    private static int ld(NDArray m) { return m == null ? 0 : m.stridesRef()[0]; }
}
