package dev.kindling.tensor.cpu;

import dev.kindling.tensor.NDArray;
import dev.kindling.tensor.cpu.RecurrentKernels.Cell;
import dev.kindling.tensor.cpu.RecurrentKernels.Gradients;
import dev.kindling.tensor.cpu.RecurrentKernels.Inputs;
import dev.kindling.tensor.cpu.RecurrentKernels.Results;
import dev.kindling.tensor.cpu.RecurrentKernels.Steps;

/**
 * The float64 row kernels of {@link RecurrentPass}: the float32 kernels' structure with Math.exp and
 * Math.tanh, for gradcheck and double precision work, where exactness matters more than speed.
 */
final class DoubleRecurrentPass extends RecurrentPass {
    private final double[] x, out, gates, cells, h0, c0;
    /** Per gate column: b_ih + b_hh (what every gate but GRU's n adds), and b_ih, b_hh alone for GRU's n. */
    private final double[] bsum, bi, bh;
    private double[] h, c, pre;
    private double[] dOut, dGx, dGh, hPrev, dh, dc;

    DoubleRecurrentPass(Cell cell, Steps steps, boolean reverse, Inputs in, Results res) {
        super(cell, steps, reverse, in, res);
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

    @Override
    void bindForward(NDArray h, NDArray c, NDArray pre) {
        this.h = (double[]) data(h);
        this.c = (double[]) data(c);
        this.pre = (double[]) data(pre);
    }

    @Override
    void forwardRows(int from, int to, int r0) {
        double[] tmp = new double[hidden];
        for (int b = from; b < to; b++) {
            switch (cell) {
                case LSTM: lstm(b, r0 + b, tmp); break;
                case GRU: gru(b, r0 + b); break;
                default: rnn(b, r0 + b);
            }
        }
    }

    private void lstm(int b, int row, double[] tmp) {
        int n = hidden, p = b * width, xr = xo + row * xld, s = b * n;
        for (int j = 0; j < width; j++) pre[p + j] += x[xr + j] + bsum[j];
        sigmoid(pre, pre, p, p + 2 * n);
        tanh(pre, pre, p + 2 * n, p + 3 * n);
        sigmoid(pre, pre, p + 3 * n, p + 4 * n);
        for (int j = 0; j < n; j++) {
            double cv = pre[p + n + j] * c[s + j] + pre[p + j] * pre[p + 2 * n + j];
            c[s + j] = cv;
            tmp[j] = cv;
        }
        tanh(tmp, tmp, 0, n);
        for (int j = 0; j < n; j++) h[s + j] = pre[p + 3 * n + j] * tmp[j];
        if (gates != null) {
            System.arraycopy(pre, p, gates, go + row * gld, width);
            System.arraycopy(c, s, cells, co + row * cld, n);
        }
        System.arraycopy(h, s, out, oo + row * old, n);
    }

    private void gru(int b, int row) {
        int n = hidden, p = b * width, xr = xo + row * xld, s = b * n, cr = co + row * cld;
        for (int j = 0; j < 2 * n; j++) pre[p + j] += x[xr + j] + bsum[j];
        sigmoid(pre, pre, p, p + 2 * n);
        for (int j = 0; j < n; j++) {
            double hn = pre[p + 2 * n + j] + bh[2 * n + j];
            if (cells != null) cells[cr + j] = hn;
            pre[p + 2 * n + j] = x[xr + 2 * n + j] + bi[2 * n + j] + pre[p + j] * hn;
        }
        tanh(pre, pre, p + 2 * n, p + 3 * n);
        // n + z (h - n) is (1 - z) n + z h, written as PyTorch's CPU kernel does.
        for (int j = 0; j < n; j++) h[s + j] = pre[p + 2 * n + j] + pre[p + n + j] * (h[s + j] - pre[p + 2 * n + j]);
        if (gates != null) System.arraycopy(pre, p, gates, go + row * gld, width);
        System.arraycopy(h, s, out, oo + row * old, n);
    }

    private void rnn(int b, int row) {
        int n = hidden, p = b * width, xr = xo + row * xld;
        for (int j = 0; j < n; j++) pre[p + j] += x[xr + j] + bsum[j];
        if (cell == Cell.RNN_TANH) tanh(pre, pre, p, p + n);
        else for (int j = p; j < p + n; j++) pre[j] = Math.max(pre[j], 0.0);
        System.arraycopy(pre, p, h, b * n, n);
        System.arraycopy(pre, p, out, oo + row * old, n);
    }

    // ------------------------------------------------------------------ backward

    @Override
    void bindBackward(Gradients g, NDArray dh, NDArray dc) {
        dOut = (double[]) data(g.dOut());
        dGx = (double[]) data(g.dGx());
        dGh = (double[]) data(g.dGh());
        hPrev = (double[]) data(g.hPrev());
        this.dh = (double[]) data(dh);
        this.dc = (double[]) data(dc);
    }

    @Override
    void backwardRows(int from, int to, int t, int r0) {
        double[] tmp = new double[hidden];
        for (int b = from; b < to; b++) {
            int row = r0 + b, prev = steps.previous(t, b, reverse);
            if (prev < 0) System.arraycopy(h0, h0o + b * h0ld, hPrev, hpo + row * hpld, hidden);
            else System.arraycopy(out, oo + prev * old, hPrev, hpo + row * hpld, hidden);
            switch (cell) {
                case LSTM: lstmBackward(b, row, prev, tmp); break;
                case GRU: gruBackward(b, row); break;
                default: rnnBackward(b, row);
            }
        }
    }

    private void lstmBackward(int b, int row, int prev, double[] tanhC) {
        int n = hidden, g = go + row * gld, s = b * n, d = doo + row * dold, gx = gxo + row * gxld;
        double[] cp = prev < 0 ? c0 : cells;
        int cpo = prev < 0 ? c0o + b * c0ld : co + prev * cld;
        System.arraycopy(cells, co + row * cld, tanhC, 0, n);
        tanh(tanhC, tanhC, 0, n);
        for (int j = 0; j < n; j++) {
            double i = gates[g + j], f = gates[g + n + j], gg = gates[g + 2 * n + j], o = gates[g + 3 * n + j], tc = tanhC[j];
            double dhv = dOut[d + j] + dh[s + j];
            double dcv = dc[s + j] + dhv * o * (1 - tc * tc);
            dGx[gx + j] = dcv * gg * i * (1 - i);
            dGx[gx + n + j] = dcv * cp[cpo + j] * f * (1 - f);
            dGx[gx + 2 * n + j] = dcv * i * (1 - gg * gg);
            dGx[gx + 3 * n + j] = dhv * tc * o * (1 - o);
            dc[s + j] = dcv * f;
        }
    }

    private void gruBackward(int b, int row) {
        int n = hidden, g = go + row * gld, s = b * n, d = doo + row * dold, gx = gxo + row * gxld, gh = gho + row * ghld;
        int cr = co + row * cld, hp = hpo + row * hpld;
        for (int j = 0; j < n; j++) {
            double r = gates[g + j], z = gates[g + n + j], nv = gates[g + 2 * n + j];
            double dhv = dOut[d + j] + dh[s + j];
            double dnPre = dhv * (1 - z) * (1 - nv * nv);
            double dzPre = dhv * (hPrev[hp + j] - nv) * z * (1 - z);
            double drPre = dnPre * cells[cr + j] * r * (1 - r);
            dGx[gx + j] = drPre;
            dGx[gx + n + j] = dzPre;
            dGx[gx + 2 * n + j] = dnPre;
            dGh[gh + j] = drPre;
            dGh[gh + n + j] = dzPre;
            dGh[gh + 2 * n + j] = dnPre * r;
            dh[s + j] = dhv * z;
        }
    }

    private void rnnBackward(int b, int row) {
        int n = hidden, s = b * n, d = doo + row * dold, gx = gxo + row * gxld, o = oo + row * old;
        boolean tanh = cell == Cell.RNN_TANH;
        for (int j = 0; j < n; j++) {
            double hv = out[o + j], dhv = dOut[d + j] + dh[s + j];
            dGx[gx + j] = tanh ? dhv * (1 - hv * hv) : hv > 0 ? dhv : 0.0;
        }
    }

    private static void sigmoid(double[] a, double[] o, int from, int to) {
        for (int i = from; i < to; i++) o[i] = 1 / (1 + Math.exp(-a[i]));
    }

    private static void tanh(double[] a, double[] o, int from, int to) {
        for (int i = from; i < to; i++) o[i] = Math.tanh(a[i]);
    }
}
