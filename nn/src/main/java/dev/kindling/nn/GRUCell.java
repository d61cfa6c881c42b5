package dev.kindling.nn;

import dev.kindling.autograd.Tensor;

/**
 * One step of the GRU, as torch.nn.GRUCell (gates r, z, n; see {@link GRU}).
 * <pre>{@code
 * GRUCell cell = new GRUCell(16, 32);
 * Tensor h = cell.forward(x0);                       // x0 [B, 16] -> h [B, 32], from zeros
 * h = cell.forward(x1, h);
 * }</pre>
 */
public class GRUCell extends RNNCellBase {
    public GRUCell(int inputSize, int hiddenSize) { this(inputSize, hiddenSize, true); }

    public GRUCell(int inputSize, int hiddenSize, boolean bias) { super("GRU", inputSize, hiddenSize, bias); }

    /** h' from a zero state. */
    @Override
    public Tensor forward(Tensor input) { return forward(input, null); }

    /** h' from h [B, H] ([H] unbatched; null: zeros). */
    public Tensor forward(Tensor input, Tensor h) { return step(input, h, null)[0]; }
}
