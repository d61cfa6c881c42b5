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
import org.bytedeco.dnnl.reorder;
import org.bytedeco.dnnl.stream;
import org.bytedeco.dnnl.global.dnnl;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.Pointer;

/**
 * One LSTM layer (one or both directions) on oneDNN's fused RNN primitive, the one PyTorch's CPU LSTM
 * runs on: its recurrence keeps W_hh packed for its own GEMM across the time steps, and backward forms
 * dx, dW_ih, dW_hh and the bias gradient itself. LSTM(64, 256) over [35, 32] on two cores: forward 4.9 ms
 * and backward 8.9 ms here, against 7.4 and 11.1 ms for {@link RecurrentKernels} with the GEMMs around it
 * (docs/recurrent.md).
 *
 * <p>For float32 sequences of one length (not packed), when oneDNN's natives load and unless
 * {@code -Dkindling.dnnl=false}; everything else runs on {@link RecurrentKernels}. PyTorch's layouts are
 * oneDNN's: x [T*B, in] is tnc, the stacked W_ih [D*4H, in] and each W_hh [4H, H] are ldgoi with the same
 * gate order (i, f, g, o), h0, c0 and the final states [D, B, H] are ldnc, and out [T*B, D*H] is tnc with both
 * directions concatenated. oneDNN takes one bias per gate, b_ih + b_hh, whose gradient is both biases'.
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

    /** Whether an LSTM layer over these steps and this dtype runs here. */
    public static boolean supports(Steps steps, DType dtype) {
        return AVAILABLE && dtype == DType.FLOAT32 && steps.isPadded();
    }

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
        final reorder wihToForward, whhToForward, wihToBackward, whhToBackward, dWihToUser, dWhhToUser;

        Primitives(Shape s) {
            x = s.layer(s.input);
            out = s.layer(s.directions * s.hidden);
            state = s.state();
            bias = s.bias();
            memory.desc wih = s.weights(s.input, memory.format_tag.any), whh = s.weights(s.hidden, memory.format_tag.any);
            userWih = s.weights(s.input, memory.format_tag.ldgoi);
            userWhh = s.weights(s.hidden, memory.format_tag.ldgoi);
            fpd = new lstm_forward.primitive_desc(ENGINE, s.training ? dnnl.prop_kind.forward_training : dnnl.prop_kind.forward_inference,
                    s.direction(), x, state, state, wih, whh, bias, out, state, state);
            forward = new lstm_forward(fpd);
            fWih = fpd.weights_layer_desc();
            fWhh = fpd.weights_iter_desc();
            wihToForward = reorder(userWih, fWih);
            whhToForward = reorder(userWhh, fWhh);
            if (s.training) {
                workspace = fpd.workspace_desc();
                bpd = new lstm_backward.primitive_desc(ENGINE, dnnl.prop_kind.backward, s.direction(), x, state, state, wih, whh, bias,
                        out, state, state, x, state, state, wih, whh, bias, out, state, state, fpd);
                backward = new lstm_backward(bpd);
                bWih = bpd.weights_layer_desc();
                bWhh = bpd.weights_iter_desc();
                dWih = bpd.diff_weights_layer_desc();
                dWhh = bpd.diff_weights_iter_desc();
                wihToBackward = reorder(userWih, bWih);
                whhToBackward = reorder(userWhh, bWhh);
                dWihToUser = reorder(dWih, userWih);
                dWhhToUser = reorder(dWhh, userWhh);
            } else {
                workspace = bWih = bWhh = dWih = dWhh = null;
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

    /** Native memory a layer holds from its forward to its last backward; also the Cleaner's action. */
    private static final class Held implements Runnable {
        final List<Pointer> pointers = new ArrayList<>();

        memory allocate(memory.desc d) {
            memory m = new memory(d, ENGINE);
            pointers.add(m);
            return m;
        }

        @Override
        public void run() {
            for (Pointer p : pointers) p.close();
            pointers.clear();
        }
    }

    private final Primitives prims;
    private final Cleaner.Cleanable cleanable;
    /** What backward reads, as forward left it. */
    private final memory x, h0, c0, bias, out, hN, cN, workspace;

    private DnnlLstm(Primitives prims, Held held, memory x, memory h0, memory c0, memory bias, memory out,
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
        this.cleanable = CLEANER.register(this, held);
    }

    /**
     * The layer's forward over x [T*B, in] (contiguous): fills out [T*B, D*H], hN and cN [D, B, H]. wIh is
     * both directions' W_ih stacked [D*4H, in]; wHh, bIh and bHh hold each direction's (biases may be null).
     * For training, returns the state {@link #backward} needs; otherwise null.
     */
    public static DnnlLstm forward(boolean training, Steps steps, NDArray x, NDArray wIh, NDArray[] wHh, NDArray[] bIh,
                                   NDArray[] bHh, NDArray h0, NDArray c0, NDArray out, NDArray hN, NDArray cN) {
        int d = wHh.length, hidden = wHh[0].shapeRef()[1];
        Shape s = new Shape(steps.count(), steps.batch(), x.shapeRef()[1], hidden, d, training);
        Primitives p = Primitives.of(s);
        Held held = new Held();
        try (stream st = new stream(ENGINE)) {
            memory mx = put(held.allocate(p.x), x);
            memory mh0 = put(held.allocate(p.state), h0), mc0 = put(held.allocate(p.state), c0);
            memory mb = held.allocate(p.bias);
            fillBias(mb, bIh, bHh, 4 * hidden);
            memory mOut = held.allocate(p.out), mhN = held.allocate(p.state), mcN = held.allocate(p.state);
            memory uWih = put(held.allocate(p.userWih), wIh), uWhh = held.allocate(p.userWhh);
            putEach(uWhh, wHh);
            memory fWih = held.allocate(p.fWih), fWhh = held.allocate(p.fWhh);
            p.wihToForward.execute(st, uWih, fWih);
            p.whhToForward.execute(st, uWhh, fWhh);
            memory ws = training ? held.allocate(p.workspace) : null;
            IntMemoryMap args = new IntMemoryMap();
            args.put(dnnl.DNNL_ARG_SRC_LAYER, mx).put(dnnl.DNNL_ARG_SRC_ITER, mh0).put(dnnl.DNNL_ARG_SRC_ITER_C, mc0)
                .put(dnnl.DNNL_ARG_WEIGHTS_LAYER, fWih).put(dnnl.DNNL_ARG_WEIGHTS_ITER, fWhh).put(dnnl.DNNL_ARG_BIAS, mb)
                .put(dnnl.DNNL_ARG_DST_LAYER, mOut).put(dnnl.DNNL_ARG_DST_ITER, mhN).put(dnnl.DNNL_ARG_DST_ITER_C, mcN);
            if (ws != null) args.put(dnnl.DNNL_ARG_WORKSPACE, ws);
            p.forward.execute(st, args);
            st._wait();
            args.close();
            get(mOut, out);
            get(mhN, hN);
            get(mcN, cN);
            if (!training) {
                held.run();
                return null;
            }
            return new DnnlLstm(p, held, mx, mh0, mc0, mb, mOut, mhN, mcN, ws);
        } catch (RuntimeException | Error e) {
            held.run();
            throw e;
        }
    }

    /**
     * Backward from dOut [T*B, D*H] and dhN, dcN [D, B, H]: fills dx [T*B, in], dWih [D*4H, in], each
     * direction's dWhh [4H, H] and bias gradient db [4H], and dh0, dc0 [D, B, H]. The weights must be those of
     * the forward (autograd's saved-tensor versions check that). May run again until {@link #close}.
     */
    public void backward(NDArray wIh, NDArray[] wHh, NDArray dOut, NDArray dhN, NDArray dcN, NDArray dx, NDArray dWih,
                         NDArray[] dWhh, NDArray[] db, NDArray dh0, NDArray dc0) {
        Held call = new Held();
        try (stream st = new stream(ENGINE)) {
            Primitives p = prims;
            memory uWih = put(call.allocate(p.userWih), wIh), uWhh = call.allocate(p.userWhh);
            putEach(uWhh, wHh);
            memory bWih = call.allocate(p.bWih), bWhh = call.allocate(p.bWhh);
            p.wihToBackward.execute(st, uWih, bWih);
            p.whhToBackward.execute(st, uWhh, bWhh);
            memory mdOut = put(call.allocate(p.out), dOut);
            memory mdhN = put(call.allocate(p.state), dhN), mdcN = put(call.allocate(p.state), dcN);
            memory mdx = call.allocate(p.x), mdh0 = call.allocate(p.state), mdc0 = call.allocate(p.state);
            // oneDNN adds the weight and bias gradients into these.
            memory dWihN = zeroed(call.allocate(p.dWih)), dWhhN = zeroed(call.allocate(p.dWhh)), mdb = zeroed(call.allocate(p.bias));
            IntMemoryMap args = new IntMemoryMap();
            args.put(dnnl.DNNL_ARG_SRC_LAYER, x).put(dnnl.DNNL_ARG_SRC_ITER, h0).put(dnnl.DNNL_ARG_SRC_ITER_C, c0)
                .put(dnnl.DNNL_ARG_WEIGHTS_LAYER, bWih).put(dnnl.DNNL_ARG_WEIGHTS_ITER, bWhh).put(dnnl.DNNL_ARG_BIAS, bias)
                .put(dnnl.DNNL_ARG_DST_LAYER, out).put(dnnl.DNNL_ARG_DST_ITER, hN).put(dnnl.DNNL_ARG_DST_ITER_C, cN)
                .put(dnnl.DNNL_ARG_WORKSPACE, workspace)
                .put(dnnl.DNNL_ARG_DIFF_DST_LAYER, mdOut).put(dnnl.DNNL_ARG_DIFF_DST_ITER, mdhN).put(dnnl.DNNL_ARG_DIFF_DST_ITER_C, mdcN)
                .put(dnnl.DNNL_ARG_DIFF_SRC_LAYER, mdx).put(dnnl.DNNL_ARG_DIFF_SRC_ITER, mdh0).put(dnnl.DNNL_ARG_DIFF_SRC_ITER_C, mdc0)
                .put(dnnl.DNNL_ARG_DIFF_WEIGHTS_LAYER, dWihN).put(dnnl.DNNL_ARG_DIFF_WEIGHTS_ITER, dWhhN).put(dnnl.DNNL_ARG_DIFF_BIAS, mdb);
            prims.backward.execute(st, args);
            memory udWih = call.allocate(p.userWih), udWhh = call.allocate(p.userWhh);
            prims.dWihToUser.execute(st, dWihN, udWih);
            prims.dWhhToUser.execute(st, dWhhN, udWhh);
            st._wait();
            args.close();
            get(mdx, dx);
            get(udWih, dWih);
            getEach(udWhh, dWhh);
            getEach(mdb, db);
            get(mdh0, dh0);
            get(mdc0, dc0);
        } finally {
            call.run();
        }
    }

    /** Frees the native state; backward may not run after. */
    @Override
    public void close() { cleanable.clean(); }

    // ------------------------------------------------------------------ moving elements between heap and oneDNN

    /** The elements of a dense float32 array into m, in order. */
    private static memory put(memory m, NDArray a) {
        floats(m).put((float[]) CpuBackend.data(a), a.offset(), (int) a.numel());
        return m;
    }

    /** Arrays of equal size into consecutive blocks of m. */
    private static void putEach(memory m, NDArray[] parts) {
        FloatPointer f = floats(m);
        long at = 0;
        for (NDArray a : parts) {
            NDArray c = a.contiguous();
            f.position(at).put((float[]) CpuBackend.data(c), c.offset(), (int) c.numel());
            at += c.numel();
        }
    }

    private static void get(memory m, NDArray a) {
        floats(m).get((float[]) CpuBackend.data(a), a.offset(), (int) a.numel());
    }

    private static void getEach(memory m, NDArray[] parts) {
        FloatPointer f = floats(m);
        long at = 0;
        for (NDArray a : parts) {
            f.position(at).get((float[]) CpuBackend.data(a), a.offset(), (int) a.numel());
            at += a.numel();
        }
    }

    /** oneDNN's one bias per gate: b_ih + b_hh per direction (zero where there are none). */
    private static void fillBias(memory m, NDArray[] bIh, NDArray[] bHh, int width) {
        float[] sum = new float[bIh.length * width];
        for (int k = 0; k < bIh.length; k++) {
            if (bIh[k] == null) continue;
            float[] i = bIh[k].contiguous().toFloatArray(), h = bHh[k].contiguous().toFloatArray();
            for (int j = 0; j < width; j++) sum[k * width + j] = i[j] + h[j];
        }
        floats(m).put(sum);
    }

    private static memory zeroed(memory m) {
        Pointer.memset(m.get_data_handle(), 0, m.get_desc().get_size());
        return m;
    }

    private static FloatPointer floats(memory m) {
        Pointer p = m.get_data_handle();
        return new FloatPointer(p).capacity(m.get_desc().get_size() / Float.BYTES);
    }
}
