package dev.kindling.nn;

/**
 * Gated recurrent unit, as torch.nn.GRU. Per layer and step, with gates in PyTorch's order r, z, n:
 * <pre>
 * r = sigmoid(W_ir x + b_ir + W_hr h + b_hr)     z = sigmoid(W_iz x + b_iz + W_hz h + b_hz)
 * n = tanh(W_in x + b_in + r * (W_hn h + b_hn))  h' = (1 - z) * n + z * h
 * </pre>
 * weight_ih_l0 is [3H, in] (W_ir; W_iz; W_in stacked), weight_hh_l0 [3H, H]; note that r scales
 * W_hn h + b_hn, bias included. See {@link RNNBase} for layouts, state and packed input.
 * <pre>{@code
 * GRU gru = new GRU(16, 32, 2, true);                 // 2 layers, batchFirst
 * Tensor out = gru.forward(x);                        // x [8, 20, 16] -> out [8, 20, 32]
 * }</pre>
 */
public class GRU extends RNNBase {
    public GRU(int inputSize, int hiddenSize) { this(inputSize, hiddenSize, new Options()); }

    public GRU(int inputSize, int hiddenSize, int numLayers) { this(inputSize, hiddenSize, new Options().numLayers(numLayers)); }

    public GRU(int inputSize, int hiddenSize, int numLayers, boolean batchFirst) {
        this(inputSize, hiddenSize, new Options().numLayers(numLayers).batchFirst(batchFirst));
    }

    public GRU(int inputSize, int hiddenSize, int numLayers, boolean batchFirst, double dropout) {
        this(inputSize, hiddenSize, new Options().numLayers(numLayers).batchFirst(batchFirst).dropout(dropout));
    }

    public GRU(int inputSize, int hiddenSize, int numLayers, boolean batchFirst, double dropout, boolean bidirectional) {
        this(inputSize, hiddenSize, new Options().numLayers(numLayers).batchFirst(batchFirst).dropout(dropout).bidirectional(bidirectional));
    }

    public GRU(int inputSize, int hiddenSize, Options options) {
        super("GRU", inputSize, hiddenSize, LSTM.onlyTanh("GRU", options));
    }
}
