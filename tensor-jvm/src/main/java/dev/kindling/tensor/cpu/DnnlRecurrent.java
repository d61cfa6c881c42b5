package dev.kindling.tensor.cpu;

import dev.kindling.tensor.DType;
import dev.kindling.tensor.NDArray;
import dev.kindling.tensor.Shapes;
import dev.kindling.tensor.cpu.RecurrentKernels.Cell;
import dev.kindling.tensor.cpu.RecurrentKernels.Steps;
import java.lang.ref.Cleaner;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.bytedeco.dnnl.IntMemoryMap;
import org.bytedeco.dnnl.engine;
import org.bytedeco.dnnl.lbr_gru_backward;
import org.bytedeco.dnnl.lbr_gru_forward;
import org.bytedeco.dnnl.lstm_backward;
import org.bytedeco.dnnl.lstm_forward;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.primitive;
import org.bytedeco.dnnl.primitive_attr;
import org.bytedeco.dnnl.reorder;
import org.bytedeco.dnnl.rnn_primitive_desc_base;
import org.bytedeco.dnnl.stream;
import org.bytedeco.dnnl.vanilla_rnn_backward;
import org.bytedeco.dnnl.vanilla_rnn_forward;
import org.bytedeco.dnnl.global.dnnl;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.Pointer;

/**
 * One recurrent layer (one or both directions) on oneDNN's fused RNN primitives (PyTorch's CPU LSTM runs on
 * oneDNN's; its GRU and RNN on op-by-op kernels): the weights are reordered once per call into the layout its GEMM kernels want
 * (OpenBLAS repacks W_hh on every step's product), the gates of every step run in its fused kernels, and
 * backward forms dx, dW_ih, dW_hh and the bias gradients itself. LSTM(64, 256) over [35, 32] on two cores:
 * forward 4.9 ms and backward 8.9 ms here, against 7.4 and 11.1 ms for {@link RecurrentKernels} with the
 * GEMMs around it (docs/recurrent.md).
 *
 * <p>For float32 sequences of one length (not packed), when oneDNN's natives load and unless
 * {@code -Dkindling.dnnl=false}; everything else runs on {@link RecurrentKernels}. PyTorch's layouts are
 * oneDNN's: x [T*B, in] is tnc, the stacked W_ih [D*G*H, in] and each W_hh [G*H, H] are ldgoi, h0, c0 and the
 * final states [D, B, H] are ldnc, and out [T*B, D*H] is tnc with both directions concatenated. So operands
 * are copied as they are, each copy checking its size, except that GRU's gate blocks are reordered:
 * <ul>
 * <li>LSTM: the same gates (i, f, g, o), and one bias per gate, b_ih + b_hh, whose gradient is both biases';</li>
 * <li>GRU is oneDNN's linear-before-reset GRU, PyTorch's: gates (u, r, o) are PyTorch's (z, r, n), and its
 *     four biases are b_iz + b_hz, b_ir + b_hr, b_in and b_hn (the one inside r * (W_hn h + b_hn));</li>
 * <li>RNN: one gate with tanh or relu, one bias b_ih + b_hh.</li>
 * </ul>
 * Primitives run with per-call scratch memory (scratchpad mode user), so several threads may run one shape
 * at once.
 *
 * <p>A training forward returns the native state backward needs (the operands, oneDNN's workspace): close it
 * after the last backward. A {@link Cleaner} frees it if a graph is dropped without one.
 */
