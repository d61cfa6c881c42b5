package dev.kindling.cuda;

import dev.kindling.tensor.ConvParams;
import dev.kindling.tensor.DType;
import dev.kindling.tensor.NDArray;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.bytedeco.cuda.cudnn.cudnnContext;
import org.bytedeco.cuda.cudnn.cudnnConvolutionBwdDataAlgoPerf_t;
import org.bytedeco.cuda.cudnn.cudnnConvolutionBwdFilterAlgoPerf_t;
import org.bytedeco.cuda.cudnn.cudnnConvolutionFwdAlgoPerf_t;
import org.bytedeco.cuda.cudnn.cudnnConvolutionStruct;
import org.bytedeco.cuda.cudnn.cudnnFilterStruct;
import org.bytedeco.cuda.cudnn.cudnnTensorStruct;
import org.bytedeco.cuda.global.cudnn;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.SizeTPointer;

/**
 * conv2d and its two adjoints through cuDNN (cudnnConvolutionForward, BackwardData, BackwardFilter).
 * BackwardData is also the transposed convolution's forward, since the Backend SPI expresses
 * ConvTranspose2d as conv2dBackwardInput. Per shape, dtype, parameters and direction one {@link Plan}
 * is built and cached: its descriptors and the algorithm cuDNN's heuristics rank first among those
 * that succeed ({@code cudnnGet...Algorithm_v7}, PyTorch's choice with {@code cudnn.benchmark=false}).
 * The workspace is a temporary block of the caching allocator, returned right after the call (the
 * stream orders its reuse).
 */
final class CudnnConvolution {
    private enum Direction { FORWARD, BACKWARD_DATA, BACKWARD_FILTER }

    /** Descriptors and algorithm for one convolution geometry. */
    private record Plan(cudnnTensorStruct x, cudnnFilterStruct w, cudnnConvolutionStruct conv, cudnnTensorStruct y,
                        int algo, long workspaceBytes) {}

    private static final Map<String, Plan> PLANS = new ConcurrentHashMap<>();

    private CudnnConvolution() {}

    /** out = x ⋆ w (+ bias): x [N, C, H, W], w [O, C/g, kh, kw], out [N, O, oh, ow]. */
    static void forward(NDArray x, NDArray w, NDArray bias, ConvParams p, NDArray out) {
        CudaDevice dev = Operand.device("conv2d", x, w, bias, out);
        Plan plan = plan(dev, Direction.FORWARD, x.shapeRef(), w.shapeRef(), out.shapeRef(), p, x.dtype());
        DType t = x.dtype();
        long xa = Operand.readAddress(x), wa = Operand.readAddress(w), ya = Operand.writeAddress(out);
        withWorkspace(dev, plan.workspaceBytes, ws -> Cudnn.check(cudnn.cudnnConvolutionForward(Cudnn.handle(dev), Cudnn.one(t),
                plan.x, ptr(xa), plan.w, ptr(wa), plan.conv, plan.algo, ptr(ws), plan.workspaceBytes, Cudnn.zero(t), plan.y, ptr(ya)),
                "cudnnConvolutionForward"));
        if (bias != null) {
            int o = out.shapeRef()[1];
            cudnnTensorStruct bd = biasDescriptor(t, o);
            Cudnn.check(cudnn.cudnnAddTensor(Cudnn.handle(dev), Cudnn.one(t), bd, ptr(Operand.readAddress(bias)), Cudnn.one(t), plan.y, ptr(ya)),
                    "cudnnAddTensor (conv2d bias)");
        }
    }

    /** out = conv2d's adjoint in x applied to gy: gy [N, O, oh, ow], w, out [N, C, H, W]. */
    static void backwardData(NDArray gy, NDArray w, ConvParams p, NDArray out) {
        CudaDevice dev = Operand.device("conv2d backward (input)", gy, w, out);
        Plan plan = plan(dev, Direction.BACKWARD_DATA, out.shapeRef(), w.shapeRef(), gy.shapeRef(), p, gy.dtype());
        DType t = gy.dtype();
        long ga = Operand.readAddress(gy), wa = Operand.readAddress(w), xa = Operand.writeAddress(out);
        withWorkspace(dev, plan.workspaceBytes, ws -> Cudnn.check(cudnn.cudnnConvolutionBackwardData(Cudnn.handle(dev), Cudnn.one(t),
                plan.w, ptr(wa), plan.y, ptr(ga), plan.conv, plan.algo, ptr(ws), plan.workspaceBytes, Cudnn.zero(t), plan.x, ptr(xa)),
                "cudnnConvolutionBackwardData"));
    }

