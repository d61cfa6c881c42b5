package dev.kindling.tensor.cpu;

import dev.kindling.tensor.NDArray;
import dev.kindling.tensor.cpu.RecurrentKernels.Cell;
import dev.kindling.tensor.cpu.RecurrentKernels.Gradients;
import dev.kindling.tensor.cpu.RecurrentKernels.Inputs;
import dev.kindling.tensor.cpu.RecurrentKernels.Results;
import dev.kindling.tensor.cpu.RecurrentKernels.Steps;

/**
 * The float64 kernels of {@link RecurrentPass}: the float32 kernels' structure with Math.exp and
 * Math.tanh, for gradcheck and double precision work, where exactness matters more than speed.
 */
final class DoubleRecurrentPass extends RecurrentPass {
    private final double[] x, out, gates, cells, h0, c0;
    /** Per gate column: b_ih + b_hh (what every gate but GRU's n adds), and b_ih, b_hh alone for GRU's n. */
    private final double[] bsum, bi, bh;
    private double[] h, c;
    private double[] dOut, dGx, dGh, hPrev, dh, dc;
    private Slab[] slab;

    /**
     * One slab's arrays: its GEMM's result (forward, [G*u, B]) or staged operand (backward, [B, G*u]);
     * forward's gate-major pre-activations [G][B][u]; its units' h and c [B, u] (backward: dh and dc);
     * a spare [B, u]; backward's one partial of dh at a time [u, B].
     */
    private static final class Slab {
        final int lo, u;
        final double[] product, pre, h, c, spare, partial;

        Slab(int lo, int hi, int gates, int batch) {
            this.lo = lo;
            this.u = hi - lo;
            product = new double[gates * u * batch];
            pre = new double[gates * u * batch];
            h = new double[batch * u];
            c = new double[batch * u];
            spare = new double[batch * u];
            partial = new double[u * batch];
        }
    }

    DoubleRecurrentPass(Cell cell, Steps steps, boolean reverse, Inputs in, Results res, int slabs) {
        super(cell, steps, reverse, in, res, slabs);
        x = (double[]) data(in.xProj());
        out = (double[]) data(res.out());
        gates = (double[]) data(res.gates());
        cells = (double[]) data(res.cells());
        h0 = (double[]) data(in.h0());
        c0 = (double[]) data(in.c0());
        bi = bias(in.bIh());
        bh = bias(in.bHh());
        bsum = new double[width];
        for (int j = 0; j < width; j++) bsum[j] = bi[j] + bh[j];
    }

    private double[] bias(NDArray b) { return b == null ? new double[width] : b.contiguous().toDoubleArray(); }

    private void slabs(RecurrentSlabs slabs) {
        slab = new Slab[slabs.count()];
        for (int s = 0; s < slab.length; s++) slab[s] = new Slab(slabs.lo(s), slabs.hi(s), cell.gates, batch);
    }

    @Override
    void bindForward(NDArray h, NDArray c, RecurrentSlabs slabs) {
        this.h = (double[]) data(h);
        this.c = (double[]) data(c);
        slabs(slabs);
        for (Slab sl : slab) {
            for (int b = 0; b < batch; b++) {
                System.arraycopy(this.h, b * hidden + sl.lo, sl.h, b * sl.u, sl.u);
                if (this.c != null) System.arraycopy(this.c, b * hidden + sl.lo, sl.c, b * sl.u, sl.u);
            }
        }
    }

    @Override
    void forwardSlab(RecurrentSlabs slabs, int s, int step, int act, int r0) {
        Slab sl = slab[s];
        slabs.gateProduct(s, step, act, sl.product);
        switch (cell) {
            case LSTM: lstm(sl, act, r0); break;
            case GRU: gru(sl, act, r0); break;
            default: rnn(sl, act, r0);
        }
        // Odd slabs copy out from the last row: neighbouring slabs then reach a row's shared cache lines
        // (where their columns meet) at different times. The RNN keeps no gates or cells for backward.
        boolean keep = cell == Cell.LSTM || cell == Cell.GRU;
        double[] cellOut = cell == Cell.LSTM ? sl.c : sl.spare;
        for (int k = 0; k < act; k++) {
            int b = (s & 1) == 0 ? k : act - 1 - k, row = r0 + b, u = sl.u, lo = sl.lo;
            if (keep && gates != null) {
                for (int g = 0; g < cell.gates; g++) System.arraycopy(sl.pre, (g * act + b) * u, gates, go + row * gld + g * hidden + lo, u);
            }
            if (keep && cells != null) System.arraycopy(cellOut, b * u, cells, co + row * cld + lo, u);
            System.arraycopy(sl.h, b * u, out, oo + row * old + lo, u);
            slabs.putState(step, s, b, sl.h, b * u);
        }
    }