public final class DnnlRecurrent implements AutoCloseable {
    private static final boolean AVAILABLE;
    private static final String STATUS;
    private static final engine ENGINE;
    private static final Cleaner CLEANER = Cleaner.create();
    /** Primitives by shape: creating one generates its kernels, a few milliseconds. */
    private static final Map<Shape, Primitives> PRIMITIVES = new ConcurrentHashMap<>();
    private static final int MAX_CACHED_SHAPES = 32;
    /** Shapes oneDNN refused: they run on {@link RecurrentKernels}. */
    private static final Set<Shape> REFUSED = ConcurrentHashMap.newKeySet();
    /**
     * Native bytes that training forwards keep for their backward (oneDNN's workspace alone is 18 MB for an
     * LSTM(64, 256) over [35, 32]). Graphs dropped without a backward are freed only after the garbage
     * collector finds them, which heap use alone decides: a loop of forwards with gradients on and no backward
     * (an evaluation that forgot noGrad) held 0.5 GB more than training did. Past this much, training forwards
     * run on {@link RecurrentKernels}, whose arrays the collector sees. Live graphs count too, so a step whose
     * layers keep more than this runs its later layers there: the bound is a quarter of the heap, at least
     * 256 MiB, or {@code -Dkindling.dnnl.maxHeldMiB}.
     */
    private static final AtomicLong HELD_BYTES = new AtomicLong();
    private static final long MAX_HELD_BYTES = Long.getLong("kindling.dnnl.maxHeldMiB",
            Math.max(256, Runtime.getRuntime().maxMemory() / 4 >> 20)) << 20;

    static {
        String status = null;
        engine e = null;
        try {
            if (!Boolean.parseBoolean(System.getProperty("kindling.dnnl", "true"))) status = "turned off by -Dkindling.dnnl=false";
            else e = new engine(engine.kind.cpu, 0);
        } catch (LinkageError | RuntimeException ex) {
            status = "oneDNN did not load (" + ex + ")";
        }
        ENGINE = e;
        AVAILABLE = status == null;
        STATUS = status == null ? "oneDNN" : status;
    }

    /** "oneDNN", or why recurrent layers run on Kindling's own kernels. */
    public static String status() { return STATUS; }

    /** Native bytes kept now by training forwards for their backward, all states together. */
    public static long heldBytes() { return HELD_BYTES.get(); }

    /** Native bytes this state keeps for backward; 0 once closed. */
    public long keptBytes() { return kept.counted; }

    /**
     * Whether a layer of this shape runs here: float32, sequences of one length, and a shape oneDNN accepts.
     * Making the shape's primitives (kept for its calls) is what tells; a shape oneDNN refuses is remembered.
     */
    public static boolean supports(Cell cell, Steps steps, DType dtype, int input, int hidden, int directions, boolean training) {
        if (!AVAILABLE || dtype != DType.FLOAT32 || !steps.isPadded()) return false;
        if (training && HELD_BYTES.get() > MAX_HELD_BYTES) return false;
        Shape s = new Shape(cell, steps.count(), steps.batch(), input, hidden, directions, training);
        if (REFUSED.contains(s)) return false;
        try {
            Primitives.of(s);
            return true;
        } catch (RuntimeException e) {
            REFUSED.add(s);
            return false;
        }
    }

    /** The layer's kind and dimensions; primitives are made once per distinct shape. */
    private record Shape(Cell cell, int steps, int batch, int input, int hidden, int directions, boolean training) {
        /** Gate blocks in the weights: 4, 3 or 1. */
        int gates() { return cell.gates; }

        /** oneDNN's biases per direction: GRU has a fourth, b_hn. */
        int biasGates() { return cell == Cell.GRU ? 4 : cell.gates; }

        memory.desc layer(int channels) { return desc(memory.format_tag.tnc, steps, batch, channels); }

        memory.desc state() { return desc(memory.format_tag.ldnc, 1, directions, batch, hidden); }

        memory.desc weights(int rows, memory.format_tag tag) { return desc(tag, 1, directions, rows, gates(), hidden); }

        memory.desc bias() { return desc(memory.format_tag.ldgo, 1, directions, biasGates(), hidden); }

        dnnl.rnn_direction direction() {
            return directions == 2 ? dnnl.rnn_direction.bidirectional_concat : dnnl.rnn_direction.unidirectional_left2right;
        }
    }

    /** Entry g is the PyTorch gate that is oneDNN's gate g: only GRU's differ, oneDNN's (u, r, o) being PyTorch's (z, r, n). */
    private static int[] gateOrder(Cell cell) {
        switch (cell) {
            case LSTM: return new int[]{0, 1, 2, 3};
            case GRU: return new int[]{1, 0, 2};
            default: return new int[]{0};
        }
    }

    private static memory.desc desc(memory.format_tag tag, long... dims) {
        return new memory.desc(new LongPointer(dims), memory.data_type.f32, tag);
    }

