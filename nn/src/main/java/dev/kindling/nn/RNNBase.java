package dev.kindling.nn;

import dev.kindling.autograd.Tensor;
import dev.kindling.nn.functional.Recurrent;
import dev.kindling.nn.init.Init;
import dev.kindling.nn.utils.rnn.PackedSequence;
import dev.kindling.tensor.Shapes;
import dev.kindling.tensor.cpu.RecurrentKernels;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * What {@link RNN}, {@link LSTM} and {@link GRU} share, as torch.nn.RNNBase: the options, the
 * weights under PyTorch's names and shapes, their initialisation, and forward over padded, unbatched
 * and packed inputs. Per layer k and direction (suffix "" or "_reverse"), with G gate blocks (1 for
 * RNN, 4 for LSTM, 3 for GRU): {@code weight_ih_lk} [G*H, in] (in = inputSize for layer 0, directions *
 * H above), {@code weight_hh_lk} [G*H, H], {@code bias_ih_lk} and {@code bias_hh_lk} [G*H]; all
 * initialised U(-1/sqrt(H), 1/sqrt(H)). Inputs are time-major [T, B, in] unless batchFirst ([B, T, in]);
 * an unbatched [T, in] input is accepted whatever batchFirst says.
 */
public abstract class RNNBase extends Module {
    /**
     * The keyword arguments with PyTorch's defaults: numLayers 1, bias true, batchFirst false,
     * dropout 0, bidirectional false, and for {@link RNN} nonlinearity "tanh".
     * <pre>{@code
     * var lstm = new LSTM(64, 256, new LSTM.Options().numLayers(2).bidirectional(true).dropout(0.1));
     * }</pre>
     */
    public static final class Options {
        private int numLayers = 1;
        private boolean bias = true, batchFirst, bidirectional;
        private double dropout;
        private String nonlinearity = "tanh";

        public Options numLayers(int numLayers) { this.numLayers = numLayers; return this; }

        /** Without bias there are no bias_ih / bias_hh parameters. */
        public Options bias(boolean bias) { this.bias = bias; return this; }

        /** Input and output as [B, T, features]; h_n stays [layers * directions, B, H]. */
        public Options batchFirst(boolean batchFirst) { this.batchFirst = batchFirst; return this; }

        /** Dropout on the outputs of every layer but the last, in training only. */
        public Options dropout(double dropout) { this.dropout = dropout; return this; }

        public Options bidirectional(boolean bidirectional) { this.bidirectional = bidirectional; return this; }

        /** "tanh" or "relu"; RNN only. */
        public Options nonlinearity(String nonlinearity) { this.nonlinearity = nonlinearity; return this; }

        public int numLayers() { return numLayers; }

        public boolean bias() { return bias; }

        public boolean batchFirst() { return batchFirst; }

        public double dropout() { return dropout; }

        public boolean bidirectional() { return bidirectional; }

        public String nonlinearity() { return nonlinearity; }
    }

    /** PyTorch's mode: "RNN_TANH", "RNN_RELU", "LSTM" or "GRU". */
    public final String mode;
    public final int inputSize, hiddenSize, numLayers;
    public final boolean bias, batchFirst, bidirectional;
    public final double dropout;
    private final List<Tensor> flatWeights = new ArrayList<>();

    RNNBase(String mode, int inputSize, int hiddenSize, Options options) {
        int gates = RecurrentKernels.Cell.valueOf(mode).gates;
        String layer = getClass().getSimpleName();
        if (inputSize < 1 || hiddenSize < 1) {
            throw new IllegalArgumentException(layer + ": inputSize and hiddenSize must be positive, got " + inputSize + " and " + hiddenSize);
        }
        if (options.numLayers() < 1) throw new IllegalArgumentException(layer + ": numLayers must be at least 1, got " + options.numLayers());
        if (!(options.dropout() >= 0 && options.dropout() <= 1)) {
            throw new IllegalArgumentException(layer + ": dropout must be in [0, 1], got " + options.dropout());
        }
        this.mode = mode;
        this.inputSize = inputSize;
        this.hiddenSize = hiddenSize;
        this.numLayers = options.numLayers();
        this.bias = options.bias();
        this.batchFirst = options.batchFirst();
        this.bidirectional = options.bidirectional();
        this.dropout = options.dropout();
        int directions = directions();
        for (int l = 0; l < numLayers; l++) {
            int in = l == 0 ? inputSize : directions * hiddenSize;
            for (int d = 0; d < directions; d++) {
                String suffix = "_l" + l + (d == 1 ? "_reverse" : "");
                flatWeights.add(registerParameter("weight_ih" + suffix, Tensor.zeros(gates * hiddenSize, in)));
                flatWeights.add(registerParameter("weight_hh" + suffix, Tensor.zeros(gates * hiddenSize, hiddenSize)));
                if (bias) {
                    flatWeights.add(registerParameter("bias_ih" + suffix, Tensor.zeros(gates * hiddenSize)));
                    flatWeights.add(registerParameter("bias_hh" + suffix, Tensor.zeros(gates * hiddenSize)));
                }
            }
        }
        resetParameters();
    }

    /** Every weight U(-1/sqrt(hiddenSize), 1/sqrt(hiddenSize)), as PyTorch. */
    public void resetParameters() {
        double bound = 1 / Math.sqrt(hiddenSize);
        for (Tensor w : flatWeights) Init.uniform_(w, -bound, bound);
    }

    public int directions() { return bidirectional ? 2 : 1; }

    /**
     * The weights as PyTorch's {@code all_weights}: one list per layer and direction (forward first),
     * each [weight_ih, weight_hh] plus [bias_ih, bias_hh] with bias.
     */
    public List<List<Tensor>> allWeights() {
        int per = bias ? 4 : 2;
        List<List<Tensor>> out = new ArrayList<>();
        for (int i = 0; i < flatWeights.size(); i += per) out.add(List.copyOf(flatWeights.subList(i, i + per)));
        return out;
    }

