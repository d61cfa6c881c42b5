package dev.kindling.nn.functional;

import dev.kindling.amp.Autocast;
import dev.kindling.autograd.GradMode;
import dev.kindling.autograd.Tensor;
import dev.kindling.tensor.Backends;
import dev.kindling.tensor.DType;
import dev.kindling.tensor.RecurrentNetwork;
import dev.kindling.tensor.Shapes;
import dev.kindling.tensor.cpu.DnnlRecurrent;
import dev.kindling.tensor.cpu.RecurrentKernels.Cell;
import dev.kindling.tensor.cpu.RecurrentKernels.Steps;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The computation behind RNN, LSTM and GRU and their cells (torch's {@code _VF.lstm},
 * {@code lstm_cell} and friends); the modules check their inputs and call in here. Modes are
 * PyTorch's: {@code "RNN_TANH"}, {@code "RNN_RELU"}, {@code "LSTM"}, {@code "GRU"}.
 *
 * <p>Per layer, one autograd node runs the input projection of every time step and both directions
 * as one GEMM (x [N, in] @ [W_ih; W_ih_reverse]^T) and then the recurrence, forward and backward in
 * fused CPU kernels (docs/recurrent.md). A device whose backend offers a
 * {@link RecurrentNetwork} (cuDNN on CUDA) runs the whole stack in it instead, as one node; other devices
 * and dtypes run the same math as Tensor ops, step by step. Under autocast the input, state and weights
 * are cast as PyTorch's {@code _cudnn_rnn} does (docs/cuda.md).
 */
public final class Recurrent {
    private Recurrent() {}

    /**
     * Runs a multi-layer recurrence. {@code input} is time-major [T, B, in] when {@code batchSizes} is
     * null, or PackedSequence data [N, in] whose step t has batchSizes[t] rows. h0 and c0 (c0 for LSTM
     * only) are [layers * directions, B, H], or null for zeros. {@code weights} is PyTorch's flat list:
     * per layer, per direction, W_ih [G*H, in], W_hh [G*H, H] and, with {@code hasBiases}, b_ih and b_hh
     * [G*H]. Dropout with probability {@code dropout} is applied to every layer's output but the last
     * when {@code train}. Returns {output, h_n} and for LSTM also c_n; output is [T, B, D*H] (or
     * [N, D*H] for packed input) and h_n, c_n are [layers * directions, B, H].
     */
    public static Tensor[] run(String mode, Tensor input, long[] batchSizes, Tensor h0, Tensor c0, List<Tensor> weights,
                               boolean hasBiases, int numLayers, double dropout, boolean train, boolean bidirectional) {
        // The CPU never offers a whole-network kernel: its layers keep their fused per-layer path untouched.
        RecurrentNetwork network = input.device().isCpu() ? null : Backends.of(input.device()).recurrentNetwork();
        return run(network, mode, input, batchSizes, h0, c0, weights, hasBiases, numLayers, dropout, train, bidirectional);
    }

    /**
     * {@link #run} with the device's whole-network library given explicitly (null for none): when it
     * takes the call, the stack is one autograd node ({@link DeviceRecurrent}); otherwise layer by layer.
     */
    static Tensor[] run(RecurrentNetwork network, String mode, Tensor input, long[] batchSizes, Tensor h0, Tensor c0,
                        List<Tensor> weights, boolean hasBiases, int numLayers, double dropout, boolean train,
                        boolean bidirectional) {
        Cell cell = cell(mode);
        int d = bidirectional ? 2 : 1, per = hasBiases ? 4 : 2;
        if (weights.size() != numLayers * d * per) {
            throw new IllegalArgumentException(mode + ": expects " + numLayers * d * per + " weights (" + numLayers + " layers x "
                    + d + " directions x " + per + "), got " + weights.size());
        }
        if (!Autocast.isActive()) return stack(network, cell, input, batchSizes, h0, c0, weights, hasBiases, numLayers, dropout, train, d);
        String op = autocastName(cell);
        List<Tensor> w = weights.stream().map(t -> Autocast.cast(op, t)).collect(Collectors.toList());
        Tensor x = Autocast.cast(op, input), h = Autocast.cast(op, h0), c = Autocast.cast(op, c0);
        // As PyTorch's autocast wrappers: the op's own ops (its matmuls) see no autocast.
        try (Autocast ignored = Autocast.disable(input.device().type())) {
            return stack(network, cell, x, batchSizes, h, c, w, hasBiases, numLayers, dropout, train, d);
        }
    }

