package dev.kindling.nn.functional;

import dev.kindling.autograd.FunctionContext;
import dev.kindling.autograd.GradMode;
import dev.kindling.autograd.MultiOutputFunction;
import dev.kindling.autograd.Tensor;
import dev.kindling.tensor.NDArray;
import dev.kindling.tensor.cpu.DnnlLstm;
import dev.kindling.tensor.cpu.RecurrentKernels.Cell;
import dev.kindling.tensor.cpu.RecurrentKernels.Steps;

/**
 * One LSTM layer, both directions, as one autograd node on oneDNN ({@link DnnlLstm}): float32 sequences of
 * one length on the CPU. Inputs and outputs as {@link RecurrentLayer}'s, which runs every other case.
 * The node keeps oneDNN's native state from forward to its last backward and frees it then; a Cleaner frees
 * it if the graph is dropped without a backward. Under createGraph it differentiates the Tensor-op form,
 * as {@link RecurrentLayer} does.
 */
final class DnnlLstmLayer extends MultiOutputFunction {
    private final Steps steps;
    private final int hidden, directions;
    /** oneDNN's state from forward, for backward; null once freed or when nothing was recorded. */
    private DnnlLstm state;

    DnnlLstmLayer(Steps steps, int hidden, int directions) {
        this.steps = steps;
        this.hidden = hidden;
        this.directions = directions;
    }

    /** Where h0 is: after x, W_ih and three weights per direction. */
    private int stateInput() { return 2 + 3 * directions; }

    @Override
    public Tensor[] forward(FunctionContext ctx, Tensor... in) {
        int n = steps.rows(), b = steps.batch(), d = directions;
        var dtype = in[0].dtype();
        NDArray out = NDArray.zeros(dtype, n, d * hidden), hN = NDArray.zeros(dtype, d, b, hidden), cN = NDArray.zeros(dtype, d, b, hidden);
        boolean recording = false;
        for (int i = 0; i < in.length; i++) recording |= ctx.needsInputGrad(i);
        state = DnnlLstm.forward(recording, steps, in[0].data().contiguous(), in[1].data().contiguous(), perDirection(in, 2),
                perDirection(in, 3), perDirection(in, 4), in[stateInput()].data().contiguous(),
                in[stateInput() + 1].data().contiguous(), out, hN, cN);
        ctx.saveForBackward(in);
        return new Tensor[]{Tensor.wrap(out), Tensor.wrap(hN), Tensor.wrap(cN)};
    }

    /** Input {@code first + 3k}'s array for each direction k (W_hh, b_ih or b_hh); null entries stay null. */
    private NDArray[] perDirection(Tensor[] in, int first) {
        NDArray[] a = new NDArray[directions];
        for (int k = 0; k < directions; k++) a[k] = in[first + 3 * k] == null ? null : in[first + 3 * k].data().contiguous();
        return a;
    }

    @Override
    public Tensor[] backward(FunctionContext ctx, Tensor... grads) {
        Tensor[] in = ctx.savedTensors();
        if (GradMode.isEnabled()) {
            return RecurrentLayer.gradientsOf(ctx, in, RecurrentComposite.layer(Cell.LSTM, steps, hidden, directions, in), grads);
        }
        if (state == null) throw new IllegalStateException(name() + ": backward ran again after the graph was freed");
        int n = steps.rows(), b = steps.batch(), d = directions, gh = 4 * hidden;
        var dtype = in[0].dtype();
        NDArray x = in[0].data();
        NDArray dx = NDArray.zeros(dtype, n, x.shape()[1]), dWih = NDArray.zeros(dtype, d * gh, x.shape()[1]);
        NDArray[] dWhh = new NDArray[d], db = new NDArray[d];
        for (int k = 0; k < d; k++) {
            dWhh[k] = NDArray.zeros(dtype, gh, hidden);
            db[k] = NDArray.zeros(dtype, gh);
        }
        NDArray dh0 = NDArray.zeros(dtype, d, b, hidden), dc0 = NDArray.zeros(dtype, d, b, hidden);
        state.backward(in[1].data().contiguous(), perDirection(in, 2), grads[0].data().contiguous(), grads[1].data().contiguous(),
                grads[2].data().contiguous(), dx, dWih, dWhh, db, dh0, dc0);
        if (ctx.savedFreedAfterBackward()) {
            state.close();
            state = null;
        }
        Tensor[] result = new Tensor[in.length];
        if (ctx.needsInputGrad(0)) result[0] = Tensor.wrap(dx);
        if (ctx.needsInputGrad(1)) result[1] = Tensor.wrap(dWih);
        for (int k = 0; k < d; k++) {
            if (ctx.needsInputGrad(2 + 3 * k)) result[2 + 3 * k] = Tensor.wrap(dWhh[k]);
            // Both biases get the gradient of their sum; a copy for the second, as grads may be changed in place.
            if (ctx.needsInputGrad(3 + 3 * k)) result[3 + 3 * k] = Tensor.wrap(db[k]);
            if (ctx.needsInputGrad(4 + 3 * k)) result[4 + 3 * k] = Tensor.wrap(ctx.needsInputGrad(3 + 3 * k) ? db[k].copy() : db[k]);
        }
        if (ctx.needsInputGrad(stateInput())) result[stateInput()] = Tensor.wrap(dh0);
        if (ctx.needsInputGrad(stateInput() + 1)) result[stateInput() + 1] = Tensor.wrap(dc0);
        return result;
    }

    @Override
    protected String name() { return Recurrent.backwardName(Cell.LSTM); }

    /** The gradients are arrays made by this backward (see RecurrentLayer's twin). */
    @Override
    protected boolean backwardReturnsFreshTensors() { return true; }
}
