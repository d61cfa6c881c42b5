package dev.kindling.nn;

import dev.kindling.autograd.Tensor;

/**
 * One step of the Elman RNN, as torch.nn.RNNCell: h' = tanh(W_ih x + b_ih + W_hh h + b_hh) (or relu).
 * <pre>{@code
 * RNNCell cell = new RNNCell(10, 20);
 * Tensor h = null;                                   // zeros
 * for (Tensor xt : x.split(1, 0)) h = cell.forward(xt.squeeze(0), h);   // xt [B, 10] -> h [B, 20]
 * }</pre>
 */
public class RNNCell extends RNNCellBase {
    /** "tanh" or "relu". */
    public final String nonlinearity;

    public RNNCell(int inputSize, int hiddenSize) { this(inputSize, hiddenSize, true, "tanh"); }

    public RNNCell(int inputSize, int hiddenSize, boolean bias) { this(inputSize, hiddenSize, bias, "tanh"); }

    public RNNCell(int inputSize, int hiddenSize, boolean bias, String nonlinearity) {
        super(RNN.mode(nonlinearity), inputSize, hiddenSize, bias);
        this.nonlinearity = nonlinearity;
    }

    /** h' from a zero state. */
    @Override
    public Tensor forward(Tensor input) { return forward(input, null); }

    /** h' from h [B, H] ([H] unbatched; null: zeros). */
    public Tensor forward(Tensor input, Tensor h) { return step(input, h, null)[0]; }
}