    private static Tensor[] stack(RecurrentNetwork network, Cell cell, Tensor input, long[] batchSizes, Tensor h0, Tensor c0,
                                  List<Tensor> weights, boolean hasBiases, int numLayers, double dropout, boolean train, int d) {
        String mode = cell.name();
        boolean bidirectional = d == 2;
        Steps steps;
        Tensor x;
        if (batchSizes == null) {
            if (input.dim() != 3) throw new IllegalArgumentException(mode + ": expects a time-major input [T, B, in], got "
                    + Shapes.str(input.shape()));
            steps = Steps.padded(input.size(0), input.size(1));
            x = input.reshape(steps.rows(), input.size(2));
        } else {
            steps = Steps.packed(batchSizes);
            x = input;
        }
        int hidden = weights.get(1).size(1), layers = numLayers * d;
        if (h0 == null) h0 = Tensor.zeros(x.dtype(), x.device(), layers, steps.batch(), hidden);
        if (cell == Cell.LSTM && c0 == null) c0 = Tensor.zeros(x.dtype(), x.device(), layers, steps.batch(), hidden);
        Tensor[] r = null;
        if (network != null) {
            long[] sizes = batchSizes != null ? batchSizes : padded(steps.count(), steps.batch());
            RecurrentNetwork.Spec spec = new RecurrentNetwork.Spec(mode, x.size(1), hidden, numLayers, bidirectional, hasBiases,
                    train ? dropout : 0, sizes);
            if (network.unsupported(spec, x.dtype()) == null) {
                checkDtypes(cell, x, weights, h0, c0);
                r = new DeviceRecurrent(network, spec).apply(DeviceRecurrent.inputs(x, h0, c0, weights));
            }
        }
        if (r == null) r = layers(cell, steps, x, h0, c0, weights, hasBiases, numLayers, dropout, train, d);
        if (batchSizes == null) r[0] = r[0].reshape(steps.count(), steps.batch(), d * hidden);
        return r;
    }

    /** The stack layer by layer: out [N, D*H], h_n and (LSTM) c_n [layers * D, B, H]. */
    static Tensor[] layers(Cell cell, Steps steps, Tensor x, Tensor h0, Tensor c0, List<Tensor> weights, boolean hasBiases,
                           int numLayers, double dropout, boolean train, int d) {
        int per = hasBiases ? 4 : 2, hidden = weights.get(1).size(1);
        List<Tensor> hN = new ArrayList<>(), cN = new ArrayList<>();
        for (int l = 0; l < numLayers; l++) {
            if (l > 0 && train && dropout > 0) x = F.dropout(x, dropout, true);
            List<Tensor> w = weights.subList(l * d * per, (l + 1) * d * per);
            Tensor[] r = layer(cell, steps, hidden, x, w, hasBiases, d, h0.narrow(0, l * d, d),
                    c0 == null ? null : c0.narrow(0, l * d, d));
            x = r[0];
            hN.add(r[1]);
            if (cell == Cell.LSTM) cN.add(r[2]);
        }
        Tensor h = numLayers == 1 ? hN.get(0) : Tensor.cat(hN, 0);
        if (cell != Cell.LSTM) return new Tensor[]{x, h};
        return new Tensor[]{x, h, numLayers == 1 ? cN.get(0) : Tensor.cat(cN, 0)};
    }

    private static long[] padded(int count, int batch) {
        long[] sizes = new long[count];
        Arrays.fill(sizes, batch);
        return sizes;
    }

    /**
     * One step of a cell: input [B, in], h (and c for LSTM) [B, H], weights as one layer's in
     * {@link #run}, biases null for none. Returns {h'} or, for LSTM, {h', c'}.
     */
    public static Tensor[] cell(String mode, Tensor input, Tensor h, Tensor c, Tensor wIh, Tensor wHh, Tensor bIh, Tensor bHh) {
        Cell cell = cell(mode);
        if (!Autocast.isActive()) return cell(cell, input, h, c, wIh, wHh, bIh, bHh);
        String op = autocastName(cell) + "Cell";
        Tensor[] t = {input, h, c, wIh, wHh, bIh, bHh};
        for (int i = 0; i < t.length; i++) t[i] = Autocast.cast(op, t[i]);
        try (Autocast ignored = Autocast.disable(input.device().type())) {
            return cell(cell, t[0], t[1], t[2], t[3], t[4], t[5], t[6]);
        }
    }

    private static Tensor[] cell(Cell cell, Tensor input, Tensor h, Tensor c, Tensor wIh, Tensor wHh, Tensor bIh, Tensor bHh) {
        List<Tensor> w = new ArrayList<>(List.of(wIh, wHh));
        if (bIh != null || bHh != null) {
            w.add(bIh);
            w.add(bHh);
        }
        Tensor[] r = layer(cell, Steps.padded(1, input.size(0)), wHh.size(1), input, w, w.size() == 4, 1, h.unsqueeze(0),
                c == null ? null : c.unsqueeze(0));
        return cell == Cell.LSTM ? new Tensor[]{r[0], r[2].squeeze(0)} : new Tensor[]{r[0]};
    }

