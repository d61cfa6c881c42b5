package dev.kindling.tensor.cpu;

import dev.kindling.tensor.DType;
import dev.kindling.tensor.NDArray;
import dev.kindling.tensor.Shapes;
import java.util.Arrays;

/**
 * Fused CPU kernels for one direction of a recurrent layer (Elman RNN, LSTM, GRU) over a whole
 * sequence, float32 or float64. The caller has already computed the input projection x W_ih^T for
 * every time step in one GEMM; per step these kernels do the one product the recurrence forces,
 * h_{t-1} W_hh^T (OpenBLAS), and then one fused pass per batch row that adds the projection and the
 * biases, applies the gate activations and produces the new c and h, with no temporaries beyond a
 * row. {@link #backward} runs backpropagation through time for the whole sequence in the same way:
 * one fused pass per row turns dh and dc into the gates' pre-activation gradients, and one GEMM per
 * step carries dh to the previous step. Weight gradients are left to the caller as single GEMMs over
 * all steps (dW_hh = dG^T H_prev), which is why backward also writes every row's previous hidden state.
 *
 * <p>Gate order and formulas are PyTorch's: LSTM (i, f, g, o), c' = f c + i g, h' = o tanh(c');
 * GRU (r, z, n), n = tanh(x_n + b_in + r (W_hn h + b_hn)), h' = (1 - z) n + z h; RNN h' = tanh or relu
 * of (x W_ih^T + b_ih + h W_hh^T + b_hh).
 *
 * <p>Layout: rows of a matrix [N, ...] hold (time step, batch entry) pairs as {@link Steps} says, so
 * the same kernels run padded batches ([T * B] rows) and packed variable-length batches (PyTorch's
 * PackedSequence data, where step t has batchSizes[t] rows). A batch entry whose sequence has ended
 * keeps its state, so the final state of every entry is the one at its own last step.
 */
public final class RecurrentKernels {
    private RecurrentKernels() {}

    /** The recurrent cell, with the number of gate blocks stacked in W_ih and W_hh. */
    public enum Cell {
        RNN_TANH(1), RNN_RELU(1), LSTM(4), GRU(3);

        /** 4 for LSTM (i, f, g, o), 3 for GRU (r, z, n), 1 for the Elman RNN. */
        public final int gates;

        Cell(int gates) { this.gates = gates; }
    }

    /**
     * Where each time step's rows are: step t covers rows start(t) .. start(t) + active(t) - 1 and
     * holds batch entries 0 .. active(t) - 1. Active counts never grow with t (PyTorch's packing sorts
     * the batch by decreasing length), so the entries still running are always a prefix of the batch.
     */
    public static final class Steps {
        private final int[] start, active;
        private final int rows;

        private Steps(int[] active) {
            this.active = active;
            this.start = new int[active.length];
            int r = 0;
            for (int t = 0; t < active.length; t++) {
                start[t] = r;
                r += active[t];
            }
            this.rows = r;
        }

        /** T steps of the full batch B: row t * B + b. */
        public static Steps padded(int steps, int batch) {
            if (steps < 1 || batch < 1) {
                throw new IllegalArgumentException("recurrent layer: needs at least one time step and one batch entry, got "
                        + steps + " steps of batch " + batch);
            }
            int[] a = new int[steps];
            Arrays.fill(a, batch);
            return new Steps(a);
        }

        /** PyTorch's packed layout: step t has batchSizes[t] rows, which must be positive and non-increasing. */
        public static Steps packed(long[] batchSizes) {
            if (batchSizes.length == 0) throw new IllegalArgumentException("packed sequence: batchSizes is empty");
            int[] a = new int[batchSizes.length];
            for (int t = 0; t < a.length; t++) {
                if (batchSizes[t] < 1 || (t > 0 && batchSizes[t] > batchSizes[t - 1])) {
                    throw new IllegalArgumentException("packed sequence: batchSizes must be positive and non-increasing, got "
                            + Arrays.toString(batchSizes));
                }
                a[t] = Math.toIntExact(batchSizes[t]);
            }
            return new Steps(a);
        }

        /** The number of time steps T. */
        public int count() { return active.length; }

        /** The batch size B (the entries active at the first step). */
        public int batch() { return active[0]; }

        /** Whether every step has the whole batch (not a packed batch of sequences of different lengths). */
        public boolean isPadded() { return rows == active.length * active[0]; }

        /** N, the total number of rows. */
        public int rows() { return rows; }

        public int start(int t) { return start[t]; }

        public int active(int t) { return active[t]; }

        /** The row of entry b's previous step in processing order, or -1 where its previous state is the initial one. */
        int previous(int t, int b, boolean reverse) {
            if (!reverse) return t == 0 ? -1 : start[t - 1] + b;
            return t == active.length - 1 || b >= active[t + 1] ? -1 : start[t + 1] + b;
        }
    }

    /**
     * What one direction reads: the input projection xProj [N, G*H] (x W_ih^T, any row stride, unit
     * column stride, so a column block of both directions' projection works), wHh [G*H, H], the biases
     * [G*H] (null for none), and the initial state h0 [B, H] and, for LSTM, c0 [B, H]. Only forward
     * reads xProj: backward takes null there as well.
     */
    public record Inputs(NDArray xProj, NDArray wHh, NDArray bIh, NDArray bHh, NDArray h0, NDArray c0) {}

