package dev.kindling.tensor.cpu;

import dev.kindling.tensor.DType;
import dev.kindling.tensor.NDArray;
import dev.kindling.tensor.cpu.RecurrentKernels.Steps;
import java.lang.ref.Cleaner;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.bytedeco.dnnl.IntMemoryMap;
import org.bytedeco.dnnl.engine;
import org.bytedeco.dnnl.lstm_backward;
import org.bytedeco.dnnl.lstm_forward;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.primitive;
import org.bytedeco.dnnl.primitive_attr;
import org.bytedeco.dnnl.reorder;
import org.bytedeco.dnnl.stream;
import org.bytedeco.dnnl.global.dnnl;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.Pointer;

/**
 * One LSTM layer (one or both directions) on oneDNN's fused RNN primitive, the one PyTorch's CPU LSTM
 * runs on: the weights are reordered once per call into the layout its GEMM kernels want (OpenBLAS repacks
 * W_hh on every step's product), the gates of every step run in its fused kernels, and backward forms dx,
 * dW_ih, dW_hh and the bias gradient itself. LSTM(64, 256) over [35, 32] on two cores: forward 4.9 ms
 * and backward 8.9 ms here, against 7.4 and 11.1 ms for {@link RecurrentKernels} with the GEMMs around it
 * (docs/recurrent.md).
 *
 * <p>For float32 sequences of one length (not packed), when oneDNN's natives load and unless
 * {@code -Dkindling.dnnl=false}; everything else runs on {@link RecurrentKernels}. PyTorch's layouts are
 * oneDNN's: x [T*B, in] is tnc, the stacked W_ih [D*4H, in] and each W_hh [4H, H] are ldgoi with the same
 * gate order (i, f, g, o), h0, c0 and the final states [D, B, H] are ldnc, and out [T*B, D*H] is tnc with both
 * directions concatenated, so operands are copied as they are, each copy checking its size. oneDNN takes one
 * bias per gate, b_ih + b_hh, whose gradient is both biases'. Primitives run with per-call scratch memory
 * (scratchpad mode user), so several threads may run one shape at once.
 *
 * <p>A training forward returns the native state backward needs (the operands, oneDNN's workspace): close it
 * after the last backward. A {@link Cleaner} frees it if a graph is dropped without one.
 */
public final class DnnlLstm implements AutoCloseable {
    private static final boolean AVAILABLE;
    private static final String STATUS;
    private static final engine ENGINE;
    private static final Cleaner CLEANER = Cleaner.create();
    /** Primitives by shape: creating one generates its kernels, a few milliseconds. */
    private static final Map<Shape, Primitives> PRIMITIVES = new ConcurrentHashMap<>();
    private static final int MAX_CACHED_SHAPES = 32;

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

    /** "oneDNN", or why LSTM layers run on Kindling's own kernels. */
    public static String status() { return STATUS; }

    /**
     * Whether an LSTM layer of this shape runs here: float32, sequences of one length, and a shape oneDNN
     * accepts. Making the shape's primitives (kept for its calls) is what tells; a shape oneDNN refuses is
     * remembered and runs on {@link RecurrentKernels}.
     */
    public static boolean supports(Steps steps, DType dtype, int input, int hidden, int directions, boolean training) {
        if (!AVAILABLE || dtype != DType.FLOAT32 || !steps.isPadded()) return false;
        Shape s = new Shape(steps.count(), steps.batch(), input, hidden, directions, training);
        if (REFUSED.contains(s)) return false;
        try {
            Primitives.of(s);
            return true;
        } catch (RuntimeException e) {
            REFUSED.add(s);
            return false;
        }
    }

    private static final java.util.Set<Shape> REFUSED = ConcurrentHashMap.newKeySet();

    /** The layer's dimensions; primitives are made once per distinct shape. */
    private record Shape(int steps, int batch, int input, int hidden, int directions, boolean training) {
        memory.desc layer(int channels) { return desc(memory.format_tag.tnc, steps, batch, channels); }

        memory.desc state() { return desc(memory.format_tag.ldnc, 1, directions, batch, hidden); }

        memory.desc weights(int rows, memory.format_tag tag) { return desc(tag, 1, directions, rows, 4, hidden); }

        memory.desc bias() { return desc(memory.format_tag.ldgo, 1, directions, 4, hidden); }

