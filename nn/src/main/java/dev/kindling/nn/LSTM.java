package dev.kindling.nn;

/**
 * Long short-term memory, as torch.nn.LSTM. Per layer and step, with gates in PyTorch's order i, f, g, o:
 * <pre>
 * i = sigmoid(W_ii x + b_ii + W_hi h + b_hi)     f = sigmoid(W_if x + b_if + W_hf h + b_hf)
 * g = tanh(W_ig x + b_ig + W_hg h + b_hg)        o = sigmoid(W_io x + b_io + W_ho h + b_ho)
 * c' = f * c + i * g                             h' = o * tanh(c')
 * </pre>
 * weight_ih_l0 is [4H, in] (W_ii; W_if; W_ig; W_io stacked), weight_hh_l0 [4H, H]; see {@link RNNBase}
 * for layouts, state and packed input, and docs/recurrent.md for the fused kernels.
 * <pre>{@code
 * LSTM lstm = new LSTM(64, 256);                       // LSTM(64 => 256)
 * Tensor out = lstm.forward(x);                        // x [35, 32, 64] -> out [35, 32, 256]
 * RecurrentOutput r = lstm.forward(x, RecurrentState.of(h0, c0));   // r.hidden(), r.cell(): [1, 32, 256]
 * }</pre>
 */
public class LSTM extends RNNBase {
    public LSTM(int inputSize, int hiddenSize) { this(inputSize, hiddenSize, new Options()); }

    public LSTM(int inputSize, int hiddenSize, int numLayers) { this(inputSize, hiddenSize, new Options().numLayers(numLayers)); }

    public LSTM(int inputSize, int hiddenSize, int numLayers, boolean batchFirst) {
        this(inputSize, hiddenSize, new Options().numLayers(numLayers).batchFirst(batchFirst));
    }

    public LSTM(int inputSize, int hiddenSize, int numLayers, boolean batchFirst, double dropout) {
        this(inputSize, hiddenSize, new Options().numLayers(numLayers).batchFirst(batchFirst).dropout(dropout));
    }

    public LSTM(int inputSize, int hiddenSize, int numLayers, boolean batchFirst, double dropout, boolean bidirectional) {
        this(inputSize, hiddenSize, new Options().numLayers(numLayers).batchFirst(batchFirst).dropout(dropout).bidirectional(bidirectional));
    }

    public LSTM(int inputSize, int hiddenSize, Options options) {
        super("LSTM", inputSize, hiddenSize, onlyTanh("LSTM", options));
    }

    static Options onlyTanh(String layer, Options options) {
        if (!options.nonlinearity().equals("tanh")) {
            throw new IllegalArgumentException(layer + ": nonlinearity is an RNN option; " + layer + "'s gates use sigmoid and tanh,"
                    + " got nonlinearity \"" + options.nonlinearity() + "\"");
        }
        return options;
    }
}
