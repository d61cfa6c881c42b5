package dev.kindling.cuda;

import dev.kindling.tensor.DType;
import org.bytedeco.cuda.cudnn.cudnnContext;
import org.bytedeco.cuda.cudnn.cudnnTensorStruct;
import org.bytedeco.cuda.global.cudnn;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;

/**
 * What every cuDNN call here shares: one handle per device bound to the device's stream (created on
 * first use), status checks that name the call, and the mapping of Kindling dtypes to cuDNN's.
 * libcudnn.so.9 (with its libcudnn_* sub-libraries) is not in the JavaCPP jars: it must be on the
 * library path of the GPU machine (PyTorch's {@code nvidia/cudnn/lib} folder has it).
 */
final class Cudnn {
    private static final Pointer ONE_F = new FloatPointer(1f), ZERO_F = new FloatPointer(0f);
    private static final Pointer ONE_D = new DoublePointer(1.0), ZERO_D = new DoublePointer(0.0);

    private Cudnn() {}

    static void check(int status, String call) {
        if (status != cudnn.CUDNN_STATUS_SUCCESS) {
            throw new CudaException(call + " failed: " + cudnn.cudnnGetErrorString(status).getString() + " (cudnnStatus " + status + ")");
        }
    }

    /** The device's cuDNN handle, on its stream. */
    static cudnnContext handle(CudaDevice dev) { return dev.cudnn(); }

    static cudnnContext create(CudaDevice dev) {
        cudnnContext h = new cudnnContext();
        check(cudnn.cudnnCreate(h), "cudnnCreate on " + dev.device());
        check(cudnn.cudnnSetStream(h, dev.stream()), "cudnnSetStream on " + dev.device());
        return h;
    }

    /** cuDNN's data type for a floating dtype; integers and bools have no cuDNN kernels. */
    static int dataType(String op, DType t) {
        switch (t) {
            case FLOAT32: return cudnn.CUDNN_DATA_FLOAT;
            case FLOAT64: return cudnn.CUDNN_DATA_DOUBLE;
            case FLOAT16: return cudnn.CUDNN_DATA_HALF;
            case BFLOAT16: return cudnn.CUDNN_DATA_BFLOAT16;
            default: throw new IllegalArgumentException(op + " on CUDA needs a floating dtype, got " + t);
        }
    }

    /** The type cuDNN accumulates in: float for the 16-bit types and float32, double for float64. */
    static int computeType(DType t) { return t == DType.FLOAT64 ? cudnn.CUDNN_DATA_DOUBLE : cudnn.CUDNN_DATA_FLOAT; }

    /**
     * Tensor cores for the 16-bit types; plain FMA for float32, so float32 convolutions are not
     * silently computed in TF32 (PyTorch's torch.backends.cudnn.allow_tf32 defaults to true; the CPU
     * comparison bounds here assume full float32).
     */
    static int mathType(DType t) { return t.isHalf() ? cudnn.CUDNN_TENSOR_OP_MATH : cudnn.CUDNN_FMA_MATH; }

    /** The host scalars 1 and 0 in the type cuDNN's alpha/beta take for {@code t} (double for float64, else float). */
    static Pointer one(DType t) { return t == DType.FLOAT64 ? ONE_D : ONE_F; }

    static Pointer zero(DType t) { return t == DType.FLOAT64 ? ZERO_D : ZERO_F; }

    /** A fully packed NCHW-style descriptor of any rank from 3 to 8 (cuDNN wants at least 4 dims for convolutions). */
    static cudnnTensorStruct tensor(String op, DType t, int... dims) {
        cudnnTensorStruct d = new cudnnTensorStruct();
        check(cudnn.cudnnCreateTensorDescriptor(d), "cudnnCreateTensorDescriptor");
        int[] strides = new int[dims.length];
        int s = 1;
        for (int i = dims.length - 1; i >= 0; i--) {
            strides[i] = s;
            s *= dims[i];
        }
        check(cudnn.cudnnSetTensorNdDescriptor(d, dataType(op, t), dims.length, dims, strides), op + ": cudnnSetTensorNdDescriptor");
        return d;
    }
}