        dnnl.rnn_direction direction() {
            return directions == 2 ? dnnl.rnn_direction.bidirectional_concat : dnnl.rnn_direction.unidirectional_left2right;
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
        final lstm_forward.primitive_desc fpd;
        final lstm_backward.primitive_desc bpd;
        final primitive forward, backward;
        final memory.desc x, out, state, bias, userWih, userWhh, fWih, fWhh, workspace, bWih, bWhh, dWih, dWhh;
        /** Each call's own scratch memory: a primitive's library-held scratchpad may not serve two threads at once. */
        final memory.desc fScratch, bScratch;
        final reorder wihToForward, whhToForward, wihToBackward, whhToBackward, dWihToUser, dWhhToUser;

        Primitives(Shape s) {
            x = s.layer(s.input);
            out = s.layer(s.directions * s.hidden);
            state = s.state();
            bias = s.bias();
            memory.desc wih = s.weights(s.input, memory.format_tag.any), whh = s.weights(s.hidden, memory.format_tag.any);
            userWih = s.weights(s.input, memory.format_tag.ldgoi);
            userWhh = s.weights(s.hidden, memory.format_tag.ldgoi);
            primitive_attr attr = new primitive_attr();
            attr.set_scratchpad_mode(dnnl.scratchpad_mode.user);
            fpd = new lstm_forward.primitive_desc(ENGINE, s.training ? dnnl.prop_kind.forward_training : dnnl.prop_kind.forward_inference,
                    s.direction(), x, state, state, wih, whh, bias, out, state, state, attr, false);
            forward = new lstm_forward(fpd);
            fScratch = fpd.scratchpad_desc();
            fWih = fpd.weights_layer_desc();
            fWhh = fpd.weights_iter_desc();
            wihToForward = reorder(userWih, fWih);
            whhToForward = reorder(userWhh, fWhh);
            if (s.training) {
                workspace = fpd.workspace_desc();
                bpd = new lstm_backward.primitive_desc(ENGINE, dnnl.prop_kind.backward, s.direction(), x, state, state, wih, whh, bias,
                        out, state, state, x, state, state, wih, whh, bias, out, state, state, fpd, attr, false);
                backward = new lstm_backward(bpd);
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
                workspace = bWih = bWhh = dWih = dWhh = bScratch = null;
                bpd = null;
                backward = null;
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
        final List<Pointer> pointers = new ArrayList<>();
        /** Each memory's size in floats, read from the (cached) descriptor it was made from. */
        final Map<memory, Long> floats = new java.util.IdentityHashMap<>();

        memory allocate(memory.desc d) {
            memory m = new memory(d, ENGINE);
            pointers.add(m);
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

        /** A new memory of d holding equally sized arrays one after the other. */
        memory putEach(memory.desc d, NDArray[] parts, String what) {
            memory m = allocate(d);
            long n = floats.get(m), at = 0;
            FloatPointer f = floats(m);
            for (NDArray a : parts) {
                NDArray c = a.contiguous();
                if (c.numel() * parts.length != n) throw wrongSize(what, c, n / parts.length);
                f.position(at).put((float[]) CpuBackend.data(c), c.offset(), (int) c.numel());
                at += c.numel();
            }
            return m;
        }

        /** m's elements into a dense float32 array of the same size. */
        void get(memory m, NDArray a) {
            long n = floats.get(m);
            if (a.numel() != n) throw new IllegalStateException("LSTM (oneDNN): " + n + " results for an array of " + a.numel());
            floats(m).get((float[]) CpuBackend.data(a), a.offset(), (int) n);
        }

        /** m's elements into equally sized arrays one after the other. */
        void getEach(memory m, NDArray[] parts) {
            long n = floats.get(m), at = 0;
            FloatPointer f = floats(m);
            for (NDArray a : parts) {
                if (a.numel() * parts.length != n) throw new IllegalStateException("LSTM (oneDNN): " + n + " results for " + parts.length + " arrays of " + a.numel());
                f.position(at).get((float[]) CpuBackend.data(a), a.offset(), (int) a.numel());
                at += a.numel();
            }
        }

        /** A new memory of d, zeroed. */
        memory zeroed(memory.desc d) {
            memory m = allocate(d);
            Pointer.memset(m.get_data_handle(), 0, floats.get(m) * Float.BYTES);
            return m;
        }

        private static IllegalArgumentException wrongSize(String what, NDArray a, long fits) {
            return new IllegalArgumentException("LSTM (oneDNN): " + what + " of shape " + java.util.Arrays.toString(a.shapeRef())
                    + " has " + a.numel() + " elements where this layer's shape needs " + fits);
        }

        @Override
        public void run() {
            for (Pointer p : pointers) p.close();
            pointers.clear();
            floats.clear();
        }
    }

    private final Primitives prims;
    private final Cleaner.Cleanable cleanable;
    /** What backward reads, as forward left it. */
    private final memory x, h0, c0, bias, out, hN, cN, workspace;

    private DnnlLstm(Primitives prims, Held kept, memory x, memory h0, memory c0, memory bias, memory out,
                     memory hN, memory cN, memory workspace) {
        this.prims = prims;
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
     * The layer's forward over x [T*B, in] (contiguous): fills out [T*B, D*H], hN and cN [D, B, H]. wIh is
     * both directions' W_ih stacked [D*4H, in]; wHh, bIh and bHh hold each direction's (biases may be null).
     * For training, returns the state {@link #backward} needs; otherwise null. Call {@link #supports} first.
     */
    public static DnnlLstm forward(boolean training, Steps steps, NDArray x, NDArray wIh, NDArray[] wHh, NDArray[] bIh,
                                   NDArray[] bHh, NDArray h0, NDArray c0, NDArray out, NDArray hN, NDArray cN) {
        int d = wHh.length, hidden = wHh[0].shapeRef()[1];
        Primitives p = Primitives.of(new Shape(steps.count(), steps.batch(), x.shapeRef()[1], hidden, d, training));
        Held kept = new Held(), call = new Held();
        try (stream st = new stream(ENGINE); IntMemoryMap args = new IntMemoryMap()) {
            memory mx = kept.put(p.x, x, "x"), mh0 = kept.put(p.state, h0, "h0"), mc0 = kept.put(p.state, c0, "c0");
            memory mb = kept.allocate(p.bias);
            kept.floats(mb).put(biasSums(bIh, bHh, 4 * hidden));
            memory mOut = kept.allocate(p.out), mhN = kept.allocate(p.state), mcN = kept.allocate(p.state);
            memory fWih = call.allocate(p.fWih), fWhh = call.allocate(p.fWhh);
            p.wihToForward.execute(st, call.put(p.userWih, wIh, "W_ih"), fWih);
            p.whhToForward.execute(st, call.putEach(p.userWhh, wHh, "W_hh"), fWhh);
            memory ws = training ? kept.allocate(p.workspace) : null;
            args.put(dnnl.DNNL_ARG_SRC_LAYER, mx).put(dnnl.DNNL_ARG_SRC_ITER, mh0).put(dnnl.DNNL_ARG_SRC_ITER_C, mc0)
                .put(dnnl.DNNL_ARG_WEIGHTS_LAYER, fWih).put(dnnl.DNNL_ARG_WEIGHTS_ITER, fWhh).put(dnnl.DNNL_ARG_BIAS, mb)
                .put(dnnl.DNNL_ARG_DST_LAYER, mOut).put(dnnl.DNNL_ARG_DST_ITER, mhN).put(dnnl.DNNL_ARG_DST_ITER_C, mcN)
                .put(dnnl.DNNL_ARG_SCRATCHPAD, call.allocate(p.fScratch));
            if (ws != null) args.put(dnnl.DNNL_ARG_WORKSPACE, ws);
            p.forward.execute(st, args);
            st._wait();
            kept.get(mOut, out);
            kept.get(mhN, hN);
            kept.get(mcN, cN);
            if (!training) {
                kept.run();
                return null;
            }
            return new DnnlLstm(p, kept, mx, mh0, mc0, mb, mOut, mhN, mcN, ws);
        } catch (RuntimeException | Error e) {
            kept.run();
            throw e;
        } finally {
            call.run();
        }
    }

    /**
     * Backward from dOut [T*B, D*H] and dhN, dcN [D, B, H]: fills dx [T*B, in], dWih [D*4H, in], each
     * direction's dWhh [4H, H] and bias gradient db [4H], and dh0, dc0 [D, B, H]. The weights must be those of
     * the forward (autograd's saved-tensor versions check that). May run again until {@link #close}.
     */
    public void backward(NDArray wIh, NDArray[] wHh, NDArray dOut, NDArray dhN, NDArray dcN, NDArray dx, NDArray dWih,
                         NDArray[] dWhh, NDArray[] db, NDArray dh0, NDArray dc0) {
        Primitives p = prims;
        Held call = new Held();
        try (stream st = new stream(ENGINE); IntMemoryMap args = new IntMemoryMap()) {
            memory bWih = call.allocate(p.bWih), bWhh = call.allocate(p.bWhh);
            p.wihToBackward.execute(st, call.put(p.userWih, wIh, "W_ih"), bWih);
            p.whhToBackward.execute(st, call.putEach(p.userWhh, wHh, "W_hh"), bWhh);
            memory mdx = call.allocate(p.x), mdh0 = call.allocate(p.state), mdc0 = call.allocate(p.state);
            // oneDNN adds the weight and bias gradients into these.
            memory dWihN = call.zeroed(p.dWih), dWhhN = call.zeroed(p.dWhh), mdb = call.zeroed(p.bias);
            args.put(dnnl.DNNL_ARG_SRC_LAYER, x).put(dnnl.DNNL_ARG_SRC_ITER, h0).put(dnnl.DNNL_ARG_SRC_ITER_C, c0)
                .put(dnnl.DNNL_ARG_WEIGHTS_LAYER, bWih).put(dnnl.DNNL_ARG_WEIGHTS_ITER, bWhh).put(dnnl.DNNL_ARG_BIAS, bias)
                .put(dnnl.DNNL_ARG_DST_LAYER, out).put(dnnl.DNNL_ARG_DST_ITER, hN).put(dnnl.DNNL_ARG_DST_ITER_C, cN)
                .put(dnnl.DNNL_ARG_WORKSPACE, workspace)
                .put(dnnl.DNNL_ARG_DIFF_DST_LAYER, call.put(p.out, dOut, "the output's gradient"))
                .put(dnnl.DNNL_ARG_DIFF_DST_ITER, call.put(p.state, dhN, "h_n's gradient"))
                .put(dnnl.DNNL_ARG_DIFF_DST_ITER_C, call.put(p.state, dcN, "c_n's gradient"))
                .put(dnnl.DNNL_ARG_DIFF_SRC_LAYER, mdx).put(dnnl.DNNL_ARG_DIFF_SRC_ITER, mdh0).put(dnnl.DNNL_ARG_DIFF_SRC_ITER_C, mdc0)
                .put(dnnl.DNNL_ARG_DIFF_WEIGHTS_LAYER, dWihN).put(dnnl.DNNL_ARG_DIFF_WEIGHTS_ITER, dWhhN).put(dnnl.DNNL_ARG_DIFF_BIAS, mdb)
                .put(dnnl.DNNL_ARG_SCRATCHPAD, call.allocate(p.bScratch));
            p.backward.execute(st, args);
            memory udWih = call.allocate(p.userWih), udWhh = call.allocate(p.userWhh);
            p.dWihToUser.execute(st, dWihN, udWih);
            p.dWhhToUser.execute(st, dWhhN, udWhh);
            st._wait();
            call.get(mdx, dx);
            call.get(udWih, dWih);
            call.getEach(udWhh, dWhh);
            call.getEach(mdb, db);
            call.get(mdh0, dh0);
            call.get(mdc0, dc0);
        } finally {
            call.run();
        }
    }

    /** Frees the native state; backward may not run after. */
    @Override
    public void close() { cleanable.clean(); }

    /** oneDNN's one bias per gate: b_ih + b_hh per direction, either of which may be absent. */
    private static float[] biasSums(NDArray[] bIh, NDArray[] bHh, int width) {
        float[] sum = new float[bIh.length * width];
        for (NDArray[] biases : new NDArray[][]{bIh, bHh}) {
            for (int k = 0; k < biases.length; k++) {
                if (biases[k] == null) continue;
                float[] b = biases[k].contiguous().toFloatArray();
                if (b.length != width) {
                    throw new IllegalArgumentException("LSTM (oneDNN): a bias of " + b.length + " elements where [" + width + "] fits");
                }
                for (int j = 0; j < width; j++) sum[k * width + j] += b[j];
            }
        }
        return sum;
    }
}
