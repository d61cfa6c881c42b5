package dev.kindling.cuda;

import dev.kindling.tensor.DType;
import dev.kindling.tensor.NDArray;
import dev.kindling.tensor.RecurrentNetwork.Spec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.cuda.cudnn.cudnnContext;
import org.bytedeco.cuda.cudnn.cudnnRNNStruct;
import org.bytedeco.cuda.cudnn.cudnnTensorStruct;
import org.bytedeco.cuda.global.cudnn;
import org.bytedeco.javacpp.PointerPointer;
import org.bytedeco.javacpp.SizeTPointer;

/**
 * One network shape on one device (mode, dtype, sizes, layers, directions, biases, dropout): its cuDNN
 * RNN descriptor, its weight-space size, where each PyTorch parameter sits in the weight space (asked
 * of cudnnGetRNNWeightParams on the first forward, then kept), and the device copies of recently used
 * sequence-length arrays (a padded batch repeats the same one every step).
 */
final class CudnnRnnNetwork {
    private final CudaDevice dev;
    private final DType dtype;
    private final String name;
    private final cudnnRNNStruct descriptor = new cudnnRNNStruct();
    private final long weightBytes;
    private final List<CudnnRnnLayout.Block> blocks;
    private volatile List<CudnnRnnLayout.Segment> segments;
    private final Map<String, CudaStorage> seqLengths = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, CudaStorage> eldest) {
            return size() > 32; // a trace still holding an evicted array keeps it alive
        }
    };

    CudnnRnnNetwork(CudaDevice dev, Spec spec, DType dtype) {
        this.dev = dev;
        this.dtype = dtype;
        this.name = spec.mode() + " (cuDNN)";
        dev.makeCurrent();
        cudnnContext h = Cudnn.handle(dev);
        Cudnn.check(cudnn.cudnnCreateRNNDescriptor(descriptor), "cudnnCreateRNNDescriptor");
        Cudnn.check(cudnn.cudnnSetRNNDescriptor_v8(descriptor, cudnn.CUDNN_RNN_ALGO_STANDARD, cellMode(spec.mode()),
                spec.hasBiases() ? cudnn.CUDNN_RNN_DOUBLE_BIAS : cudnn.CUDNN_RNN_NO_BIAS,
                spec.bidirectional() ? cudnn.CUDNN_BIDIRECTIONAL : cudnn.CUDNN_UNIDIRECTIONAL, cudnn.CUDNN_LINEAR_INPUT,
                Cudnn.dataType(name, dtype), Cudnn.computeType(dtype), mathType(dtype), spec.inputSize(), spec.hiddenSize(),
                spec.hiddenSize(), spec.numLayers(), CudnnDropout.descriptor(dev, spec.dropout()), cudnn.CUDNN_RNN_PADDED_IO_DISABLED),
                "cudnnSetRNNDescriptor_v8 (" + name + ", " + dtype + ", in " + spec.inputSize() + ", hidden " + spec.hiddenSize()
                        + ", layers " + spec.numLayers() + ")");
        try (SizeTPointer size = new SizeTPointer(1)) {
            Cudnn.check(cudnn.cudnnGetRNNWeightSpaceSize(h, descriptor, size), "cudnnGetRNNWeightSpaceSize");
            weightBytes = size.get();
        }
        blocks = CudnnRnnLayout.blocks(spec.mode(), spec.inputSize(), spec.hiddenSize(), spec.numLayers(), spec.bidirectional(),
                spec.hasBiases());
    }

    private static int cellMode(String mode) {
        switch (mode) {
            case "RNN_TANH": return cudnn.CUDNN_RNN_TANH;
            case "RNN_RELU": return cudnn.CUDNN_RNN_RELU;
            case "LSTM": return cudnn.CUDNN_LSTM;
            case "GRU": return cudnn.CUDNN_GRU;
            default: throw new IllegalArgumentException("cuDNN RNN: mode must be RNN_TANH, RNN_RELU, LSTM or GRU, got \"" + mode + "\"");
        }
    }

    /** FMA for float32 (no TF32), tensor cores for float16, cuDNN's default for float64. */
    private static int mathType(DType t) {
        if (t == DType.FLOAT64) return cudnn.CUDNN_DEFAULT_MATH;
        return Cudnn.mathType(t);
    }

    cudnnRNNStruct descriptor() { return descriptor; }

    long weightBytes() { return weightBytes; }

    /** A fresh weight space holding the parameters (PyTorch's flat order, contiguous). */
    CudaStorage pack(List<NDArray> weights) {
        CudaStorage space = CudnnRnn.bytes(dev, weightBytes);
        int item = dtype.itemSize();
        for (CudnnRnnLayout.Segment s : segments(space.address(0))) {
            CudnnRnn.copy(dev, space.address(0) + s.spaceOffset() * item,
                    Operand.readAddress(weights.get(s.param())) + s.paramOffset() * item, s.count() * item);
        }
        return space;
    }

    /** Each parameter's gradient, copied out of a weight-space gradient. */
    List<NDArray> unpack(CudaStorage gradSpace, List<int[]> shapes) {
        List<NDArray> out = new ArrayList<>();
        for (int[] shape : shapes) out.add(CudnnRnn.fresh(dev, dtype, shape));
        int item = dtype.itemSize();
        for (CudnnRnnLayout.Segment s : segments(gradSpace.address(0))) {
            CudnnRnn.copy(dev, Operand.writeAddress(out.get(s.param())) + s.paramOffset() * item,
                    gradSpace.address(0) + s.spaceOffset() * item, s.count() * item);
        }
        return out;
    }

    /** The device copy of {@code lengths}, uploaded once per distinct array. */
    synchronized CudaStorage seqLengths(int[] lengths) {
        return seqLengths.computeIfAbsent(Arrays.toString(lengths), k -> {
            CudaStorage s = new CudaStorage(dev, DType.INT32, lengths.length);
            dev.staging().upload(lengths, DType.INT32, s.address(0));
            return s;
        });
    }

    /** The copies between parameters and weight space; found from a real weight space at {@code base} the first time. */
    private List<CudnnRnnLayout.Segment> segments(long base) {
        List<CudnnRnnLayout.Segment> s = segments;
        if (s == null) segments = s = locate(base);
        return s;
    }

    private List<CudnnRnnLayout.Segment> locate(long base) {
        cudnnContext h = Cudnn.handle(dev);
        cudnnTensorStruct m = new cudnnTensorStruct(), b = new cudnnTensorStruct();
        Cudnn.check(cudnn.cudnnCreateTensorDescriptor(m), "cudnnCreateTensorDescriptor");
        Cudnn.check(cudnn.cudnnCreateTensorDescriptor(b), "cudnnCreateTensorDescriptor");
        try (PointerPointer<?> mAddr = new PointerPointer<>(1); PointerPointer<?> bAddr = new PointerPointer<>(1)) {
            long[] offsets = new long[blocks.size()];
            int item = dtype.itemSize();
            for (int i = 0; i < blocks.size(); i++) {
                CudnnRnnLayout.Block blk = blocks.get(i);
                Cudnn.check(cudnn.cudnnGetRNNWeightParams(h, descriptor, blk.pseudoLayer(), weightBytes, CudnnConvolution.ptr(base),
                        blk.linLayerId(), m, mAddr, b, bAddr), "cudnnGetRNNWeightParams(" + blk + ")");
                long at = CudnnRnn.address(blk.bias() ? bAddr : mAddr);
                long n = elements(blk.bias() ? b : m);
                if (at == 0 || n != (long) blk.rows() * blk.cols() || (at - base) % item != 0) {
                    throw new CudaException(name + ": cuDNN placed " + blk + " at offset " + (at - base) + " with " + n
                            + " elements; expected " + (long) blk.rows() * blk.cols() + " elements at a multiple of " + item);
                }
                offsets[i] = (at - base) / item;
            }
            return CudnnRnnLayout.segments(blocks, offsets);
        } finally {
            cudnn.cudnnDestroyTensorDescriptor(m);
            cudnn.cudnnDestroyTensorDescriptor(b);
        }
    }

    private static long elements(cudnnTensorStruct d) {
        int[] type = new int[1], rank = new int[1], dims = new int[8], strides = new int[8];
        Cudnn.check(cudnn.cudnnGetTensorNdDescriptor(d, 8, type, rank, dims, strides), "cudnnGetTensorNdDescriptor");
        long n = 1;
        for (int i = 0; i < rank[0]; i++) n *= dims[i];
        return n;
    }
}
