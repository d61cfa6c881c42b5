package dev.kindling.nn.functional;

import dev.kindling.autograd.FunctionContext;
import dev.kindling.autograd.GradMode;
import dev.kindling.autograd.Tensor;
import dev.kindling.tensor.NDArray;
import dev.kindling.tensor.cpu.DnnlRecurrent;
import dev.kindling.tensor.cpu.RecurrentKernels.Cell;
import dev.kindling.tensor.cpu.RecurrentKernels.Steps;

/**
 * One recurrent layer (RNN, LSTM or GRU), both directions, as one autograd node on oneDNN
 * ({@link DnnlRecurrent}): float32 sequences of one length on the CPU. Inputs and outputs as
 * {@link RecurrentLayer}'s, which runs every other case. The node keeps oneDNN's native state from forward
 * to its last backward and frees it then; a Cleaner frees it if the graph is dropped without a backward, or
 * after a createGraph backward, which differentiates the Tensor-op form as {@link RecurrentLayer} does.
 */
final class DnnlRecurrentLayer extends RecurrentNode {
    /** oneDNN's state from forward, for backward; null once freed or when nothing was recorded. */
    private DnnlRecurrent state;

    DnnlRecurrentLayer(Cell cell, Steps steps, int hidden, int directions) {
        super(cell, steps, hidden, directions);
    }

    @Override
    public Tensor[] forward(FunctionContext ctx, Tensor... in) {
        int n = steps.rows(), b = steps.batch(), d = directions;
        boolean lstm = cell == Cell.LSTM;
        var dtype = in[0].dtype();
        NDArray out = NDArray.zeros(dtype, n, d * hidden), hN = NDArray.zeros(dtype, d, b, hidden);
        NDArray cN = lstm ? NDArray.zeros(dtype, d, b, hidden) : null;
        boolean recording = false;
        for (int i = 0; i < in.length; i++) recording |= ctx.needsInputGrad(i);
        state = DnnlRecurrent.forward(cell, recording, steps, in[0].data().contiguous(), in[1].data().contiguous(), perDirection(in, 2),
                perDirection(in, 3), perDirection(in, 4), in[stateInput()].data().contiguous(),
                lstm ? in[stateInput() + 1].data().contiguous() : null, out, hN, cN);
        ctx.saveForBackward(in);
        return lstm ? new Tensor[]{Tensor.wrap(out), Tensor.wrap(hN), Tensor.wrap(cN)} : new Tensor[]{Tensor.wrap(out), Tensor.wrap(hN)};
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
        Tensor[] result = GradMode.isEnabled() ? differentiableBackward(ctx, in, grads) : fusedBackward(ctx, in, grads);
        if (ctx.savedFreedAfterBackward() && state != null) {
            state.close();
            state = null;
        }
        return result;
    }

    /** The gradients from oneDNN's backward, on the state forward kept. */
    private Tensor[] fusedBackward(FunctionContext ctx, Tensor[] in, Tensor[] grads) {
        if (state == null) throw new IllegalStateException(name() + ": backward ran again after the graph was freed");
        int n = steps.rows(), b = steps.batch(), d = directions, gh = cell.gates * hidden;
        boolean lstm = cell == Cell.LSTM;
        var dtype = in[0].dtype();
        int features = in[0].data().shapeRef()[1];
        NDArray dx = NDArray.zeros(dtype, n, features), dWih = NDArray.zeros(dtype, d * gh, features);
        NDArray[] dWhh = new NDArray[d], dbIh = new NDArray[d], dbHh = new NDArray[d];
        for (int k = 0; k < d; k++) {
            dWhh[k] = NDArray.zeros(dtype, gh, hidden);
            dbIh[k] = NDArray.zeros(dtype, gh);
            dbHh[k] = NDArray.zeros(dtype, gh);
        }
        NDArray dh0 = NDArray.zeros(dtype, d, b, hidden), dc0 = lstm ? NDArray.zeros(dtype, d, b, hidden) : null;
        state.backward(in[1].data().contiguous(), perDirection(in, 2), grads[0].data().contiguous(), grads[1].data().contiguous(),
                lstm ? grads[2].data().contiguous() : null, dx, dWih, dWhh, dbIh, dbHh, dh0, dc0);
        Tensor[] result = new Tensor[in.length];
        if (ctx.needsInputGrad(0)) result[0] = Tensor.wrap(dx);
        if (ctx.needsInputGrad(1)) result[1] = Tensor.wrap(dWih);
        for (int k = 0; k < d; k++) {
            if (ctx.needsInputGrad(2 + 3 * k)) result[2 + 3 * k] = Tensor.wrap(dWhh[k]);
            if (ctx.needsInputGrad(3 + 3 * k)) result[3 + 3 * k] = Tensor.wrap(dbIh[k]);
            if (ctx.needsInputGrad(4 + 3 * k)) result[4 + 3 * k] = Tensor.wrap(dbHh[k]);
        }
        if (ctx.needsInputGrad(stateInput())) result[stateInput()] = Tensor.wrap(dh0);
        if (lstm && ctx.needsInputGrad(stateInput() + 1)) result[stateInput() + 1] = Tensor.wrap(dc0);
        return result;
    }
}
