package dev.kindling.amp;

import dev.kindling.autograd.Tensor;
import dev.kindling.tensor.DType;
import dev.kindling.tensor.Device;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Automatic mixed precision, as {@code torch.autocast}: inside a scope, ops that gain from half
 * precision (matrix products, convolutions) cast their floating inputs to a 16-bit type, and ops
 * that lose accuracy in it (exp, log, pow, softmax, sums, norms, losses) cast them to float32; the
 * rest run in their inputs' type, with ordinary promotion where types mix. Casts are differentiable,
 * so gradients reach float32 parameters in float32. Only float32, float16 and bfloat16 tensors are
 * cast (float64 and integers never are, as in PyTorch), and only tensors on the scope's device type.
 *
 * <pre>{@code
 * try (Autocast ignored = Autocast.enable(Device.Type.CUDA)) {     // float16 on CUDA, bfloat16 on the CPU
 *     Tensor loss = F.crossEntropy(model.forward(x), y);            // linear/conv in float16, the loss in float32
 * }
 * scaler.scale(loss).backward();                                    // outside the scope, as PyTorch recommends
 * }</pre>
 *
 * <p>The op lists are PyTorch's ({@code aten/src/ATen/autocast_mode.cpp}, CUDA and CPU) restricted to
 * the Kindling ops that consult them; {@link #policy(String)} answers for any name. Scopes are per thread and
 * nest; closing one restores what was in force before it. Outside every scope an op pays one read
 * of a static counter.
 */
public final class Autocast implements AutoCloseable {
    /** What autocast does to an op's floating inputs. */
    public enum Policy {
        /** Cast to the scope's 16-bit type (the op accumulates in float32 internally). */
        LOWER_PRECISION,
        /** Cast to float32. */
        FLOAT32,
        /** Leave as they are. */
        UNCHANGED
    }

    /**
     * The ops that cast to the 16-bit type: PyTorch's CUDA lower-precision list, restricted to the Kindling
     * ops that call {@link #cast} (conv1d reaches conv2d). The recurrent layers ("lstm", "gru", "rnnTanh",
     * "rnnRelu": PyTorch's {@code _cudnn_rnn}) cast their input, state and weights; their cells
     * ("lstmCell" ...) are PyTorch's {@code lstm_cell} and friends; attention is
     * {@code scaled_dot_product_attention} and {@code _native_multi_head_attention}.
     */
    public static final Set<String> LOWER_PRECISION_OPS = Set.of("matmul", "mm", "bmm", "linear", "conv2d", "convTranspose2d",
            "lstm", "gru", "rnnTanh", "rnnRelu", "lstmCell", "gruCell", "rnnTanhCell", "rnnReluCell",
            "scaledDotProductAttention", "multiheadAttention");

    /**
     * Lower-precision ops of the CUDA list that PyTorch's CPU list lacks: on the CPU only the LSTM layer is
     * cast ({@code mkldnn_rnn_layer}), never GRU, RNN or the cells.
     */
    public static final Set<String> CUDA_ONLY_OPS = Set.of("gru", "rnnTanh", "rnnRelu", "lstmCell", "gruCell", "rnnTanhCell",
            "rnnReluCell");

    /** The ops that cast to float32: PyTorch's float32 list, restricted to the Kindling ops that call {@link #cast}. */
    public static final Set<String> FLOAT32_OPS = Set.of(
            "exp", "log", "pow", "softmax", "logSoftmax", "sum",
            "mseLoss", "l1Loss", "smoothL1Loss", "huberLoss", "nllLoss", "crossEntropy", "klDiv", "hingeEmbeddingLoss",
            "binaryCrossEntropyWithLogits");

    private static final ThreadLocal<DType[]> STATE = ThreadLocal.withInitial(() -> new DType[Device.Type.values().length]);
    /** Scopes enabling autocast open on any thread: zero means no op needs to look further. */
    private static final AtomicInteger OPEN = new AtomicInteger();

    private final Device.Type deviceType;
    private final DType previous;
    private final boolean counted;
    private boolean closed;

    private Autocast(Device.Type deviceType, DType dtype) {
        DType[] s = STATE.get();
        this.deviceType = deviceType;
        this.previous = s[deviceType.ordinal()];
        this.counted = dtype != null;
        s[deviceType.ordinal()] = dtype;
        if (counted) OPEN.incrementAndGet();
    }

    /** Turns autocast on for {@code deviceType} with PyTorch's default type: float16 on CUDA, bfloat16 on the CPU. */
    public static Autocast enable(Device.Type deviceType) {
        return enable(deviceType, deviceType == Device.Type.CUDA ? DType.FLOAT16 : DType.BFLOAT16);
    }

    /** Turns autocast on for {@code deviceType}, casting lower-precision ops to {@code dtype} (float16 or bfloat16). */
    public static Autocast enable(Device.Type deviceType, DType dtype) {
        if (!dtype.isHalf()) {
            throw new IllegalArgumentException("autocast: the lower-precision type must be FLOAT16 or BFLOAT16, got " + dtype);
        }
        return new Autocast(deviceType, dtype);
    }

    /** A scope with autocast off for {@code deviceType} (torch.autocast(..., enabled=False)), e.g. around a float32-only region. */
    public static Autocast disable(Device.Type deviceType) { return new Autocast(deviceType, null); }

    /** Whether autocast is on for {@code deviceType} on this thread. */
    public static boolean isEnabled(Device.Type deviceType) { return dtype(deviceType) != null; }

    /** The 16-bit type autocast casts to on {@code deviceType} on this thread, or null when it is off. */
    public static DType dtype(Device.Type deviceType) {
        if (OPEN.get() == 0) return null;
        return STATE.get()[deviceType.ordinal()];
    }

    /** Whether any thread has an autocast scope open (one counter read: the ops' fast exit). */
    public static boolean isActive() { return OPEN.get() != 0; }

    /** What autocast does to the inputs of the op named {@code op} on CUDA. */
    public static Policy policy(String op) {
        if (LOWER_PRECISION_OPS.contains(op)) return Policy.LOWER_PRECISION;
        if (FLOAT32_OPS.contains(op)) return Policy.FLOAT32;
        return Policy.UNCHANGED;
    }

    /** What autocast does to the inputs of the op named {@code op} on {@code deviceType} (the CPU list lacks {@link #CUDA_ONLY_OPS}). */
    public static Policy policy(Device.Type deviceType, String op) {
        if (deviceType != Device.Type.CUDA && CUDA_ONLY_OPS.contains(op)) return Policy.UNCHANGED;
        return policy(op);
    }

    /**
     * x as the op named {@code op} should see it under the autocast state of this thread: cast to the
     * scope's 16-bit type or to float32 per {@link #policy}, or x itself (also when x is null, not an
     * eligible floating type, or on a device type without autocast). Ops call this on entry; user ops
     * may too.
     */
    public static Tensor cast(String op, Tensor x) {
        if (x == null || OPEN.get() == 0) return x;
        DType t = x.dtype();
        if (t != DType.FLOAT32 && !t.isHalf()) return x;
        DType lower = STATE.get()[x.device().type().ordinal()];
        if (lower == null) return x;
        switch (policy(x.device().type(), op)) {
            case LOWER_PRECISION: return x.to(lower);
            case FLOAT32: return x.to(DType.FLOAT32);
            default: return x;
        }
    }

    /** Restores the state in force before this scope. */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        STATE.get()[deviceType.ordinal()] = previous;
        if (counted) OPEN.decrementAndGet();
    }
}