    /**
     * Gate g of the slab's rows, gate-major into pre: h W_hh^T + x W_ih^T + b for each row, transposing
     * the GEMM's [G*u, act] product.
     */
    private void gatherGate(Slab sl, int g, int act, int r0) {
        int u = sl.u, col = g * hidden + sl.lo;
        double[] pre = sl.pre, product = sl.product;
        for (int b = 0; b < act; b++) {
            int p = (g * act + b) * u, xr = xo + (r0 + b) * xld + col, from = g * u * act + b;
            for (int j = 0; j < u; j++) pre[p + j] = product[from + j * act] + x[xr + j] + bsum[col + j];
        }
    }

    private void lstm(Slab sl, int act, int r0) {
        int n = act * sl.u;
        double[] pre = sl.pre, c = sl.c, tc = sl.spare;
        for (int g = 0; g < 4; g++) gatherGate(sl, g, act, r0);
        sigmoid(pre, pre, 0, 2 * n);
        tanh(pre, pre, 2 * n, 3 * n);
        sigmoid(pre, pre, 3 * n, 4 * n);
        for (int k = 0; k < n; k++) {
            double cv = pre[n + k] * c[k] + pre[k] * pre[2 * n + k];
            c[k] = cv;
            tc[k] = cv;
        }
        tanh(tc, tc, 0, n);
        for (int k = 0; k < n; k++) sl.h[k] = pre[3 * n + k] * tc[k];
    }

    private void gru(Slab sl, int act, int r0) {
        int n = act * sl.u, u = sl.u;
        double[] pre = sl.pre, hn = sl.spare, h = sl.h;
        gatherGate(sl, 0, act, r0);
        gatherGate(sl, 1, act, r0);
        sigmoid(pre, pre, 0, 2 * n);
        for (int b = 0; b < act; b++) {
            int xr = xo + (r0 + b) * xld + 2 * hidden + sl.lo, from = 2 * u * act + b, col = 2 * hidden + sl.lo;
            for (int j = 0; j < u; j++) {
                int k = b * u + j;
                double hv = sl.product[from + j * act] + bh[col + j];
                hn[k] = hv;
                pre[2 * n + k] = x[xr + j] + bi[col + j] + pre[k] * hv;
            }
        }
        tanh(pre, pre, 2 * n, 3 * n);
        // n + z (h - n) is (1 - z) n + z h, written as PyTorch's CPU kernel does.
        for (int k = 0; k < n; k++) h[k] = pre[2 * n + k] + pre[n + k] * (h[k] - pre[2 * n + k]);
    }

    private void rnn(Slab sl, int act, int r0) {
        int n = act * sl.u;
        double[] pre = sl.pre;
        gatherGate(sl, 0, act, r0);
        if (cell == Cell.RNN_TANH) tanh(pre, pre, 0, n);
        else for (int k = 0; k < n; k++) pre[k] = Math.max(pre[k], 0.0);
        System.arraycopy(pre, 0, sl.h, 0, n);
    }

    @Override
    void endForward() {
        for (Slab sl : slab) {
            for (int b = 0; b < batch; b++) {
                System.arraycopy(sl.h, b * sl.u, h, b * hidden + sl.lo, sl.u);
                if (c != null) System.arraycopy(sl.c, b * sl.u, c, b * hidden + sl.lo, sl.u);
            }
        }
    }

    // ------------------------------------------------------------------ backward

    @Override
    void bindBackward(Gradients g, NDArray dh, NDArray dc, RecurrentSlabs slabs) {
        dOut = (double[]) data(g.dOut());
        dGx = (double[]) data(g.dGx());
        dGh = (double[]) data(g.dGh());
        hPrev = (double[]) data(g.hPrev());
        this.dh = (double[]) data(dh);
        this.dc = (double[]) data(dc);
        slabs(slabs);
        for (Slab sl : slab) {
            for (int b = 0; b < batch; b++) {
                System.arraycopy(this.dh, b * hidden + sl.lo, sl.h, b * sl.u, sl.u);
                if (this.dc != null) System.arraycopy(this.dc, b * hidden + sl.lo, sl.c, b * sl.u, sl.u);
            }
        }
    }

    @Override
    void backwardSlab(RecurrentSlabs slabs, int s, int step, int t, int act, int waiting, int r0) {
        Slab sl = slab[s];
        int lo = sl.lo, u = sl.u, k = cell.gates * u;
        if (waiting > 0) addPartials(slabs, s, step - 1, waiting);
        if (cell == Cell.LSTM) {
            // tanh(c_t) for every row at once: recomputed, not stored in forward.
            for (int b = 0; b < act; b++) System.arraycopy(cells, co + (r0 + b) * cld + lo, sl.spare, b * u, u);
            tanh(sl.spare, sl.spare, 0, act * u);
        }
        // Odd slabs walk the rows from the last, as in forward.
        for (int i = 0; i < act; i++) {
            int b = (s & 1) == 0 ? i : act - 1 - i, r = r0 + b, prev = steps.previous(t, b, reverse);
            if (prev < 0) System.arraycopy(h0, h0o + b * h0ld + lo, hPrev, hpo + r * hpld + lo, u);
            else System.arraycopy(out, oo + prev * old + lo, hPrev, hpo + r * hpld + lo, u);
            switch (cell) {
                case LSTM: lstmBackward(sl, b, r, prev); break;
                case GRU: gruBackward(sl, b, r); break;
                default: rnnBackward(sl, b, r);
            }
            // The row's dG_h, staged for the slab's GEMM (the same array as dG_x except in GRU).
            for (int g = 0; g < cell.gates; g++) System.arraycopy(sl.product, b * k + g * u, dGh, gho + r * ghld + g * hidden + lo, u);
        }
        slabs.partialProduct(s, step, act, sl.product);
    }

