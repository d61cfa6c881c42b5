package dev.kindling.nn.functional;

import dev.kindling.autograd.Tensor;
import dev.kindling.tensor.cpu.RecurrentKernels.Cell;
import dev.kindling.tensor.cpu.RecurrentKernels.Steps;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * {@link RecurrentLayer}'s computation written step by step with differentiable Tensor ops: the
 * fused layer's createGraph backward differentiates it, and devices without fused kernels run it.
 * Same inputs and outputs as {@link RecurrentLayer}; a batch entry whose sequence has ended keeps its
 * state, so h_n holds each entry's state at its own last step.
 */
final class RecurrentComposite {
    private RecurrentComposite() {}

    static Tensor[] layer(Cell cell, Steps steps, int hidden, int directions, Tensor[] in) {
        int gh = cell.gates * hidden, state = 2 + 3 * directions;
        Tensor xProj = Tensor.linear(in[0], in[1], null);
        List<Tensor> outs = new ArrayList<>(), hs = new ArrayList<>(), cs = new ArrayList<>();
        for (int k = 0; k < directions; k++) {
            Tensor proj = xProj.narrow(1, k * gh, gh);
            Tensor[] r = direction(cell, steps, k == 1, proj, in[2 + 3 * k], in[3 + 3 * k], in[4 + 3 * k], in[state].select(0, k),
                    cell == Cell.LSTM ? in[state + 1].select(0, k) : null);
            outs.add(r[0]);
            hs.add(r[1]);
            if (cell == Cell.LSTM) cs.add(r[2]);
        }
        Tensor out = directions == 1 ? outs.get(0) : Tensor.cat(outs, 1);
        Tensor hN = Tensor.stack(hs, 0);
        return cell == Cell.LSTM ? new Tensor[]{out, hN, Tensor.stack(cs, 0)} : new Tensor[]{out, hN};
    }

    private static Tensor[] direction(Cell cell, Steps steps, boolean reverse, Tensor x, Tensor wHh, Tensor bIh, Tensor bHh,
                                      Tensor h, Tensor c) {
        int count = steps.count(), batch = steps.batch();
        Tensor[] rows = new Tensor[count];
        for (int k = 0; k < count; k++) {
            int t = reverse ? count - 1 - k : k, act = steps.active(t);
            Tensor hAct = h.narrow(0, 0, act), cAct = c == null ? null : c.narrow(0, 0, act);
            Tensor[] next = step(cell, x.narrow(0, steps.start(t), act), hAct, cAct, wHh, bIh, bHh);
            rows[t] = next[0];
            h = keepEnded(next[0], h, act, batch);
            if (c != null) c = keepEnded(next[1], c, act, batch);
        }
        Tensor out = Tensor.cat(Arrays.asList(rows), 0);
        return c == null ? new Tensor[]{out, h} : new Tensor[]{out, h, c};
    }

    /** The new state of the first {@code act} entries over the old state of the rest, which are not running. */
    private static Tensor keepEnded(Tensor updated, Tensor old, int act, int batch) {
        return act == batch ? updated : Tensor.cat(List.of(updated, old.narrow(0, act, batch - act)), 0);
    }

    /**
     * One step of one cell on rows [B, ...]: x is the input projection x W_ih^T; returns h' (and c' for
     * LSTM). The formulas are PyTorch's (torch.nn.LSTM, GRU and RNN documentation).
     */
    static Tensor[] step(Cell cell, Tensor x, Tensor h, Tensor c, Tensor wHh, Tensor bIh, Tensor bHh) {
        Tensor gh = Tensor.linear(h, wHh, bHh);
        if (cell == Cell.GRU) {
            Tensor gi = bIh == null ? x : x.add(bIh);
            List<Tensor> i = gi.chunk(3, 1), hh = gh.chunk(3, 1);
            Tensor r = i.get(0).add(hh.get(0)).sigmoid(), z = i.get(1).add(hh.get(1)).sigmoid();
            Tensor n = i.get(2).add(r.mul(hh.get(2))).tanh();
            return new Tensor[]{n.add(z.mul(h.sub(n)))};
        }
        Tensor pre = x.add(gh);
        if (bIh != null) pre = pre.add(bIh);
        if (cell == Cell.LSTM) {
            List<Tensor> g = pre.chunk(4, 1);
            Tensor i = g.get(0).sigmoid(), f = g.get(1).sigmoid(), gg = g.get(2).tanh(), o = g.get(3).sigmoid();
            Tensor cNew = f.mul(c).add(i.mul(gg));
            return new Tensor[]{o.mul(cNew.tanh()), cNew};
        }
        return new Tensor[]{cell == Cell.RNN_TANH ? pre.tanh() : pre.relu()};
    }
}