    /**
     * A shape's primitives (forward, and for training backward, with the reorders to and from PyTorch's weight
     * layout) and the memory descriptors of its operands, made once: each is a native object.
     */
    private static final class Primitives {
        final Shape shape;
        final int[] order;
        final rnn_primitive_desc_base fpd, bpd;
        final primitive forward, backward;
        final memory.desc x, out, state, bias, userWih, userWhh, fWih, fWhh, workspace, bWih, bWhh, dWih, dWhh;
        /** Each call's own scratch memory: a primitive's library-held scratchpad may not serve two threads at once. */
        final memory.desc fScratch, bScratch;
        final reorder wihToForward, whhToForward, wihToBackward, whhToBackward, dWihToUser, dWhhToUser;

        Primitives(Shape s) {
            shape = s;
            order = gateOrder(s.cell);
            x = s.layer(s.input);
            out = s.layer(s.directions * s.hidden);
            state = s.state();
            bias = s.bias();
            memory.desc wih = s.weights(s.input, memory.format_tag.any), whh = s.weights(s.hidden, memory.format_tag.any);
            userWih = s.weights(s.input, memory.format_tag.ldgoi);
            userWhh = s.weights(s.hidden, memory.format_tag.ldgoi);
            primitive_attr attr = new primitive_attr();
            attr.set_scratchpad_mode(dnnl.scratchpad_mode.user);
            dnnl.prop_kind prop = s.training ? dnnl.prop_kind.forward_training : dnnl.prop_kind.forward_inference;
            dnnl.rnn_direction dir = s.direction();
            switch (s.cell) {
                case LSTM: {
                    var f = new lstm_forward.primitive_desc(ENGINE, prop, dir, x, state, state, wih, whh, bias, out, state, state, attr, false);
                    fpd = f;
                    forward = new lstm_forward(f);
                    bpd = s.training ? new lstm_backward.primitive_desc(ENGINE, dnnl.prop_kind.backward, dir, x, state, state, wih, whh,
                            bias, out, state, state, x, state, state, wih, whh, bias, out, state, state, f, attr, false) : null;
                    backward = bpd == null ? null : new lstm_backward((lstm_backward.primitive_desc) bpd);
                    break;
                }
                case GRU: {
                    var f = new lbr_gru_forward.primitive_desc(ENGINE, prop, dir, x, state, wih, whh, bias, out, state, attr, false);
                    fpd = f;
                    forward = new lbr_gru_forward(f);
                    bpd = s.training ? new lbr_gru_backward.primitive_desc(ENGINE, dnnl.prop_kind.backward, dir, x, state, wih, whh,
                            bias, out, state, x, state, wih, whh, bias, out, state, f, attr, false) : null;
                    backward = bpd == null ? null : new lbr_gru_backward((lbr_gru_backward.primitive_desc) bpd);
                    break;
                }
                default: {
                    dnnl.algorithm act = s.cell == Cell.RNN_RELU ? dnnl.algorithm.eltwise_relu : dnnl.algorithm.eltwise_tanh;
                    var f = new vanilla_rnn_forward.primitive_desc(ENGINE, prop, act, dir, x, state, wih, whh, bias, out, state, attr, false);
                    fpd = f;
                    forward = new vanilla_rnn_forward(f);
                    bpd = s.training ? new vanilla_rnn_backward.primitive_desc(ENGINE, dnnl.prop_kind.backward, act, dir, x, state, wih,
                            whh, bias, out, state, x, state, wih, whh, bias, out, state, f, attr, false) : null;
                    backward = bpd == null ? null : new vanilla_rnn_backward((vanilla_rnn_backward.primitive_desc) bpd);
                }
            }
            fScratch = fpd.scratchpad_desc();
            fWih = fpd.weights_layer_desc();
            fWhh = fpd.weights_iter_desc();
            wihToForward = reorder(userWih, fWih);
            whhToForward = reorder(userWhh, fWhh);
            if (bpd != null) {
                workspace = fpd.workspace_desc();
                bScratch = bpd.scratchpad_desc();
                bWih = bpd.weights_layer_desc();
                bWhh = bpd.weights_iter_desc();
                dWih = bpd.diff_weights_layer_desc();
                dWhh = bpd.diff_weights_iter_desc();
                wihToBackward = reorder(userWih, bWih);
                whhToBackward = reorder(userWhh, bWhh);
                dWihToUser = reorder(dWih, userWih);
                dWhhToUser = reorder(dWhh, userWhh);
            } else {
                workspace = bScratch = bWih = bWhh = dWih = dWhh = null;
                wihToBackward = whhToBackward = dWihToUser = dWhhToUser = null;
            }
        }

