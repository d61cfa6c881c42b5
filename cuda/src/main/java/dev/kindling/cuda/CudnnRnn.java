package dev.kindling.cuda;

import dev.kindling.tensor.DType;
import dev.kindling.tensor.NDArray;
import dev.kindling.tensor.RecurrentNetwork;
import dev.kindling.tensor.Shapes;
import java.lang.ref.Cleaner;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.bytedeco.cuda.cudnn.cudnnContext;
import org.bytedeco.cuda.cudnn.cudnnRNNDataStruct;
import org.bytedeco.cuda.cudnn.cudnnRNNStruct;
import org.bytedeco.cuda.cudnn.cudnnTensorStruct;
import org.bytedeco.cuda.global.cudart;
import org.bytedeco.cuda.global.cudnn;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerPointer;
import org.bytedeco.javacpp.SizeTPointer;

/**
 * RNN, LSTM and GRU stacks through cuDNN's RNN API (v8 entry points, present in cuDNN 9):
 * cudnnRNNForward, then cudnnRNNBackwardData_v8 and cudnnRNNBackwardWeights_v8 (WGRAD_MODE_ADD into a
 * zeroed buffer). Every layer, both directions and the dropout between layers run inside cuDNN.
 *
 * <p><b>Data.</b> Input and output use the SEQ_MAJOR_PACKED layout, which is PackedSequence's: step t
 * holds the first batchSizes[t] entries, entries sorted by decreasing length, each sequence's h_n taken
 * at its own last step and the reverse direction starting there. A padded [T, B, in] batch is the case
 * of T equal batch sizes, so one layout serves both and no padding is ever computed.
 *
 * <p><b>Weights.</b> The module keeps PyTorch's separate parameters, and cuDNN wants one weight space.
 * Each forward copies the parameters into a fresh weight space (device to device, one copy per
 * parameter when cuDNN keeps its gate blocks side by side, as {@link CudnnRnnLayout#segments} merges
 * them) and each backward copies the weight-space gradient out per parameter. For the LSTM of
 * ../shared/PERF.md (64 -> 256) that is 1.3 MB and 4 copies each way per step, small beside the
 * recurrence; in exchange optimizers, state dicts and {@code to(Device)} see ordinary parameters.
 * Where each block goes is asked of cudnnGetRNNWeightParams once per network shape.
 *
 * <p><b>Math.</b> float32 runs with CUDNN_FMA_MATH (no TF32, as the convolutions); float16 with tensor
 * cores and float32 math precision (PyTorch's promote_rnn_math_type); float64 in double. cuDNN's RNNs
 * take no bfloat16, so {@link #unsupported} sends that to the layer's Tensor-op path.
 */
final class CudnnRnn implements RecurrentNetwork {
    static final CudnnRnn INSTANCE = new CudnnRnn();

    /** Destroys a trace's per-call descriptors when its graph is gone (host structures only). */
    private static final Cleaner CLEANER = Cleaner.create();

    private final Map<String, CudnnRnnNetwork> networks = new ConcurrentHashMap<>();

    private CudnnRnn() {}

    @Override
    public String unsupported(Spec spec, DType dtype) {
        if (dtype != DType.FLOAT32 && dtype != DType.FLOAT64 && dtype != DType.FLOAT16) {
            return "cuDNN's RNNs take float16, float32 and float64, not " + dtype;
        }
        if (spec.batchSizes().length == 0 || spec.rows() == 0) return "an empty sequence";
        return null;
    }

    /** Per-call descriptors: the input and output sequences and the state tensors. */
    private record Descriptors(cudnnRNNDataStruct x, cudnnRNNDataStruct y, cudnnTensorStruct h) implements Runnable {
        @Override
        public void run() {
            cudnn.cudnnDestroyRNNDataDescriptor(x);
            cudnn.cudnnDestroyRNNDataDescriptor(y);
            cudnn.cudnnDestroyTensorDescriptor(h);
        }
    }

    /** What a training forward leaves for backward: its operands, the weight space and cuDNN's reserve space. */
    private record Saved(CudnnRnnNetwork network, Descriptors descriptors, CudaStorage seqLengths, NDArray x, NDArray h0,
                         NDArray c0, NDArray y, CudaStorage weights, CudaStorage reserve, long reserveBytes,
                         long workspaceBytes, List<int[]> weightShapes) implements Trace {}

