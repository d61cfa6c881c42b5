package dev.kindling.nn.functional;

import dev.kindling.autograd.FunctionContext;
import dev.kindling.autograd.GradMode;
import dev.kindling.autograd.Tensor;
import dev.kindling.tensor.NDArray;
import dev.kindling.tensor.cpu.RecurrentKernels;
import dev.kindling.tensor.cpu.RecurrentKernels.Cell;
import dev.kindling.tensor.cpu.RecurrentKernels.Steps;
import java.util.Arrays;

/**
 * One layer of a recurrent network, both directions, as one autograd node over the whole sequence:
 * forward runs {@link RecurrentKernels#forward} per direction, backward runs backpropagation through
 * time with {@link RecurrentKernels#backward} and then forms each gradient with one GEMM over all steps
 * (dW_hh = dG^T H_prev, dW_ih = dG^T x, dx = dG W_ih; db = column sums of dG). One node instead of a few
 * dozen per step keeps the graph small and lets the per-step work stay in fused kernels.
 *
 * <p>Inputs: x [N, in], both directions' W_ih stacked [D*G*H, in], then per direction W_hh [G*H, H],
 * b_ih and b_hh [G*H] (null without bias), then h0 [D, B, H] and, for LSTM, c0 [D, B, H]. Outputs:
 * out [N, D*H], h_n [D, B, H] and, for LSTM, c_n [D, B, H].
 *
 * <p>The input projection x W_ih^T (one GEMM for every row and both directions) is made here, not by an
 * op of its own, so that it can be written where the gates go: the kernels overwrite each row's
 * projection with its activated gates once they have read it. That spares the layer's largest array,
 * [N, D*G*H] (4.6 MB of the 23 MB an LSTM(64, 256) step over [35, 32] allocated).
 *
 * <p>The fused backward is first-order: its arithmetic runs on raw arrays. When the engine asks for a
 * differentiable backward (createGraph), the node instead recomputes its forward with
 * {@link RecurrentComposite}'s Tensor ops from the saved inputs and differentiates that, so second
 * derivatives are exact, at the speed of an op-by-op graph.
 */
final class RecurrentLayer extends RecurrentNode {
    RecurrentLayer(Cell cell, Steps steps, int hidden, int directions) {
        super(cell, steps, hidden, directions);
    }

    @Override
    public Tensor[] forward(FunctionContext ctx, Tensor... in) {
        int n = steps.rows(), b = steps.batch(), gh = cell.gates * hidden, d = directions;
        NDArray x = in[0].data().contiguous();
        NDArray h0 = in[stateInput()].data().contiguous();
        NDArray c0 = cell == Cell.LSTM ? in[stateInput() + 1].data().contiguous() : null;
        var dtype = x.dtype();
        NDArray out = NDArray.zeros(dtype, n, d * hidden), hN = NDArray.zeros(dtype, d, b, hidden);
        NDArray cN = cell == Cell.LSTM ? NDArray.zeros(dtype, d, b, hidden) : null;
        boolean recording = false;
        for (int i = 0; i < in.length; i++) recording |= ctx.needsInputGrad(i);
        boolean saved = recording && (cell == Cell.LSTM || cell == Cell.GRU);
        NDArray gates = saved ? NDArray.zeros(dtype, n, d * gh) : null, cells = saved ? NDArray.zeros(dtype, n, d * hidden) : null;
        NDArray xProj = project(x, in[1].data(), gates != null ? gates : NDArray.zeros(dtype, n, d * gh));
        for (int k = 0; k < d; k++) {
            RecurrentKernels.forward(cell, steps, k == 1, inputs(in, xProj, h0, c0, k),
                    new RecurrentKernels.Results(out.narrow(1, k * hidden, hidden), hN.select(0, k),
                            cN == null ? null : cN.select(0, k), columns(gates, k, gh), columns(cells, k, hidden)));
        }
        Tensor outT = Tensor.wrap(out), hT = Tensor.wrap(hN);
        Tensor[] keep = Arrays.copyOf(in, in.length + 3);
        keep[in.length] = outT;
        keep[in.length + 1] = gates == null ? null : Tensor.wrap(gates);
        keep[in.length + 2] = cells == null ? null : Tensor.wrap(cells);
        ctx.saveForBackward(keep);
        return cN == null ? new Tensor[]{outT, hT} : new Tensor[]{outT, hT, Tensor.wrap(cN)};
    }

    /** x W_ih^T into {@code into} [N, D*G*H], a fresh array; Recurrent.layer has checked the shapes. */
    private static NDArray project(NDArray x, NDArray wIh, NDArray into) {
        int n = x.shape()[0], features = x.shape()[1], width = wIh.shape()[0];
        x.backend().matmul(x.reshape(1, n, features), wIh.t().unsqueeze(0), into.reshape(1, n, width));
        return into;
    }