    /** out = conv2d's adjoint in w, summed over the batch: x, gy into out [O, C/g, kh, kw]. */
    static void backwardFilter(NDArray x, NDArray gy, ConvParams p, NDArray out) {
        CudaDevice dev = Operand.device("conv2d backward (weight)", x, gy, out);
        Plan plan = plan(dev, Direction.BACKWARD_FILTER, x.shapeRef(), out.shapeRef(), gy.shapeRef(), p, x.dtype());
        DType t = x.dtype();
        long xa = Operand.readAddress(x), ga = Operand.readAddress(gy), wa = Operand.writeAddress(out);
        withWorkspace(dev, plan.workspaceBytes, ws -> Cudnn.check(cudnn.cudnnConvolutionBackwardFilter(Cudnn.handle(dev), Cudnn.one(t),
                plan.x, ptr(xa), plan.y, ptr(ga), plan.conv, plan.algo, ptr(ws), plan.workspaceBytes, Cudnn.zero(t), plan.w, ptr(wa)),
                "cudnnConvolutionBackwardFilter"));
    }

    /** The cache key: device, direction, dtype, the three shapes and the parameters. */
    static String key(int device, String direction, DType t, int[] x, int[] w, int[] y, ConvParams p) {
        return device + " " + direction + " " + t + " x" + Arrays.toString(x) + " w" + Arrays.toString(w) + " y" + Arrays.toString(y) + " " + p;
    }

    private static Plan plan(CudaDevice dev, Direction dir, int[] xs, int[] ws, int[] ys, ConvParams p, DType t) {
        String key = key(dev.index(), dir.name(), t, xs, ws, ys, p);
        Plan cached = PLANS.get(key);
        if (cached != null) return cached;
        dev.makeCurrent();
        String op = "conv2d";
        cudnnTensorStruct xd = Cudnn.tensor(op, t, xs), yd = Cudnn.tensor(op, t, ys);
        cudnnFilterStruct wd = new cudnnFilterStruct();
        Cudnn.check(cudnn.cudnnCreateFilterDescriptor(wd), "cudnnCreateFilterDescriptor");
        Cudnn.check(cudnn.cudnnSetFilterNdDescriptor(wd, Cudnn.dataType(op, t), cudnn.CUDNN_TENSOR_NCHW, 4, ws), "cudnnSetFilterNdDescriptor");
        cudnnConvolutionStruct cd = new cudnnConvolutionStruct();
        Cudnn.check(cudnn.cudnnCreateConvolutionDescriptor(cd), "cudnnCreateConvolutionDescriptor");
        Cudnn.check(cudnn.cudnnSetConvolution2dDescriptor(cd, p.padH(), p.padW(), p.strideH(), p.strideW(), p.dilationH(), p.dilationW(),
                cudnn.CUDNN_CROSS_CORRELATION, Cudnn.computeType(t)), "cudnnSetConvolution2dDescriptor " + p);
        Cudnn.check(cudnn.cudnnSetConvolutionGroupCount(cd, p.groups()), "cudnnSetConvolutionGroupCount(" + p.groups() + ")");
        Cudnn.check(cudnn.cudnnSetConvolutionMathType(cd, Cudnn.mathType(t)), "cudnnSetConvolutionMathType");
        cudnnContext h = Cudnn.handle(dev);
        int[] count = new int[1];
        int algo = -1;
        long bytes = 0;
        final int wanted = 8;
        switch (dir) {
            case FORWARD: {
                cudnnConvolutionFwdAlgoPerf_t perf = new cudnnConvolutionFwdAlgoPerf_t(wanted);
                Cudnn.check(cudnn.cudnnGetConvolutionForwardAlgorithm_v7(h, xd, wd, cd, yd, wanted, count, perf), "cudnnGetConvolutionForwardAlgorithm_v7");
                for (int i = 0; i < count[0] && algo < 0; i++) {
                    perf.position(i);
                    if (perf.status() == cudnn.CUDNN_STATUS_SUCCESS) { algo = perf.algo(); bytes = perf.memory(); }
                }
                break;
            }
            case BACKWARD_DATA: {
                cudnnConvolutionBwdDataAlgoPerf_t perf = new cudnnConvolutionBwdDataAlgoPerf_t(wanted);
                Cudnn.check(cudnn.cudnnGetConvolutionBackwardDataAlgorithm_v7(h, wd, yd, cd, xd, wanted, count, perf),
                        "cudnnGetConvolutionBackwardDataAlgorithm_v7");
                for (int i = 0; i < count[0] && algo < 0; i++) {
                    perf.position(i);
                    if (perf.status() == cudnn.CUDNN_STATUS_SUCCESS) { algo = perf.algo(); bytes = perf.memory(); }
                }
                break;
            }
            default: {
                cudnnConvolutionBwdFilterAlgoPerf_t perf = new cudnnConvolutionBwdFilterAlgoPerf_t(wanted);
                Cudnn.check(cudnn.cudnnGetConvolutionBackwardFilterAlgorithm_v7(h, xd, yd, cd, wd, wanted, count, perf),
                        "cudnnGetConvolutionBackwardFilterAlgorithm_v7");
                for (int i = 0; i < count[0] && algo < 0; i++) {
                    perf.position(i);
                    if (perf.status() == cudnn.CUDNN_STATUS_SUCCESS) { algo = perf.algo(); bytes = perf.memory(); }
                }
            }
        }
        if (algo < 0) throw new CudaException("cuDNN has no " + dir + " algorithm for " + key);
        bytes = workspaceSize(h, dir, xd, wd, cd, yd, algo, bytes);
        Plan plan = new Plan(xd, wd, cd, yd, algo, bytes);
        Plan raced = PLANS.putIfAbsent(key, plan);
        return raced != null ? raced : plan;
    }