    @Override
    public Forward forward(Spec spec, NDArray x, NDArray h0, NDArray c0, List<NDArray> weights, boolean keepForBackward) {
        String op = spec.mode() + " (cuDNN)";
        List<NDArray> operands = new ArrayList<>(List.of(x, h0));
        if (c0 != null) operands.add(c0);
        operands.addAll(weights);
        CudaDevice dev = Operand.device(op, operands.toArray(new NDArray[0]));
        dev.makeCurrent();
        DType t = x.dtype();
        CudnnRnnNetwork net = network(dev, spec, t);
        Descriptors d = descriptors(op, spec, t);
        CudaStorage seqLengths = net.seqLengths(spec.lengths());
        CudaStorage space = net.pack(weights);
        int rows = spec.rows(), dh = spec.directions() * spec.hiddenSize();
        int[] state = {spec.numLayers() * spec.directions(), spec.batch(), spec.hiddenSize()};
        NDArray y = fresh(dev, t, rows, dh), hy = fresh(dev, t, state), cy = c0 == null ? null : fresh(dev, t, state);
        int mode = keepForBackward ? cudnn.CUDNN_FWD_MODE_TRAINING : cudnn.CUDNN_FWD_MODE_INFERENCE;
        long[] temp = tempSizes(dev, net, mode, d.x());
        CudaStorage reserve = temp[1] == 0 ? null : bytes(dev, temp[1]);
        long xa = Operand.readAddress(x), ha = Operand.readAddress(h0), ca = c0 == null ? 0 : Operand.readAddress(c0);
        CudnnConvolution.withWorkspace(dev, temp[0], ws -> Cudnn.check(cudnn.cudnnRNNForward(Cudnn.handle(dev), net.descriptor(), mode,
                lengths(seqLengths), d.x(), ptr(xa), d.y(), ptr(Operand.writeAddress(y)), d.h(), ptr(ha),
                ptr(Operand.writeAddress(hy)), d.h(), ptr(ca), ptr(cy == null ? 0 : Operand.writeAddress(cy)),
                net.weightBytes(), ptr(space.address(0)), temp[0], ptr(ws), temp[1], ptr(reserve == null ? 0 : reserve.address(0))),
                "cudnnRNNForward (" + op + ")"));
        if (!keepForBackward) {
            space.release();
            d.run();
            return new Forward(y, hy, cy, null);
        }
        List<int[]> shapes = new ArrayList<>();
        for (NDArray w : weights) shapes.add(w.shape());
        Saved saved = new Saved(net, d, seqLengths, x, h0, c0, y, space, reserve, temp[1], temp[0], shapes);
        CLEANER.register(saved, d);
        return new Forward(y, hy, cy, saved);
    }

    @Override
    public Gradients backward(Spec spec, Trace trace, NDArray dOutput, NDArray dhN, NDArray dcN, boolean weightGradients) {
        Saved s = (Saved) trace;
        String op = spec.mode() + " (cuDNN) backward";
        CudaDevice dev = Operand.device(op, dOutput, dhN);
        dev.makeCurrent();
        DType t = s.x().dtype();
        CudnnRnnNetwork net = s.network();
        Descriptors d = s.descriptors();
        cudnnContext h = Cudnn.handle(dev);
        NDArray dx = fresh(dev, t, s.x().shape()), dh0 = fresh(dev, t, s.h0().shape());
        NDArray dc0 = s.c0() == null ? null : fresh(dev, t, s.c0().shape());
        long work = s.workspaceBytes();   // the training forward's size, which backward needs too
        long ya = Operand.readAddress(s.y()), xa = Operand.readAddress(s.x()), ha = Operand.readAddress(s.h0());
        long ca = s.c0() == null ? 0 : Operand.readAddress(s.c0());
        Pointer weights = ptr(s.weights().address(0)), reserve = ptr(s.reserve() == null ? 0 : s.reserve().address(0));
        // BackwardData must come first: it leaves in the reserve space what BackwardWeights reads.
        CudnnConvolution.withWorkspace(dev, work, ws -> Cudnn.check(cudnn.cudnnRNNBackwardData_v8(h, net.descriptor(),
                lengths(s.seqLengths()), d.y(), ptr(ya), ptr(Operand.readAddress(dOutput)), d.x(), ptr(Operand.writeAddress(dx)),
                d.h(), ptr(ha), ptr(Operand.readAddress(dhN)), ptr(Operand.writeAddress(dh0)),
                d.h(), ptr(ca), ptr(dcN == null ? 0 : Operand.readAddress(dcN)), ptr(dc0 == null ? 0 : Operand.writeAddress(dc0)),
                net.weightBytes(), weights, work, ptr(ws), s.reserveBytes(), reserve), "cudnnRNNBackwardData_v8 (" + op + ")"));
        if (!weightGradients) return new Gradients(dx, dh0, dc0, null);
        CudaStorage dw = bytes(dev, net.weightBytes());
        dw.oweZeros();
        dw.materialize(); // WGRAD_MODE_ADD accumulates into the buffer
        CudnnConvolution.withWorkspace(dev, work, ws -> Cudnn.check(cudnn.cudnnRNNBackwardWeights_v8(h, net.descriptor(),
                cudnn.CUDNN_WGRAD_MODE_ADD, lengths(s.seqLengths()), d.x(), ptr(xa), d.h(), ptr(ha), d.y(), ptr(ya),
                net.weightBytes(), ptr(dw.address(0)), work, ptr(ws), s.reserveBytes(), reserve),
                "cudnnRNNBackwardWeights_v8 (" + op + ")"));
        List<NDArray> dWeights = net.unpack(dw, s.weightShapes());
        dw.release();
        return new Gradients(dx, dh0, dc0, dWeights);
    }

