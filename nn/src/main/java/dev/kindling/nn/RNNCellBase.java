package dev.kindling.nn;

import dev.kindling.autograd.Tensor;
import dev.kindling.nn.functional.Recurrent;
import dev.kindling.nn.init.Init;
import dev.kindling.tensor.Shapes;
import dev.kindling.tensor.cpu.RecurrentKernels;
import java.util.Arrays;

/**
 * What {@link RNNCell}, {@link LSTMCell} and {@link GRUCell} share, as torch.nn.RNNCellBase: one step
 * of the recurrence for hand-written loops, with the layers' formulas and gate order. Parameters
 * {@code weight_ih} [G*H, inputSize], {@code weight_hh} [G*H, H], {@code bias_ih} and {@code bias_hh}
 * [G*H], all U(-1/sqrt(H), 1/sqrt(H)). Inputs are [B, inputSize] or unbatched [inputSize]; states
 * [B, H] or [H]. A step is one autograd node with fused kernels on the CPU.
 */
public abstract class RNNCellBase extends Module {
    /** PyTorch's mode: "RNN_TANH", "RNN_RELU", "LSTM" or "GRU". */
    public final String mode;
    public final int inputSize, hiddenSize;
    public final Tensor weightIh, weightHh;
    /** Null without bias. */
    public final Tensor biasIh, biasHh;

    RNNCellBase(String mode, int inputSize, int hiddenSize, boolean bias) {
        int gates = RecurrentKernels.Cell.valueOf(mode).gates;
        if (inputSize < 1 || hiddenSize < 1) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ": inputSize and hiddenSize must be positive, got "
                    + inputSize + " and " + hiddenSize);
        }
        this.mode = mode;
        this.inputSize = inputSize;
        this.hiddenSize = hiddenSize;
        this.weightIh = registerParameter("weight_ih", Tensor.zeros(gates * hiddenSize, inputSize));
        this.weightHh = registerParameter("weight_hh", Tensor.zeros(gates * hiddenSize, hiddenSize));
        this.biasIh = registerParameter("bias_ih", bias ? Tensor.zeros(gates * hiddenSize) : null);
        this.biasHh = registerParameter("bias_hh", bias ? Tensor.zeros(gates * hiddenSize) : null);
        resetParameters();
    }

    /** Every weight U(-1/sqrt(hiddenSize), 1/sqrt(hiddenSize)), as PyTorch. */
    public void resetParameters() {
        double bound = 1 / Math.sqrt(hiddenSize);
        for (Tensor w : parameters()) Init.uniform_(w, -bound, bound);
    }

    /** One step from h (and c) [B, H], or zeros where null; returns {h'} or {h', c'}, unbatched when the input is. */
    Tensor[] step(Tensor input, Tensor h, Tensor c) {
        String cell = getClass().getSimpleName();
        if (input.dim() != 1 && input.dim() != 2) {
            throw new IllegalArgumentException(cell + ": expects input [B, " + inputSize + "] or unbatched [" + inputSize + "], got "
                    + Shapes.str(input.shape()));
        }
        if (input.size(-1) != inputSize) {
            throw new IllegalArgumentException(cell + ": input " + Shapes.str(input.shape()) + " has " + input.size(-1)
                    + " features, the cell expects inputSize " + inputSize);
        }
        boolean unbatched = input.dim() == 1;
        Tensor x = unbatched ? input.unsqueeze(0) : input;
        int[] want = unbatched ? new int[]{hiddenSize} : new int[]{x.size(0), hiddenSize};
        h = checkedState(cell, "h", h, want, x);
        c = mode.equals("LSTM") ? checkedState(cell, "c", c, want, x) : null;
        if (unbatched) {
            h = h.unsqueeze(0);
            if (c != null) c = c.unsqueeze(0);
        }
        Tensor[] r = Recurrent.cell(mode, x, h, c, weightIh, weightHh, biasIh, biasHh);
        if (unbatched) for (int i = 0; i < r.length; i++) r[i] = r[i].squeeze(0);
        return r;
    }

    private Tensor checkedState(String cell, String name, Tensor s, int[] want, Tensor x) {
        if (s == null) return Tensor.zeros(x.dtype(), x.device(), want);
        if (!Arrays.equals(s.shape(), want)) {
            throw new IllegalArgumentException(cell + ": state " + name + " must be " + Shapes.str(want) + " for input "
                    + Shapes.str(x.shape()) + ", got " + Shapes.str(s.shape()));
        }
        return s;
    }

    @Override
    protected String describe() {
        return getClass().getSimpleName() + "(" + inputSize + " => " + hiddenSize + (mode.equals("RNN_RELU") ? ", nonlinearity=relu" : "")
                + (biasIh == null ? ", bias=false" : "") + ")";
    }
}