        private static reorder reorder(memory.desc from, memory.desc to) {
            return new reorder(new reorder.primitive_desc(ENGINE, from, ENGINE, to));
        }

        static Primitives of(Shape s) {
            Primitives p = PRIMITIVES.get(s);
            if (p != null) return p;
            if (PRIMITIVES.size() >= MAX_CACHED_SHAPES) PRIMITIVES.clear();
            return PRIMITIVES.computeIfAbsent(s, Primitives::new);
        }
    }

    /** Native memory a layer holds from its forward to its last backward, or a call holds; also the Cleaner's action. */
    private static final class Held implements Runnable {
        /** Each memory held, with its size in floats read from the (cached) descriptor it was made from. */
        final Map<memory, Long> floats = new IdentityHashMap<>();
        /** What {@link #count} added to HELD_BYTES, to be taken off when freed. */
        private volatile long counted;

        /** Adds everything held so far to the bytes kept for backward (once). */
        void count() {
            long bytes = 0;
            for (long n : floats.values()) bytes += n * Float.BYTES;
            counted = bytes;
            HELD_BYTES.addAndGet(bytes);
        }

        memory allocate(memory.desc d) {
            memory m = new memory(d, ENGINE);
            floats.put(m, d.get_size() / Float.BYTES);
            return m;
        }

        /** m's elements, as floats (m must come from {@link #allocate}). */
        FloatPointer floats(memory m) {
            return new FloatPointer(m.get_data_handle()).capacity(floats.get(m));
        }

        /**
         * A new memory of d holding a's elements in order (a dense float32 array). JavaCPP's copies do not check
         * bounds, so the sizes are checked here: an input of the wrong shape gets an error, not a native overrun.
         */
        memory put(memory.desc d, NDArray a, String what) {
            memory m = allocate(d);
            long n = floats.get(m);
            if (a.numel() != n) throw wrongSize(what, a, n);
            floats(m).put((float[]) CpuBackend.data(a), a.offset(), (int) n);
            return m;
        }

        /**
         * A new weight memory of d (ldgoi: direction by direction, oneDNN's gates in its order, each block
         * [H, rows]) from PyTorch's gate blocks: {@code arrays} hold the D*G blocks in PyTorch's order one after
         * the other (the stacked W_ih, or one W_hh per direction); oneDNN's gate g is PyTorch's order[g].
         */
        memory putGates(memory.desc d, NDArray[] arrays, int[] order, int directions, String what) {
            memory m = allocate(d);
            long n = floats.get(m);
            for (NDArray a : arrays) if (a.numel() * arrays.length != n) throw wrongSize(what, a, n / arrays.length);
            copyGates(floats(m), arrays, order, directions, n, true);
            return m;
        }

        /** The inverse of {@link #putGates}: m's gate blocks back into PyTorch's order across {@code arrays}. */
        void getGates(memory m, NDArray[] arrays, int[] order, int directions) {
            long n = floats.get(m);
            for (NDArray a : arrays) {
                if (a.numel() * arrays.length != n) throw new IllegalStateException("oneDNN: " + n + " results for " + arrays.length + " arrays of " + a.numel());
            }
            copyGates(floats(m), arrays, order, directions, n, false);
        }

        /** Block by block between oneDNN's order (f, n floats) and PyTorch's across the dense arrays. */
        private static void copyGates(FloatPointer f, NDArray[] arrays, int[] order, int directions, long n, boolean in) {
            int gates = order.length, perArray = directions * gates / arrays.length;
            int block = (int) (n / ((long) directions * gates));
            long at = 0;
            for (int dir = 0; dir < directions; dir++) {
                for (int g = 0; g < gates; g++, at += block) {
                    int logical = dir * gates + order[g];
                    NDArray a = arrays[logical / perArray];
                    int from = a.offset() + (logical % perArray) * block;
                    if (in) f.position(at).put((float[]) CpuBackend.data(a), from, block);
                    else f.position(at).get((float[]) CpuBackend.data(a), from, block);
                }
            }
        }