    @Override
    void addPartials(RecurrentSlabs slabs, int s, int step, int rows) {
        Slab sl = slab[s];
        int u = sl.u;
        double[] part = sl.partial, dhs = sl.h;
        // LSTM and RNN carry dh to the previous step only through W_hh: the first partial replaces the
        // old dh. GRU's row kernel left z dh there, which the partials add to.
        boolean add = cell == Cell.GRU;
        for (int q = 0; q < slabs.count(); q++, add = true) {
            slabs.partial(step, q, s, rows, part);
            for (int b = 0; b < rows; b++) {
                int d = b * u;
                if (add) for (int j = 0; j < u; j++) dhs[d + j] += part[j * rows + b];
                else for (int j = 0; j < u; j++) dhs[d + j] = part[j * rows + b];
            }
        }
    }

    @Override
    void endBackward() {
        for (Slab sl : slab) {
            for (int b = 0; b < batch; b++) {
                System.arraycopy(sl.h, b * sl.u, dh, b * hidden + sl.lo, sl.u);
                if (dc != null) System.arraycopy(sl.c, b * sl.u, dc, b * hidden + sl.lo, sl.u);
            }
        }
    }

    /** Row b's gate gradients for the slab's units into its staged row; dc carried to the previous step. */
    private void lstmBackward(Slab sl, int b, int row, int prev) {
        int n = hidden, u = sl.u, lo = sl.lo, g = go + row * gld + lo, d = doo + row * dold + lo, q = b * u, st = 4 * q;
        double[] cp = prev < 0 ? c0 : cells, dhs = sl.h, dcs = sl.c, tanhC = sl.spare, staged = sl.product;
        int cpo = (prev < 0 ? c0o + b * c0ld : co + prev * cld) + lo;
        for (int j = 0; j < u; j++) {
            double i = gates[g + j], f = gates[g + n + j], gg = gates[g + 2 * n + j], o = gates[g + 3 * n + j], tc = tanhC[q + j];
            double dhv = dOut[d + j] + dhs[q + j];
            double dcv = dcs[q + j] + dhv * o * (1 - tc * tc);
            staged[st + j] = dcv * gg * i * (1 - i);
            staged[st + u + j] = dcv * cp[cpo + j] * f * (1 - f);
            staged[st + 2 * u + j] = dcv * i * (1 - gg * gg);
            staged[st + 3 * u + j] = dhv * tc * o * (1 - o);
            dcs[q + j] = dcv * f;
        }
    }

    /** As lstmBackward; GRU's dG_x differs from dG_h and goes straight to dGx, and dh keeps z dh, the part that bypasses W_hh. */
    private void gruBackward(Slab sl, int b, int row) {
        int n = hidden, u = sl.u, lo = sl.lo, g = go + row * gld + lo, d = doo + row * dold + lo, q = b * u, st = 3 * q;
        int gx = gxo + row * gxld + lo, cr = co + row * cld + lo, hp = hpo + row * hpld + lo;
        double[] dhs = sl.h, staged = sl.product;
        for (int j = 0; j < u; j++) {
            double r = gates[g + j], z = gates[g + n + j], nv = gates[g + 2 * n + j];
            double dhv = dOut[d + j] + dhs[q + j];
            double dnPre = dhv * (1 - z) * (1 - nv * nv);
            double dzPre = dhv * (hPrev[hp + j] - nv) * z * (1 - z);
            double drPre = dnPre * cells[cr + j] * r * (1 - r);
            dGx[gx + j] = drPre;
            dGx[gx + n + j] = dzPre;
            dGx[gx + 2 * n + j] = dnPre;
            staged[st + j] = drPre;
            staged[st + u + j] = dzPre;
            staged[st + 2 * u + j] = dnPre * r;
            dhs[q + j] = dhv * z;
        }
    }

    private void rnnBackward(Slab sl, int b, int row) {
        int u = sl.u, lo = sl.lo, d = doo + row * dold + lo, o = oo + row * old + lo, q = b * u;
        double[] dhs = sl.h, staged = sl.product;
        boolean tanh = cell == Cell.RNN_TANH;
        for (int j = 0; j < u; j++) {
            double hv = out[o + j], dhv = dOut[d + j] + dhs[q + j];
            staged[q + j] = tanh ? dhv * (1 - hv * hv) : hv > 0 ? dhv : 0.0;
        }
    }

    private static void sigmoid(double[] a, double[] o, int from, int to) {
        for (int i = from; i < to; i++) o[i] = 1 / (1 + Math.exp(-a[i]));
    }

    private static void tanh(double[] a, double[] o, int from, int to) {
        for (int i = from; i < to; i++) o[i] = Math.tanh(a[i]);
    }
}
