package dev.kindling.tensor.cpu;

import dev.kindling.tensor.NDArray;
import dev.kindling.tensor.cpu.RecurrentKernels.Cell;
import dev.kindling.tensor.cpu.RecurrentKernels.Gradients;
import dev.kindling.tensor.cpu.RecurrentKernels.Inputs;
import dev.kindling.tensor.cpu.RecurrentKernels.Results;
import dev.kindling.tensor.cpu.RecurrentKernels.Steps;

/**
 * The float32 kernels of {@link RecurrentPass}, per slab of hidden units [lo, hi). Forward works on the
 * slab's whole step at once in arrays of its own (so two threads never write one cache line): its GEMM's
 * product, transposed while the projection and biases are added, is activated in one pass by
 * {@link FastMath}'s vectorised tanh (sigmoids as a rescaled tanh), combined into the slab's c and h,
 * then copied out once. Backward keeps the slab's dh and dc in its own arrays too, and stages each
 * row's gate gradients for its GEMM while it writes them.
 */
final class FloatRecurrentPass extends RecurrentPass {
    private final float[] x, out, gates, cells, h0, c0;
    /** Per gate column: b_ih + b_hh (what every gate but GRU's n adds), and b_ih, b_hh alone for GRU's n. */
    private final float[] bsum, bi, bh;
    private float[] h, c;
    private float[] dOut, dGx, dGh, hPrev, dh, dc;
    private Slab[] slab;

    /**
     * One slab's arrays: its GEMM's result (forward, [G*u, B]) or staged operand (backward, [B, G*u]);
     * forward's gate-major pre-activations [G][B][u]; its units' h and c [B, u] (backward: dh and dc);
     * a spare [B, u]; backward's one partial of dh at a time [u, B].
     */
    private static final class Slab {
        final int lo, u;
        final float[] product, pre, h, c, spare, partial;

        Slab(int lo, int hi, int gates, int batch) {
            this.lo = lo;
            this.u = hi - lo;
            product = new float[gates * u * batch];
            pre = new float[gates * u * batch];
            h = new float[batch * u];
            c = new float[batch * u];
            spare = new float[batch * u];
            partial = new float[u * batch];
        }
    }

    FloatRecurrentPass(Cell cell, Steps steps, boolean reverse, Inputs in, Results res, int slabs) {
        super(cell, steps, reverse, in, res, slabs);
        x = (float[]) data(in.xProj());
        out = (float[]) data(res.out());
        gates = (float[]) data(res.gates());
        cells = (float[]) data(res.cells());
        h0 = (float[]) data(in.h0());
        c0 = (float[]) data(in.c0());
        bi = bias(in.bIh());
        bh = bias(in.bHh());
        bsum = new float[width];
        for (int j = 0; j < width; j++) bsum[j] = bi[j] + bh[j];
    }

    private float[] bias(NDArray b) { return b == null ? new float[width] : b.contiguous().toFloatArray(); }

    private void slabs(RecurrentSlabs slabs) {
        slab = new Slab[slabs.count()];
        for (int s = 0; s < slab.length; s++) slab[s] = new Slab(slabs.lo(s), slabs.hi(s), cell.gates, batch);
    }