    /**
     * One layer, both directions: the input projection as one GEMM, then the recurrence. Inputs as
     * {@link RecurrentLayer} takes them: x, both directions' W_ih stacked, then W_hh, b_ih, b_hh per
     * direction, then h0 (and c0).
     */
    private static Tensor[] layer(Cell cell, Steps steps, int hidden, Tensor x, List<Tensor> w, boolean hasBiases, int d,
                                  Tensor h0, Tensor c0) {
        int per = hasBiases ? 4 : 2;
        List<Tensor> wIh = new ArrayList<>(d);
        Tensor[] in = new Tensor[2 + 3 * d + (cell == Cell.LSTM ? 2 : 1)];
        for (int k = 0; k < d; k++) {
            wIh.add(w.get(k * per));
            in[2 + 3 * k] = w.get(k * per + 1);
            in[3 + 3 * k] = hasBiases ? w.get(k * per + 2) : null;
            in[4 + 3 * k] = hasBiases ? w.get(k * per + 3) : null;
        }
        checkDtypes(cell, x, w, h0, c0);
        checkProjection(cell, steps, hidden, x, wIh);
        in[0] = x;
        in[1] = d == 1 ? wIh.get(0) : Tensor.cat(wIh, 0);
        in[2 + 3 * d] = h0;
        if (cell == Cell.LSTM) in[3 + 3 * d] = c0;
        if (x.device().isCpu() && DnnlRecurrent.supports(cell, steps, x.dtype(), x.shape()[1], hidden, d, recording(in))) {
            return new DnnlRecurrentLayer(cell, steps, hidden, d).apply(in);
        }
        if (fused(x)) return new RecurrentLayer(cell, steps, hidden, d).apply(in);
        return RecurrentComposite.layer(cell, steps, hidden, d, in);
    }

    /** Whether a node over these inputs records a graph (and so must keep what its backward needs). */
    private static boolean recording(Tensor[] in) {
        if (!GradMode.isEnabled()) return false;
        for (Tensor t : in) if (t != null && t.requiresGrad()) return true;
        return false;
    }

    /** The fused kernels run on the CPU in float32 and float64. */
    private static boolean fused(Tensor x) {
        return x.device().isCpu() && (x.dtype() == DType.FLOAT32 || x.dtype() == DType.FLOAT64);
    }

    /**
     * The input projection's shapes: the fused node multiplies raw arrays, where a wrong width would be
     * read past or cut short rather than reported.
     */
    private static void checkProjection(Cell cell, Steps steps, int hidden, Tensor x, List<Tensor> wIh) {
        if (x.dim() != 2 || x.size(0) != steps.rows()) {
            throw new IllegalArgumentException(name(cell) + ": expects the input as " + steps.rows() + " rows of features (the batch"
                    + " sizes' total), got " + Shapes.str(x.shape()));
        }
        for (Tensor w : wIh) {
            if (w.dim() != 2 || w.size(0) != cell.gates * hidden || w.size(1) != x.size(1)) {
                throw new IllegalArgumentException(name(cell) + ": weight_ih must be [" + cell.gates + " * hidden, input features] = ["
                        + cell.gates * hidden + ", " + x.size(1) + "] for input " + Shapes.str(x.shape()) + " and hidden " + hidden
                        + ", got " + Shapes.str(w.shape()));
            }
        }
    }

    private static void checkDtypes(Cell cell, Tensor x, List<Tensor> w, Tensor h0, Tensor c0) {
        for (Tensor t : new Tensor[]{w.get(0), h0, c0}) {
            if (t != null && t.dtype() != x.dtype()) {
                throw new IllegalArgumentException(name(cell) + ": input is " + x.dtype() + " but weights or state are " + t.dtype()
                        + "; convert one of them, e.g. input.to(" + t.dtype() + ")");
            }
        }
    }

    static Cell cell(String mode) {
        switch (mode) {
            case "RNN_TANH": return Cell.RNN_TANH;
            case "RNN_RELU": return Cell.RNN_RELU;
            case "LSTM": return Cell.LSTM;
            case "GRU": return Cell.GRU;
            default: throw new IllegalArgumentException("recurrent: mode must be RNN_TANH, RNN_RELU, LSTM or GRU, got \"" + mode + "\"");
        }
    }

    /** The op name autocast's lists use for a whole layer ("lstm", "gru", "rnnTanh", "rnnRelu"); cells add "Cell". */
    private static String autocastName(Cell cell) {
        switch (cell) {
            case LSTM: return "lstm";
            case GRU: return "gru";
            default: return cell == Cell.RNN_TANH ? "rnnTanh" : "rnnRelu";
        }
    }

    /** LstmBackward, GruBackward, RnnTanhBackward or RnnReluBackward, as PyTorch names them. */
    static String backwardName(Cell cell) {
        String op = autocastName(cell);
        return Character.toUpperCase(op.charAt(0)) + op.substring(1) + "Backward";
    }

    private static String name(Cell cell) { return cell == Cell.LSTM ? "LSTM" : cell == Cell.GRU ? "GRU" : "RNN"; }
}
