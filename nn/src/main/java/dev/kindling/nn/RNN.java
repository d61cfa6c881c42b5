package dev.kindling.nn;

/**
 * The Elman recurrent network, as torch.nn.RNN: per layer and step
 * h' = tanh(W_ih x + b_ih + W_hh h + b_hh) (or relu, with {@code nonlinearity("relu")}).
 * weight_ih_l0 is [H, in], weight_hh_l0 [H, H]; see {@link RNNBase} for layouts, state and packed input.
 * <pre>{@code
 * RNN rnn = new RNN(10, 20, new RNN.Options().nonlinearity("relu"));   // RNN(10 => 20, nonlinearity=relu)
 * RecurrentOutput r = rnn.forward(x, RecurrentState.of(h0));         // x [5, 3, 10], h0 [1, 3, 20]
 * }</pre>
 */
public class RNN extends RNNBase {
    /** "tanh" or "relu". */
    public final String nonlinearity;

    public RNN(int inputSize, int hiddenSize) { this(inputSize, hiddenSize, new Options()); }

    public RNN(int inputSize, int hiddenSize, int numLayers) { this(inputSize, hiddenSize, new Options().numLayers(numLayers)); }

    public RNN(int inputSize, int hiddenSize, int numLayers, boolean batchFirst) {
        this(inputSize, hiddenSize, new Options().numLayers(numLayers).batchFirst(batchFirst));
    }

    public RNN(int inputSize, int hiddenSize, int numLayers, boolean batchFirst, double dropout) {
        this(inputSize, hiddenSize, new Options().numLayers(numLayers).batchFirst(batchFirst).dropout(dropout));
    }

    public RNN(int inputSize, int hiddenSize, int numLayers, boolean batchFirst, double dropout, boolean bidirectional) {
        this(inputSize, hiddenSize, new Options().numLayers(numLayers).batchFirst(batchFirst).dropout(dropout).bidirectional(bidirectional));
    }

    public RNN(int inputSize, int hiddenSize, Options options) {
        super(mode(options.nonlinearity()), inputSize, hiddenSize, options);
        this.nonlinearity = options.nonlinearity();
    }

    static String mode(String nonlinearity) {
        switch (nonlinearity) {
            case "tanh": return "RNN_TANH";
            case "relu": return "RNN_RELU";
            default: throw new IllegalArgumentException("RNN: nonlinearity must be \"tanh\" or \"relu\", got \"" + nonlinearity + "\"");
        }
    }
}