    /**
     * What forward writes: out [N, H] (h at every row; any row stride), the final state hN and cN
     * [B, H] (cN LSTM only), and for backward the activated gates [N, G*H] (LSTM i, f, g, o; GRU r, z, n;
     * unused for RNN) and cells [N, H] (LSTM c_t; GRU W_hn h + b_hn; unused for RNN). gates and cells may
     * be null when no backward will run. gates may be the input projection itself, overwritten in place:
     * each slab reads a row's projection for its units before it writes that row's gates there.
     */
    public record Results(NDArray out, NDArray hN, NDArray cN, NDArray gates, NDArray cells) {}

    /**
     * Backward reads dOut [N, H] (any row stride), dhN and dcN [B, H]; it writes dGx [N, G*H], the
     * gradient of the pre-activations with respect to the input projection (and b_ih), dGh [N, G*H],
     * the one with respect to h W_hh^T + b_hh (the same array except for GRU, where r scales the
     * hidden part of n), hPrev [N, H], each row's previous hidden state, and dh0, dc0 [B, H]. Every
     * element of dGx and dGh is written. dGx may be forward's gates array itself, written over: each
     * row's gates are read before that row's gradients are written there.
     */
    public record Gradients(NDArray dOut, NDArray dhN, NDArray dcN, NDArray dGx, NDArray dGh, NDArray hPrev,
                            NDArray dh0, NDArray dc0) {}

    /** Runs the recurrence over every step (from the last step back to the first when {@code reverse}). */
    public static void forward(Cell cell, Steps steps, boolean reverse, Inputs in, Results out) {
        forward(cell, steps, reverse, in, out, 0);
    }

    /** Backpropagation through time for a direction run by {@link #forward} with the same arguments. */
    public static void backward(Cell cell, Steps steps, boolean reverse, Inputs in, Results out, Gradients grads) {
        backward(cell, steps, reverse, in, out, grads, 0);
    }

    /** {@link #forward} with the hidden units cut into {@code slabs} slabs (0: as many as pay; tests pick more). */
    static void forward(Cell cell, Steps steps, boolean reverse, Inputs in, Results out, int slabs) {
        check(cell, steps, in);
        if (in.xProj() == null) throw new IllegalArgumentException("recurrent kernel: forward needs the input projection, got null");
        Inputs rowIn = new Inputs(in.xProj(), in.wHh(), in.bIh(), in.bHh(), rowMajor(in.h0()), rowMajor(in.c0()));
        Results rowOut = new Results(out.out(), rowMajorTarget(out.hN()), rowMajorTarget(out.cN()), out.gates(), out.cells());
        pass(cell, steps, reverse, rowIn, rowOut, slabs).forward();
        writeBack(rowOut.hN(), out.hN());
        writeBack(rowOut.cN(), out.cN());
    }

    /** {@link #backward} with the hidden units cut into {@code slabs} slabs. */
    static void backward(Cell cell, Steps steps, boolean reverse, Inputs in, Results out, Gradients grads, int slabs) {
        check(cell, steps, in);
        Inputs rowIn = new Inputs(in.xProj(), in.wHh(), in.bIh(), in.bHh(), rowMajor(in.h0()), rowMajor(in.c0()));
        Gradients rowGrads = new Gradients(grads.dOut(), rowMajor(grads.dhN()), rowMajor(grads.dcN()), grads.dGx(), grads.dGh(),
                grads.hPrev(), rowMajorTarget(grads.dh0()), rowMajorTarget(grads.dc0()));
        pass(cell, steps, reverse, rowIn, out, slabs).backward(rowGrads);
        writeBack(rowGrads.dh0(), grads.dh0());
        writeBack(rowGrads.dc0(), grads.dc0());
    }

    /**
     * A [B, H] state the kernels read, with adjacent columns (as the layers pass them): the kernels copy
     * each row of it whole. Any other layout is copied into that one first.
     */
    private static NDArray rowMajor(NDArray m) { return m == null || m.stridesRef()[1] == 1 ? m : m.contiguous(); }

    /** A [B, H] state the kernels write: m itself, or a row-major array to write instead and copy into m after. */
    private static NDArray rowMajorTarget(NDArray m) {
        return m == null || m.stridesRef()[1] == 1 ? m : NDArray.zeros(m.dtype(), m.shape());
    }

    private static void writeBack(NDArray written, NDArray target) { if (written != target) target.copy_(written); }

    private static RecurrentPass pass(Cell cell, Steps steps, boolean reverse, Inputs in, Results out, int slabs) {
        return in.wHh().dtype() == DType.FLOAT32 ? new FloatRecurrentPass(cell, steps, reverse, in, out, slabs)
                : new DoubleRecurrentPass(cell, steps, reverse, in, out, slabs);
    }

    private static void check(Cell cell, Steps steps, Inputs in) {
        NDArray w = in.wHh();
        DType t = w.dtype();
        if (t != DType.FLOAT32 && t != DType.FLOAT64) {
            throw new IllegalArgumentException("recurrent kernel: needs float32 or float64, got " + t);
        }
        if (w.dim() != 2 || w.shape()[0] != cell.gates * w.shape()[1]) {
            throw new IllegalArgumentException("recurrent kernel: " + cell + " needs weight_hh [" + cell.gates + " * hidden, hidden],"
                    + " got " + Shapes.str(w.shape()));
        }
        int width = w.shape()[0];
        if (in.xProj() != null && (in.xProj().shape()[0] != steps.rows() || in.xProj().shape()[1] != width)) {
            throw new IllegalArgumentException("recurrent kernel: input projection " + Shapes.str(in.xProj().shape()) + " does not"
                    + " fit " + steps.rows() + " rows of " + width + " gate pre-activations");
        }
    }
}
