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
    private final double[] x, out, gates, cells, c0;
    /** Per gate column: b_ih + b_hh (what every gate but GRU's n adds), and b_ih, b_hh alone for GRU's n. */
    private final double[] bsum, bi, bh;
    private double[] dOut, dGx, hPrev;

    DoubleRecurrentPass(Cell cell, Steps steps, boolean reverse, Inputs in, Results res, int slabs) {
        super(cell, steps, reverse, in, res, slabs);
        x = (double[]) data(in.xProj());
        out = (double[]) data(res.out());
        gates = (double[]) data(res.gates());
        cells = (double[]) data(res.cells());
        c0 = (double[]) data(in.c0());
        bi = bias(in.bIh());
        bh = bias(in.bHh());
        bsum = new double[width];
        for (int j = 0; j < width; j++) bsum[j] = bi[j] + bh[j];
    }

    private double[] bias(NDArray b) { return b == null ? new double[width] : b.contiguous().toDoubleArray(); }

    @Override
    Object array(int n) { return new double[n]; }

    @Override
    void cellsForward(Slab sl, int act, int r0) {
        switch (cell) {
            case LSTM: lstm(sl, act, r0); break;
            case GRU: gru(sl, act, r0); break;
            default: rnn(sl, act, r0);
        }
    }

    /**
     * Gate g of the slab's rows, gate-major into pre: h W_hh^T + x W_ih^T + b for each row, transposing
     * the GEMM's [G*u, act] product.
     */
    private void gatherGate(Slab sl, int g, int act, int r0) {
        int u = sl.u, col = g * hidden + sl.lo;
        double[] pre = (double[]) sl.pre, product = (double[]) sl.product;
        for (int b = 0; b < act; b++) {
            int p = (g * act + b) * u, xr = xo + (r0 + b) * xld + col, from = g * u * act + b;
            for (int j = 0; j < u; j++) pre[p + j] = product[from + j * act] + x[xr + j] + bsum[col + j];
        }
    }

    private void lstm(Slab sl, int act, int r0) {
        int n = act * sl.u;
        double[] pre = (double[]) sl.pre, c = (double[]) sl.c, tc = (double[]) sl.spare, h = (double[]) sl.h;
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
        for (int k = 0; k < n; k++) h[k] = pre[3 * n + k] * tc[k];
    }

    private void gru(Slab sl, int act, int r0) {
        int n = act * sl.u, u = sl.u;
        double[] pre = (double[]) sl.pre, hn = (double[]) sl.spare, h = (double[]) sl.h, product = (double[]) sl.product;
        gatherGate(sl, 0, act, r0);
        gatherGate(sl, 1, act, r0);
        sigmoid(pre, pre, 0, 2 * n);
        for (int b = 0; b < act; b++) {
            int xr = xo + (r0 + b) * xld + 2 * hidden + sl.lo, from = 2 * u * act + b, col = 2 * hidden + sl.lo;
            for (int j = 0; j < u; j++) {
                int k = b * u + j;
                double hv = product[from + j * act] + bh[col + j];
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
        double[] pre = (double[]) sl.pre;
        gatherGate(sl, 0, act, r0);
        if (cell == Cell.RNN_TANH) tanh(pre, pre, 0, n);
        else for (int k = 0; k < n; k++) pre[k] = Math.max(pre[k], 0.0);
        System.arraycopy(pre, 0, sl.h, 0, n);
    }

    // ------------------------------------------------------------------ backward

    @Override
    void bindBackward(Gradients g) {
        dOut = (double[]) data(g.dOut());
        dGx = (double[]) data(g.dGx());
        hPrev = (double[]) data(g.hPrev());
    }

    @Override
    void prepareBackward(Slab sl, int act, int r0) {
        if (cell != Cell.LSTM) return;
        // tanh(c_t) for every row at once: recomputed, not stored in forward.
        double[] tc = (double[]) sl.spare;
        for (int b = 0; b < act; b++) System.arraycopy(cells, co + (r0 + b) * cld + sl.lo, tc, b * sl.u, sl.u);
        tanh(tc, tc, 0, act * sl.u);
    }

    @Override
    void cellBackward(Slab sl, int b, int row, int prev) {
        switch (cell) {
            case LSTM: lstmBackward(sl, b, row, prev); break;
            case GRU: gruBackward(sl, b, row); break;
            default: rnnBackward(sl, b, row);
        }
    }

    @Override
    void addPartial(Slab sl, Object part, int rows, boolean add) {
        double[] p = (double[]) part, dh = (double[]) sl.h;
        int u = sl.u;
        for (int b = 0; b < rows; b++) {
            int d = b * u;
            if (add) for (int j = 0; j < u; j++) dh[d + j] += p[j * rows + b];
            else for (int j = 0; j < u; j++) dh[d + j] = p[j * rows + b];
        }
    }

    /** Row b's gate gradients for the slab's units into its staged row; dc carried to the previous step. */
    private void lstmBackward(Slab sl, int b, int row, int prev) {
        int n = hidden, u = sl.u, lo = sl.lo, g = go + row * gld + lo, d = doo + row * dold + lo, q = b * u, st = 4 * q;
        double[] cp = prev < 0 ? c0 : cells, dhs = (double[]) sl.h, dcs = (double[]) sl.c, tanhC = (double[]) sl.spare, staged = (double[]) sl.product;
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
        double[] dhs = (double[]) sl.h, staged = (double[]) sl.product;
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
        double[] dhs = (double[]) sl.h, staged = (double[]) sl.product;
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
