package dev.kindling.tensor.cpu;

import dev.kindling.tensor.NDArray;
import dev.kindling.tensor.cpu.RecurrentKernels.Cell;
import dev.kindling.tensor.cpu.RecurrentKernels.Gradients;
import dev.kindling.tensor.cpu.RecurrentKernels.Inputs;
import dev.kindling.tensor.cpu.RecurrentKernels.Results;
import dev.kindling.tensor.cpu.RecurrentKernels.Steps;

/**
 * The float32 row kernels of {@link RecurrentPass}. Each works on one batch row of one step while it
 * is in L1: the pre-activations are summed into the row of {@code pre} that the step's GEMM just
 * wrote, activated there in place by {@link FastMath}'s vectorised tanh (sigmoids as a rescaled tanh),
 * combined into c and h, and copied out once.
 */
final class FloatRecurrentPass extends RecurrentPass {
    private final float[] x, out, gates, cells, h0, c0;
    /** Per gate column: b_ih + b_hh (what every gate but GRU's n adds), and b_ih, b_hh alone for GRU's n. */
    private final float[] bsum, bi, bh;
    private float[] h, c, pre;
    private float[] dOut, dGx, dGh, hPrev, dh, dc;

    FloatRecurrentPass(Cell cell, Steps steps, boolean reverse, Inputs in, Results res) {
        super(cell, steps, reverse, in, res);
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

    @Override
    void bindForward(NDArray h, NDArray c, NDArray pre) {
        this.h = (float[]) data(h);
        this.c = (float[]) data(c);
        this.pre = (float[]) data(pre);
    }

    @Override
    void forwardRows(int from, int to, int r0) {
        float[] tmp = new float[hidden];
        for (int b = from; b < to; b++) {
            switch (cell) {
                case LSTM: lstm(b, r0 + b, tmp); break;
                case GRU: gru(b, r0 + b); break;
                default: rnn(b, r0 + b);
            }
        }
    }

    private void lstm(int b, int row, float[] tmp) {
        int n = hidden, p = b * width, xr = xo + row * xld, s = b * n;
        // sigmoid(v) = (tanh(v / 2) + 1) / 2: one tanh pass over the whole row, as FastMath's tanh is a
        // plain vectorised rational while its exp has a scalar step (measured 2.3x faster over the gates).
        for (int j = 0; j < 2 * n; j++) pre[p + j] = 0.5f * (pre[p + j] + x[xr + j] + bsum[j]);
        for (int j = 2 * n; j < 3 * n; j++) pre[p + j] += x[xr + j] + bsum[j];
        for (int j = 3 * n; j < 4 * n; j++) pre[p + j] = 0.5f * (pre[p + j] + x[xr + j] + bsum[j]);
        FastMath.tanh(pre, pre, p, p + width);
        for (int j = 0; j < n; j++) {
            float i = 0.5f * pre[p + j] + 0.5f, f = 0.5f * pre[p + n + j] + 0.5f;
            pre[p + j] = i;
            pre[p + n + j] = f;
            float cv = f * c[s + j] + i * pre[p + 2 * n + j];
            c[s + j] = cv;
            tmp[j] = cv;
        }
        FastMath.tanh(tmp, tmp, 0, n);
        for (int j = 0; j < n; j++) {
            float o = 0.5f * pre[p + 3 * n + j] + 0.5f;
            pre[p + 3 * n + j] = o;
            h[s + j] = o * tmp[j];
        }
        if (gates != null) {
            System.arraycopy(pre, p, gates, go + row * gld, width);
            System.arraycopy(c, s, cells, co + row * cld, n);
        }
        System.arraycopy(h, s, out, oo + row * old, n);
    }

    private void gru(int b, int row) {
        int n = hidden, p = b * width, xr = xo + row * xld, s = b * n, cr = co + row * cld;
        // r and z by sigmoid(v) = (tanh(v / 2) + 1) / 2, as in lstm().
        for (int j = 0; j < 2 * n; j++) pre[p + j] = 0.5f * (pre[p + j] + x[xr + j] + bsum[j]);
        FastMath.tanh(pre, pre, p, p + 2 * n);
        for (int j = 0; j < n; j++) {
            float r = 0.5f * pre[p + j] + 0.5f, hn = pre[p + 2 * n + j] + bh[2 * n + j];
            pre[p + j] = r;
            if (cells != null) cells[cr + j] = hn;
            pre[p + 2 * n + j] = x[xr + 2 * n + j] + bi[2 * n + j] + r * hn;
        }
        FastMath.tanh(pre, pre, p + 2 * n, p + 3 * n);
        // n + z (h - n) is (1 - z) n + z h, written as PyTorch's CPU kernel does.
        for (int j = 0; j < n; j++) {
            float z = 0.5f * pre[p + n + j] + 0.5f, nv = pre[p + 2 * n + j];
            pre[p + n + j] = z;
            h[s + j] = nv + z * (h[s + j] - nv);
        }
        if (gates != null) System.arraycopy(pre, p, gates, go + row * gld, width);
        System.arraycopy(h, s, out, oo + row * old, n);
    }

    private void rnn(int b, int row) {
        int n = hidden, p = b * width, xr = xo + row * xld;
        for (int j = 0; j < n; j++) pre[p + j] += x[xr + j] + bsum[j];
        if (cell == Cell.RNN_TANH) FastMath.tanh(pre, pre, p, p + n);
        else for (int j = p; j < p + n; j++) pre[j] = Math.max(pre[j], 0f);
        System.arraycopy(pre, p, h, b * n, n);
        System.arraycopy(pre, p, out, oo + row * old, n);
    }

    // ------------------------------------------------------------------ backward

    @Override
    void bindBackward(Gradients g, NDArray dh, NDArray dc) {
        dOut = (float[]) data(g.dOut());
        dGx = (float[]) data(g.dGx());
        dGh = (float[]) data(g.dGh());
        hPrev = (float[]) data(g.hPrev());
        this.dh = (float[]) data(dh);
        this.dc = (float[]) data(dc);
    }

    @Override
    void backwardRows(int from, int to, int t, int r0) {
        float[] tmp = new float[hidden];
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

    private void lstmBackward(int b, int row, int prev, float[] tanhC) {
        int n = hidden, g = go + row * gld, s = b * n, d = doo + row * dold, gx = gxo + row * gxld;
        float[] cp = prev < 0 ? c0 : cells;
        int cpo = prev < 0 ? c0o + b * c0ld : co + prev * cld;
        System.arraycopy(cells, co + row * cld, tanhC, 0, n);
        FastMath.tanh(tanhC, tanhC, 0, n);
        for (int j = 0; j < n; j++) {
            float i = gates[g + j], f = gates[g + n + j], gg = gates[g + 2 * n + j], o = gates[g + 3 * n + j], tc = tanhC[j];
            float dhv = dOut[d + j] + dh[s + j];
            float dcv = dc[s + j] + dhv * o * (1 - tc * tc);
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
            float r = gates[g + j], z = gates[g + n + j], nv = gates[g + 2 * n + j];
            float dhv = dOut[d + j] + dh[s + j];
            float dnPre = dhv * (1 - z) * (1 - nv * nv);
            float dzPre = dhv * (hPrev[hp + j] - nv) * z * (1 - z);
            float drPre = dnPre * cells[cr + j] * r * (1 - r);
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
            float hv = out[o + j], dhv = dOut[d + j] + dh[s + j];
            dGx[gx + j] = tanh ? dhv * (1 - hv * hv) : hv > 0 ? dhv : 0f;
        }
    }
}