    /** The workspace the chosen algorithm needs, asked for explicitly (the perf struct's figure is a hint). */
    private static long workspaceSize(cudnnContext h, Direction dir, cudnnTensorStruct xd, cudnnFilterStruct wd, cudnnConvolutionStruct cd,
                                      cudnnTensorStruct yd, int algo, long hint) {
        try (SizeTPointer size = new SizeTPointer(1)) {
            switch (dir) {
                case FORWARD: Cudnn.check(cudnn.cudnnGetConvolutionForwardWorkspaceSize(h, xd, wd, cd, yd, algo, size), "cudnnGetConvolutionForwardWorkspaceSize"); break;
                case BACKWARD_DATA: Cudnn.check(cudnn.cudnnGetConvolutionBackwardDataWorkspaceSize(h, wd, yd, cd, xd, algo, size), "cudnnGetConvolutionBackwardDataWorkspaceSize"); break;
                default: Cudnn.check(cudnn.cudnnGetConvolutionBackwardFilterWorkspaceSize(h, xd, yd, cd, wd, algo, size), "cudnnGetConvolutionBackwardFilterWorkspaceSize");
            }
            return Math.max(size.get(), hint);
        }
    }

    private static cudnnTensorStruct biasDescriptor(DType t, int channels) {
        return BIASES.computeIfAbsent(t + " " + channels, k -> Cudnn.tensor("conv2d bias", t, 1, channels, 1, 1));
    }

    private static final Map<String, cudnnTensorStruct> BIASES = new ConcurrentHashMap<>();

    interface WorkspaceUse {
        void run(long address);
    }

    /** Runs {@code use} with a device workspace of {@code bytes} from the caching allocator, returned after the call. */
    static void withWorkspace(CudaDevice dev, long bytes, WorkspaceUse use) {
        if (bytes == 0) {
            use.run(0);
            return;
        }
        if (bytes > Integer.MAX_VALUE) throw new CudaException("cuDNN asked for a workspace of " + bytes + " bytes (over 2 GiB)");
        CudaStorage ws = new CudaStorage(dev, DType.BOOL, (int) bytes);
        try {
            use.run(ws.address(0));
        } finally {
            ws.release();
        }
    }

    /** A JavaCPP pointer to a device address (cuDNN only passes it through). */
    static Pointer ptr(long address) { return new Gemm.At(address); }
}