    /** The output sequence for zero initial state; see {@link #forward(Tensor, RecurrentState)}. */
    @Override
    public Tensor forward(Tensor input) { return forward(input, null).output(); }

    /**
     * Runs the layers over a padded batch [T, B, inputSize] ([B, T, inputSize] with batchFirst) or an
     * unbatched sequence [T, inputSize], from {@code state} (null: zeros; h0 and, for LSTM, c0 of shape
     * [layers * directions, B, H], or [layers * directions, H] unbatched).
     */
    public RecurrentOutput forward(Tensor input, RecurrentState state) {
        String layer = getClass().getSimpleName();
        if (input.dim() != 2 && input.dim() != 3) {
            throw new IllegalArgumentException(layer + ": expects input [T, B, " + inputSize + "] ([B, T, " + inputSize
                    + "] with batchFirst) or unbatched [T, " + inputSize + "], got " + Shapes.str(input.shape()));
        }
        checkFeatures(input);
        boolean unbatched = input.dim() == 2;
        Tensor x = unbatched ? input.unsqueeze(1) : batchFirst ? input.transpose(0, 1) : input;
        int batch = x.size(1);
        Tensor[] s = state(state, batch, unbatched);
        Tensor[] r = Recurrent.run(mode, x, null, s[0], s[1], flatWeights, bias, numLayers, dropout, isTraining(), bidirectional);
        Tensor out = unbatched ? r[0].squeeze(1) : batchFirst ? r[0].transpose(0, 1) : r[0];
        Tensor h = unbatched ? r[1].squeeze(1) : r[1];
        Tensor c = r.length > 2 ? (unbatched ? r[2].squeeze(1) : r[2]) : null;
        return new RecurrentOutput(out, h, c, null);
    }

    /** Runs over a packed batch from zero state; the output is {@link RecurrentOutput#packed()}. */
    public RecurrentOutput forward(PackedSequence input) { return forward(input, null); }

    /**
     * Runs over a packed batch of variable-length sequences. The state (and h_n, c_n) are in the
     * caller's batch order; h_n holds every sequence's state after its own last step, and the output
     * is packed like the input.
     */
    public RecurrentOutput forward(PackedSequence input, RecurrentState state) {
        Tensor data = input.data();
        if (data.dim() != 2) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ": packed data must be [N, " + inputSize + "], got "
                    + Shapes.str(data.shape()));
        }
        checkFeatures(data);
        long[] batchSizes = input.batchSizesArray();
        Tensor[] s = state(state, (int) batchSizes[0], false);
        Tensor sorted = input.sortedIndices(), unsorted = input.unsortedIndices();
        if (sorted != null && state != null) {
            s[0] = s[0].indexSelect(1, sorted);
            if (s[1] != null) s[1] = s[1].indexSelect(1, sorted);
        }
        Tensor[] r = Recurrent.run(mode, data, batchSizes, s[0], s[1], flatWeights, bias, numLayers, dropout, isTraining(),
                bidirectional);
        Tensor h = unsorted == null ? r[1] : r[1].indexSelect(1, unsorted);
        Tensor c = r.length > 2 ? (unsorted == null ? r[2] : r[2].indexSelect(1, unsorted)) : null;
        return new RecurrentOutput(r[0], h, c, input.withData(r[0]));
    }

    private void checkFeatures(Tensor x) {
        if (x.size(-1) != inputSize) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ": input " + Shapes.str(x.shape()) + " has " + x.size(-1)
                    + " features, the layer expects inputSize " + inputSize);
        }
    }

    /** h0 and c0 as [layers * directions, B, H] (null: zeros), after checking the caller's shapes. */
    private Tensor[] state(RecurrentState state, int batch, boolean unbatched) {
        boolean lstm = mode.equals("LSTM");
        String layer = getClass().getSimpleName();
        if (state == null) return new Tensor[]{null, null};
        if (lstm && state.cell() == null) {
            throw new IllegalArgumentException(layer + ": the state needs both h0 and c0, RecurrentState.of(h0, c0)");
        }
        if (!lstm && state.cell() != null) {
            throw new IllegalArgumentException(layer + " has no cell state; pass RecurrentState.of(h0)");
        }
        int layers = numLayers * directions();
        int[] want = unbatched ? new int[]{layers, hiddenSize} : new int[]{layers, batch, hiddenSize};
        Tensor[] s = {state.hidden(), state.cell()};
        String[] names = {"h0", "c0"};
        for (int i = 0; i < (lstm ? 2 : 1); i++) {
            if (!Arrays.equals(s[i].shape(), want)) {
                throw new IllegalArgumentException(layer + ": " + names[i] + " must be " + Shapes.str(want)
                        + (unbatched ? " (layers * directions, hidden) for an unbatched input" : " (layers * directions, batch, hidden)")
                        + ", got " + Shapes.str(s[i].shape()));
            }
            if (unbatched) s[i] = s[i].unsqueeze(1);
        }
        return s;
    }

    @Override
    protected String describe() {
        StringBuilder s = new StringBuilder(getClass().getSimpleName()).append('(').append(inputSize).append(" => ").append(hiddenSize);
        if (numLayers != 1) s.append(", numLayers=").append(numLayers);
        if (mode.equals("RNN_RELU")) s.append(", nonlinearity=relu");
        if (!bias) s.append(", bias=false");
        if (batchFirst) s.append(", batchFirst=true");
        if (dropout != 0) s.append(", dropout=").append(dropout);
        if (bidirectional) s.append(", bidirectional=true");
        return s.append(')').toString();
    }
}