    @Override
    void bindForward(NDArray h, NDArray c, RecurrentSlabs slabs) {
        this.h = (float[]) data(h);
        this.c = (float[]) data(c);
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
        float[] cellOut = cell == Cell.LSTM ? sl.c : sl.spare;
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
     * Gate g of the slab's rows, gate-major into pre: scale * (h W_hh^T + x W_ih^T + b) for each row,
     * transposing the GEMM's [G*u, act] product (reads striding by act, contiguous writes).
     */
    private void gatherGate(Slab sl, int g, int act, int r0, float scale) {
        int u = sl.u, col = g * hidden + sl.lo;
        float[] pre = sl.pre, product = sl.product;
        for (int b = 0; b < act; b++) {
            int p = (g * act + b) * u, xr = xo + (r0 + b) * xld + col, from = g * u * act + b;
            for (int j = 0; j < u; j++) pre[p + j] = scale * (product[from + j * act] + x[xr + j] + bsum[col + j]);
        }
    }

    private void lstm(Slab sl, int act, int r0) {
        int n = act * sl.u;
        float[] pre = sl.pre, c = sl.c, tc = sl.spare;
        // sigmoid(v) = (tanh(v / 2) + 1) / 2: one tanh pass over all four gates, as FastMath's tanh is a
        // plain vectorised rational while its exp has a scalar step (measured 2.3x faster over the gates).
        for (int g = 0; g < 4; g++) gatherGate(sl, g, act, r0, g == 2 ? 1f : 0.5f);
        FastMath.tanh(pre, pre, 0, 4 * n);
        for (int k = 0; k < n; k++) {
            float i = 0.5f * pre[k] + 0.5f, f = 0.5f * pre[n + k] + 0.5f;
            pre[k] = i;
            pre[n + k] = f;
            float cv = f * c[k] + i * pre[2 * n + k];
            c[k] = cv;
            tc[k] = cv;
        }
        FastMath.tanh(tc, tc, 0, n);
        for (int k = 0; k < n; k++) {
            float o = 0.5f * pre[3 * n + k] + 0.5f;
            pre[3 * n + k] = o;
            sl.h[k] = o * tc[k];
        }
    }

    private void gru(Slab sl, int act, int r0) {
        int n = act * sl.u, u = sl.u;
        float[] pre = sl.pre, hn = sl.spare, h = sl.h;
        // r and z by sigmoid(v) = (tanh(v / 2) + 1) / 2, as in lstm().
        gatherGate(sl, 0, act, r0, 0.5f);
        gatherGate(sl, 1, act, r0, 0.5f);
        FastMath.tanh(pre, pre, 0, 2 * n);
        for (int b = 0; b < act; b++) {
            int xr = xo + (r0 + b) * xld + 2 * hidden + sl.lo, from = 2 * u * act + b, col = 2 * hidden + sl.lo;
            for (int j = 0; j < u; j++) {
                int k = b * u + j;
                float r = 0.5f * pre[k] + 0.5f, hv = sl.product[from + j * act] + bh[col + j];
                pre[k] = r;
                hn[k] = hv;
                pre[2 * n + k] = x[xr + j] + bi[col + j] + r * hv;
            }
        }
        FastMath.tanh(pre, pre, 2 * n, 3 * n);
        // n + z (h - n) is (1 - z) n + z h, written as PyTorch's CPU kernel does.
        for (int k = 0; k < n; k++) {
            float z = 0.5f * pre[n + k] + 0.5f, nv = pre[2 * n + k];
            pre[n + k] = z;
            h[k] = nv + z * (h[k] - nv);
        }
    }

    private void rnn(Slab sl, int act, int r0) {
        int n = act * sl.u;
        float[] pre = sl.pre;
        gatherGate(sl, 0, act, r0, 1f);
        if (cell == Cell.RNN_TANH) FastMath.tanh(pre, pre, 0, n);
        else for (int k = 0; k < n; k++) pre[k] = Math.max(pre[k], 0f);
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
        dOut = (float[]) data(g.dOut());
        dGx = (float[]) data(g.dGx());
        dGh = (float[]) data(g.dGh());
        hPrev = (float[]) data(g.hPrev());
        this.dh = (float[]) data(dh);
        this.dc = (float[]) data(dc);
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
            FastMath.tanh(sl.spare, sl.spare, 0, act * u);
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
        float[] part = sl.partial, dhs = sl.h;
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
        float[] cp = prev < 0 ? c0 : cells, dhs = sl.h, dcs = sl.c, tanhC = sl.spare, staged = sl.product;
        int cpo = (prev < 0 ? c0o + b * c0ld : co + prev * cld) + lo;
        for (int j = 0; j < u; j++) {
            float i = gates[g + j], f = gates[g + n + j], gg = gates[g + 2 * n + j], o = gates[g + 3 * n + j], tc = tanhC[q + j];
            float dhv = dOut[d + j] + dhs[q + j];
            float dcv = dcs[q + j] + dhv * o * (1 - tc * tc);
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
        float[] dhs = sl.h, staged = sl.product;
        for (int j = 0; j < u; j++) {
            float r = gates[g + j], z = gates[g + n + j], nv = gates[g + 2 * n + j];
            float dhv = dOut[d + j] + dhs[q + j];
            float dnPre = dhv * (1 - z) * (1 - nv * nv);
            float dzPre = dhv * (hPrev[hp + j] - nv) * z * (1 - z);
            float drPre = dnPre * cells[cr + j] * r * (1 - r);
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
        float[] dhs = sl.h, staged = sl.product;
        boolean tanh = cell == Cell.RNN_TANH;
        for (int j = 0; j < u; j++) {
            float hv = out[o + j], dhv = dOut[d + j] + dhs[q + j];
            staged[q + j] = tanh ? dhv * (1 - hv * hv) : hv > 0 ? dhv : 0f;
        }
    }
}