    /** Direction k's kernel inputs; xProj null for backward, which does not read it. */
    private RecurrentKernels.Inputs inputs(Tensor[] in, NDArray xProj, NDArray h0, NDArray c0, int k) {
        int gh = cell.gates * hidden;
        return new RecurrentKernels.Inputs(xProj == null ? null : xProj.narrow(1, k * gh, gh), in[2 + 3 * k].data().contiguous(),
                data(in[3 + 3 * k]), data(in[4 + 3 * k]), h0.select(0, k), c0 == null ? null : c0.select(0, k));
    }

    private static NDArray data(Tensor t) { return t == null ? null : t.data(); }

    private static NDArray columns(NDArray m, int k, int width) { return m == null ? null : m.narrow(1, k * width, width); }

    @Override
    public Tensor[] backward(FunctionContext ctx, Tensor... grads) {
        Tensor[] saved = ctx.savedTensors();
        int inputs = saved.length - 3;
        Tensor[] in = Arrays.copyOf(saved, inputs);
        if (GradMode.isEnabled()) return differentiableBackward(ctx, in, grads);
        int n = steps.rows(), b = steps.batch(), gh = cell.gates * hidden, d = directions;
        NDArray x = in[0].data().contiguous();
        NDArray h0 = in[stateInput()].data().contiguous();
        NDArray c0 = cell == Cell.LSTM ? in[stateInput() + 1].data().contiguous() : null;
        NDArray out = saved[inputs].data(), gates = data(saved[inputs + 1]), cells = data(saved[inputs + 2]);
        var dtype = x.dtype();
        NDArray dOut = grads[0].data().contiguous(), dhN = grads[1].data().contiguous();
        NDArray dcN = cell == Cell.LSTM ? grads[2].data().contiguous() : null;
        // When the engine frees the saved gates after this backward, dG is written over them (each row's
        // gates are read before its gradients are written there), sparing another [N, D*G*H]. The version
        // bump makes a backward retried after a failure here report the change instead of reading dG as gates.
        boolean reuse = ctx.savedFreedAfterBackward() && gates != null;
        if (reuse) gates.storage().bumpVersion();
        NDArray dGx = reuse ? gates : NDArray.zeros(dtype, n, d * gh);
        NDArray dGh = cell == Cell.GRU ? NDArray.zeros(dtype, n, d * gh) : dGx;
        NDArray hPrev = NDArray.zeros(dtype, n, d * hidden), dh0 = NDArray.zeros(dtype, d, b, hidden);
        NDArray dc0 = cell == Cell.LSTM ? NDArray.zeros(dtype, d, b, hidden) : null;
        for (int k = 0; k < d; k++) {
            RecurrentKernels.backward(cell, steps, k == 1, inputs(in, null, h0, c0, k),
                    new RecurrentKernels.Results(out.narrow(1, k * hidden, hidden), null, null, columns(gates, k, gh),
                            columns(cells, k, hidden)),
                    new RecurrentKernels.Gradients(dOut.narrow(1, k * hidden, hidden), dhN.select(0, k),
                            dcN == null ? null : dcN.select(0, k), columns(dGx, k, gh), columns(dGh, k, gh),
                            columns(hPrev, k, hidden), dh0.select(0, k), dc0 == null ? null : dc0.select(0, k)));
        }
        Tensor[] result = new Tensor[in.length];
        // The projection's gradients: dGx is the gradient of x W_ih^T.
        if (ctx.needsInputGrad(0)) result[0] = Tensor.wrap(dGx.matmul(in[1].data()));
        if (ctx.needsInputGrad(1)) result[1] = Tensor.wrap(dGx.t().matmul(x));
        for (int k = 0; k < d; k++) {
            NDArray gx = columns(dGx, k, gh), gHh = columns(dGh, k, gh);
            if (ctx.needsInputGrad(2 + 3 * k)) result[2 + 3 * k] = Tensor.wrap(gHh.t().matmul(columns(hPrev, k, hidden)));
            NDArray dbIh = ctx.needsInputGrad(3 + 3 * k) ? gx.sum(0, false) : null;
            if (dbIh != null) result[3 + 3 * k] = Tensor.wrap(dbIh);
            if (ctx.needsInputGrad(4 + 3 * k)) {
                // Both biases get the same gradient except in GRU; a copy, not a shared tensor, as grads may be changed in place.
                result[4 + 3 * k] = Tensor.wrap(dGh == dGx && dbIh != null ? dbIh.copy() : gHh.sum(0, false));
            }
        }
        if (ctx.needsInputGrad(stateInput())) result[stateInput()] = Tensor.wrap(dh0);
        if (dc0 != null && ctx.needsInputGrad(stateInput() + 1)) result[stateInput() + 1] = Tensor.wrap(dc0);
        return result;
    }
}
