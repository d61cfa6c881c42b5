package dev.kindling.nn;

import dev.kindling.autograd.Tensor;

/**
 * One step of the LSTM, as torch.nn.LSTMCell (gates i, f, g, o; see {@link LSTM}).
 * <pre>{@code
 * LSTMCell cell = new LSTMCell(64, 128);
 * RecurrentState s = null;                           // zeros
 * for (int t = 0; t < steps; t++) s = cell.forward(x.select(0, t), s);   // s.hidden(), s.cell(): [B, 128]
 * }</pre>
 */
public class LSTMCell extends RNNCellBase {
    public LSTMCell(int inputSize, int hiddenSize) { this(inputSize, hiddenSize, true); }

    public LSTMCell(int inputSize, int hiddenSize, boolean bias) { super("LSTM", inputSize, hiddenSize, bias); }

    /** h' from a zero state (the single-tensor form; use {@link #forward(Tensor, RecurrentState)} for c' too). */
    @Override
    public Tensor forward(Tensor input) { return forward(input, null).hidden(); }

    /** (h', c') from (h, c) [B, H] each ([H] unbatched); a null state means zeros. */
    public RecurrentState forward(Tensor input, RecurrentState state) {
        if (state != null && state.cell() == null) {
            throw new IllegalArgumentException("LSTMCell: the state needs both h and c, RecurrentState.of(h, c)");
        }
        Tensor[] r = step(input, state == null ? null : state.hidden(), state == null ? null : state.cell());
        return RecurrentState.of(r[0], r[1]);
    }
}