    private CudnnRnnNetwork network(CudaDevice dev, Spec spec, DType t) {
        String key = dev.index() + " " + spec.mode() + " " + t + " in=" + spec.inputSize() + " hidden=" + spec.hiddenSize() + " layers="
                + spec.numLayers() + " bidirectional=" + spec.bidirectional() + " bias=" + spec.hasBiases() + " dropout=" + spec.dropout();
        return networks.computeIfAbsent(key, k -> new CudnnRnnNetwork(dev, spec, t));
    }

    private static Descriptors descriptors(String op, Spec spec, DType t) {
        int[] lengths = spec.lengths();
        return new Descriptors(data(op, t, spec, spec.inputSize(), lengths), data(op, t, spec, spec.directions() * spec.hiddenSize(), lengths),
                Cudnn.tensor(op, t, spec.numLayers() * spec.directions(), spec.batch(), spec.hiddenSize()));
    }

    private static cudnnRNNDataStruct data(String op, DType t, Spec spec, int vectorSize, int[] lengths) {
        cudnnRNNDataStruct d = new cudnnRNNDataStruct();
        Cudnn.check(cudnn.cudnnCreateRNNDataDescriptor(d), "cudnnCreateRNNDataDescriptor");
        Cudnn.check(cudnn.cudnnSetRNNDataDescriptor(d, Cudnn.dataType(op, t), cudnn.CUDNN_RNN_DATA_LAYOUT_SEQ_MAJOR_PACKED,
                spec.batchSizes().length, spec.batch(), vectorSize, lengths, (Pointer) null),
                op + ": cudnnSetRNNDataDescriptor (lengths " + Arrays.toString(lengths) + ")");
        return d;
    }

    /** {workspace, reserve} bytes for a pass of {@code mode}. */
    private static long[] tempSizes(CudaDevice dev, CudnnRnnNetwork net, int mode, cudnnRNNDataStruct x) {
        try (SizeTPointer work = new SizeTPointer(1); SizeTPointer reserve = new SizeTPointer(1)) {
            Cudnn.check(cudnn.cudnnGetRNNTempSpaceSizes(Cudnn.handle(dev), net.descriptor(), mode, x, work, reserve),
                    "cudnnGetRNNTempSpaceSizes");
            return new long[]{work.get(), reserve.get()};
        }
    }

    static NDArray fresh(CudaDevice dev, DType t, int... shape) {
        return new NDArray(new CudaStorage(dev, t, (int) Shapes.numel(shape)), shape, Shapes.contiguousStrides(shape), 0);
    }

    static CudaStorage bytes(CudaDevice dev, long n) {
        if (n > Integer.MAX_VALUE) throw new CudaException("cuDNN RNN asked for a buffer of " + n + " bytes (over 2 GiB)");
        return new CudaStorage(dev, DType.BOOL, (int) n);
    }

    /** The device copy of the sequence lengths (cuDNN's devSeqLengths). */
    private static IntPointer lengths(CudaStorage s) { return new IntPointer(new Gemm.At(s.address(0))); }

    private static Pointer ptr(long address) { return CudnnConvolution.ptr(address); }

    /** Copies {@code bytes} bytes on the device's stream. */
    static void copy(CudaDevice dev, long to, long from, long bytes) {
        Driver.check(cudart.cuMemcpyDtoDAsync(to, from, bytes, dev.stream()), "cuMemcpyDtoDAsync (cuDNN RNN weights)");
    }

    /** The address cudnnGetRNNWeightParams wrote, as a long. */
    static long address(PointerPointer<?> p) {
        Pointer a = p.get(0);
        return a == null ? 0 : a.address();
    }
}