        /** m's elements into a dense float32 array of the same size. */
        void get(memory m, NDArray a) {
            long n = floats.get(m);
            if (a.numel() != n) throw new IllegalStateException("oneDNN: " + n + " results for an array of " + a.numel());
            floats(m).get((float[]) CpuBackend.data(a), a.offset(), (int) n);
        }

        /** A new memory of d, zeroed. */
        memory zeroed(memory.desc d) {
            memory m = allocate(d);
            Pointer.memset(m.get_data_handle(), 0, floats.get(m) * Float.BYTES);
            return m;
        }

        @Override
        public void run() {
            for (memory m : floats.keySet()) m.close();
            floats.clear();
            HELD_BYTES.addAndGet(-counted);
            counted = 0;
        }
    }

    private static IllegalArgumentException wrongSize(String what, NDArray a, long fits) {
        return new IllegalArgumentException("recurrent layer (oneDNN): " + what + " of shape " + Shapes.str(a.shapeRef())
                + " has " + a.numel() + " elements where this layer's shape needs " + fits);
    }

    private final Primitives prims;
    private final Held kept;
    private final Cleaner.Cleanable cleanable;
    /** What backward reads, as forward left it (c0, cN null but for LSTM). */
    private final memory x, h0, c0, bias, out, hN, cN, workspace;

    private DnnlRecurrent(Primitives prims, Held kept, memory x, memory h0, memory c0, memory bias, memory out,
                          memory hN, memory cN, memory workspace) {
        this.prims = prims;
        this.kept = kept;
        this.x = x;
        this.h0 = h0;
        this.c0 = c0;
        this.bias = bias;
        this.out = out;
        this.hN = hN;
        this.cN = cN;
        this.workspace = workspace;
        this.cleanable = CLEANER.register(this, kept);
    }

    /**
     * The layer's forward over x [T*B, in] (contiguous): fills out [T*B, D*H], hN and, for LSTM, cN [D, B, H].
     * wIh is both directions' W_ih stacked [D*G*H, in]; wHh, bIh and bHh hold each direction's (biases may be
     * null); c0 and cN are null but for LSTM. For training, returns the state {@link #backward} needs; otherwise
     * null. Call {@link #supports} first.
     */
    public static DnnlRecurrent forward(Cell cell, boolean training, Steps steps, NDArray x, NDArray wIh, NDArray[] wHh,
                                        NDArray[] bIh, NDArray[] bHh, NDArray h0, NDArray c0, NDArray out, NDArray hN, NDArray cN) {
        int d = wHh.length, hidden = wHh[0].shapeRef()[1];
        Primitives p = Primitives.of(new Shape(cell, steps.count(), steps.batch(), x.shapeRef()[1], hidden, d, training));
        boolean lstm = cell == Cell.LSTM;
        Held kept = new Held(), call = new Held();
        try (stream st = new stream(ENGINE); IntMemoryMap args = new IntMemoryMap()) {
            memory mx = kept.put(p.x, x, "x"), mh0 = kept.put(p.state, h0, "h0"), mc0 = lstm ? kept.put(p.state, c0, "c0") : null;
            memory mb = kept.allocate(p.bias);
            float[] b = biases(p, bIh, bHh);
            if (b.length != kept.floats.get(mb)) throw new IllegalStateException("oneDNN: " + b.length + " biases for " + kept.floats.get(mb));
            kept.floats(mb).put(b);
            memory mOut = kept.allocate(p.out), mhN = kept.allocate(p.state), mcN = lstm ? kept.allocate(p.state) : null;
            memory fWih = call.allocate(p.fWih), fWhh = call.allocate(p.fWhh);
            p.wihToForward.execute(st, call.putGates(p.userWih, new NDArray[]{wIh}, p.order, p.shape.directions, "W_ih"), fWih);
            p.whhToForward.execute(st, call.putGates(p.userWhh, wHh, p.order, p.shape.directions, "W_hh"), fWhh);
            memory ws = training ? kept.allocate(p.workspace) : null;
            args.put(dnnl.DNNL_ARG_SRC_LAYER, mx).put(dnnl.DNNL_ARG_SRC_ITER, mh0)
                .put(dnnl.DNNL_ARG_WEIGHTS_LAYER, fWih).put(dnnl.DNNL_ARG_WEIGHTS_ITER, fWhh).put(dnnl.DNNL_ARG_BIAS, mb)
                .put(dnnl.DNNL_ARG_DST_LAYER, mOut).put(dnnl.DNNL_ARG_DST_ITER, mhN)
                .put(dnnl.DNNL_ARG_SCRATCHPAD, call.allocate(p.fScratch));
            if (lstm) args.put(dnnl.DNNL_ARG_SRC_ITER_C, mc0).put(dnnl.DNNL_ARG_DST_ITER_C, mcN);
            if (ws != null) args.put(dnnl.DNNL_ARG_WORKSPACE, ws);
            p.forward.execute(st, args);
            st._wait();
            kept.get(mOut, out);
            kept.get(mhN, hN);
            if (lstm) kept.get(mcN, cN);
            if (!training) {
                kept.run();
                return null;
            }
            kept.count();
            return new DnnlRecurrent(p, kept, mx, mh0, mc0, mb, mOut, mhN, mcN, ws);
        } catch (RuntimeException | Error e) {
            kept.run();
            throw e;
        } finally {
            call.run();
        }
    }

