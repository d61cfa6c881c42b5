package dev.kindling.cuda;

import java.util.ArrayList;
import java.util.List;

/**
 * Where each of a recurrent module's PyTorch-named parameters goes in cuDNN's packed weight space.
 * cuDNN addresses a matrix or bias by (pseudo-layer, linLayerID) through cudnnGetRNNWeightParams:
 * pseudo-layer = layer * directions + direction; linLayerIDs 0..G-1 act on the layer's input and
 * G..2G-1 on the previous hidden state, G being the gate count.
 *
 * <p>The gate orders agree, so a PyTorch gate block maps to the linLayerID of the same rank:
 * <ul>
 *   <li>LSTM (G = 4): PyTorch's rows i, f, g, o = cuDNN's input, forget, new memory (c'), output gates.</li>
 *   <li>GRU (G = 3): PyTorch's r, z, n = cuDNN's reset, update, new memory (h') gates; both apply the reset
 *       gate after the recurrent product (n = tanh(W_in x + b_in + r * (W_hn h + b_hn))).</li>
 *   <li>RNN tanh/relu (G = 1): the single W and R.</li>
 * </ul>
 * With CUDNN_RNN_DOUBLE_BIAS, bias_ih's gate k is the bias of linLayerID k and bias_hh's that of G + k,
 * exactly PyTorch's two biases. Pure Java, so the mapping is tested without a GPU.
 */
public final class CudnnRnnLayout {
    /** One gate block of one parameter: rows [rowOffset, rowOffset + rows) of {@code param} go to (pseudoLayer, linLayerId). */
    public record Block(String param, int rowOffset, int rows, int cols, int pseudoLayer, int linLayerId, boolean bias) {}

    /**
     * One device-to-device copy between a parameter and the weight space: {@code count} elements from
     * element {@code paramOffset} of the {@code param}-th parameter (PyTorch's flat order) at element
     * {@code spaceOffset} of the weight space.
     */
    public record Segment(int param, long paramOffset, long spaceOffset, long count) {}

    private CudnnRnnLayout() {}

    /**
     * The copies that move every parameter into the weight space (and gradients back), given where cuDNN
     * put each block ({@code spaceOffsets[i]}, in elements, for {@code blocks.get(i)}). Blocks that follow
     * each other in both the parameter and the weight space merge into one copy: cuDNN keeps a matrix's
     * gate blocks side by side, so each parameter usually takes a single copy instead of one per gate.
     */
    public static List<Segment> segments(List<Block> blocks, long[] spaceOffsets) {
        if (spaceOffsets.length != blocks.size()) {
            throw new IllegalArgumentException("cuDNN RNN layout: " + blocks.size() + " blocks but " + spaceOffsets.length + " offsets");
        }
        List<String> params = new ArrayList<>();
        List<Segment> out = new ArrayList<>();
        for (int i = 0; i < blocks.size(); i++) {
            Block b = blocks.get(i);
            int param = params.indexOf(b.param());
            if (param < 0) {
                param = params.size();
                params.add(b.param());
            }
            long from = (long) b.rowOffset() * b.cols(), count = (long) b.rows() * b.cols();
            Segment last = out.isEmpty() ? null : out.get(out.size() - 1);
            if (last != null && last.param() == param && last.paramOffset() + last.count() == from
                    && last.spaceOffset() + last.count() == spaceOffsets[i]) {
                out.set(out.size() - 1, new Segment(param, last.paramOffset(), last.spaceOffset(), last.count() + count));
            } else {
                out.add(new Segment(param, from, spaceOffsets[i], count));
            }
        }
        return out;
    }

    /** The gate count of a mode: RNN_TANH/RNN_RELU 1, LSTM 4, GRU 3. */
    public static int gates(String mode) {
        switch (mode) {
            case "RNN_TANH": case "RNN_RELU": return 1;
            case "LSTM": return 4;
            case "GRU": return 3;
            default: throw new IllegalArgumentException("cuDNN RNN: mode must be RNN_TANH, RNN_RELU, LSTM or GRU, got \"" + mode + "\"");
        }
    }

    /** Every block of every parameter, in PyTorch's parameter order (weight_ih, weight_hh, bias_ih, bias_hh per layer and direction). */
    public static List<Block> blocks(String mode, int inputSize, int hiddenSize, int numLayers, boolean bidirectional, boolean bias) {
        int g = gates(mode), dirs = bidirectional ? 2 : 1;
        List<Block> out = new ArrayList<>();
        for (int layer = 0; layer < numLayers; layer++) {
            int in = layer == 0 ? inputSize : hiddenSize * dirs;
            for (int d = 0; d < dirs; d++) {
                String suffix = "_l" + layer + (d == 1 ? "_reverse" : "");
                int pseudo = layer * dirs + d;
                for (int k = 0; k < g; k++) out.add(new Block("weight_ih" + suffix, k * hiddenSize, hiddenSize, in, pseudo, k, false));
                for (int k = 0; k < g; k++) out.add(new Block("weight_hh" + suffix, k * hiddenSize, hiddenSize, hiddenSize, pseudo, g + k, false));
                if (bias) {
                    for (int k = 0; k < g; k++) out.add(new Block("bias_ih" + suffix, k * hiddenSize, hiddenSize, 1, pseudo, k, true));
                    for (int k = 0; k < g; k++) out.add(new Block("bias_hh" + suffix, k * hiddenSize, hiddenSize, 1, pseudo, g + k, true));
                }
            }
        }
        return out;
    }
}
