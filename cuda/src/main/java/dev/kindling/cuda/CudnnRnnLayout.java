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

    private CudnnRnnLayout() {}

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