    /**
     * Backward from dOut [T*B, D*H] and dhN (LSTM: and dcN) [D, B, H]: fills dx [T*B, in], dWih [D*G*H, in],
     * each direction's dWhh [G*H, H], dbIh and dbHh [G*H], and dh0 (LSTM: and dc0) [D, B, H]. The weights must
     * be those of the forward (autograd's saved-tensor versions check that). May run again until {@link #close}.
     */
    public void backward(NDArray wIh, NDArray[] wHh, NDArray dOut, NDArray dhN, NDArray dcN, NDArray dx, NDArray dWih,
                         NDArray[] dWhh, NDArray[] dbIh, NDArray[] dbHh, NDArray dh0, NDArray dc0) {
        Primitives p = prims;
        boolean lstm = p.shape.cell == Cell.LSTM;
        Held call = new Held();
        try (stream st = new stream(ENGINE); IntMemoryMap args = new IntMemoryMap()) {
            memory bWih = call.allocate(p.bWih), bWhh = call.allocate(p.bWhh);
            p.wihToBackward.execute(st, call.putGates(p.userWih, new NDArray[]{wIh}, p.order, p.shape.directions, "W_ih"), bWih);
            p.whhToBackward.execute(st, call.putGates(p.userWhh, wHh, p.order, p.shape.directions, "W_hh"), bWhh);
            memory mdx = call.allocate(p.x), mdh0 = call.allocate(p.state);
            // oneDNN adds the weight and bias gradients into these.
            memory dWihN = call.zeroed(p.dWih), dWhhN = call.zeroed(p.dWhh), mdb = call.zeroed(p.bias);
            args.put(dnnl.DNNL_ARG_SRC_LAYER, x).put(dnnl.DNNL_ARG_SRC_ITER, h0)
                .put(dnnl.DNNL_ARG_WEIGHTS_LAYER, bWih).put(dnnl.DNNL_ARG_WEIGHTS_ITER, bWhh).put(dnnl.DNNL_ARG_BIAS, bias)
                .put(dnnl.DNNL_ARG_DST_LAYER, out).put(dnnl.DNNL_ARG_DST_ITER, hN).put(dnnl.DNNL_ARG_WORKSPACE, workspace)
                .put(dnnl.DNNL_ARG_DIFF_DST_LAYER, call.put(p.out, dOut, "the output's gradient"))
                .put(dnnl.DNNL_ARG_DIFF_DST_ITER, call.put(p.state, dhN, "h_n's gradient"))
                .put(dnnl.DNNL_ARG_DIFF_SRC_LAYER, mdx).put(dnnl.DNNL_ARG_DIFF_SRC_ITER, mdh0)
                .put(dnnl.DNNL_ARG_DIFF_WEIGHTS_LAYER, dWihN).put(dnnl.DNNL_ARG_DIFF_WEIGHTS_ITER, dWhhN).put(dnnl.DNNL_ARG_DIFF_BIAS, mdb)
                .put(dnnl.DNNL_ARG_SCRATCHPAD, call.allocate(p.bScratch));
            memory mdc0 = lstm ? call.allocate(p.state) : null;
            if (lstm) {
                args.put(dnnl.DNNL_ARG_SRC_ITER_C, c0).put(dnnl.DNNL_ARG_DST_ITER_C, cN)
                    .put(dnnl.DNNL_ARG_DIFF_DST_ITER_C, call.put(p.state, dcN, "c_n's gradient")).put(dnnl.DNNL_ARG_DIFF_SRC_ITER_C, mdc0);
            }
            p.backward.execute(st, args);
            memory udWih = call.allocate(p.userWih), udWhh = call.allocate(p.userWhh);
            p.dWihToUser.execute(st, dWihN, udWih);
            p.dWhhToUser.execute(st, dWhhN, udWhh);
            st._wait();
            call.get(mdx, dx);
            call.getGates(udWih, new NDArray[]{dWih}, p.order, p.shape.directions);
            call.getGates(udWhh, dWhh, p.order, p.shape.directions);
            biasGradients(p, call.floats(mdb), call.floats.get(mdb), dbIh, dbHh);
            call.get(mdh0, dh0);
            if (lstm) call.get(mdc0, dc0);
        } finally {
            call.run();
        }
    }

    /** Frees the native state; backward may not run after. */
    @Override
    public void close() { cleanable.clean(); }

    /**
     * oneDNN's biases, direction by direction, from PyTorch's b_ih and b_hh (either may be absent): per gate
     * b_ih + b_hh, except GRU's candidate, which takes b_in alone and b_hn as a fourth bias.
     */
    private static float[] biases(Primitives p, NDArray[] bIh, NDArray[] bHh) {
        Shape s = p.shape;
        int h = s.hidden, gates = s.gates(), per = s.biasGates() * h, width = gates * h;
        boolean gru = s.cell == Cell.GRU;
        float[] sum = new float[s.directions * per];
        for (int k = 0; k < s.directions; k++) {
            float[] bi = biasArray(bIh[k], width), bh = biasArray(bHh[k], width);
            for (int g = 0; g < gates; g++) {
                int from = p.order[g] * h, to = k * per + g * h;
                for (int j = 0; j < h; j++) sum[to + j] = bi[from + j] + (gru && g == 2 ? 0f : bh[from + j]);
            }
            if (gru) System.arraycopy(bh, 2 * h, sum, k * per + 3 * h, h);
        }
        return sum;
    }

    private static float[] biasArray(NDArray b, int width) {
        if (b == null) return new float[width];
        float[] a = b.contiguous().toFloatArray();
        if (a.length != width) throw new IllegalArgumentException("recurrent layer (oneDNN): a bias of " + a.length + " elements where [" + width + "] fits");
        return a;
    }

    /** The inverse of {@link #biases}: oneDNN's bias gradient into PyTorch's dbIh and dbHh per direction. */
    private static void biasGradients(Primitives p, FloatPointer diff, long size, NDArray[] dbIh, NDArray[] dbHh) {
        Shape s = p.shape;
        int h = s.hidden, gates = s.gates(), per = s.biasGates() * h;
        boolean gru = s.cell == Cell.GRU;
        float[] all = new float[s.directions * per];
        if (all.length != size) throw new IllegalStateException("oneDNN: " + size + " bias gradients where " + all.length + " fit");
        diff.get(all);
        for (int k = 0; k < s.directions; k++) {
            float[] gi = (float[]) CpuBackend.data(dbIh[k]), gh = (float[]) CpuBackend.data(dbHh[k]);
            int oi = dbIh[k].offset(), oh = dbHh[k].offset();
            for (int g = 0; g < gates; g++) {
                int to = p.order[g] * h, from = k * per + (gru && g == 2 ? 3 : g) * h;
                System.arraycopy(all, k * per + g * h, gi, oi + to, h);
                System.arraycopy(all, from, gh, oh + to, h);
            }
        }
    }
}
