package dev.kindling.autograd;

import dev.kindling.tensor.BinaryOp;
import dev.kindling.tensor.CallSites;
import dev.kindling.tensor.NDArray;
import dev.kindling.tensor.ReduceOp;
import dev.kindling.tensor.UnaryOp;

/**
 * Anomaly detection, for finding where a NaN comes from. Inside the scope every recorded op
 * remembers the line of user code that called it, and backward checks every gradient it computes:
 * a NaN or Inf stops it with an {@link AnomalyError} naming the op and that line.
 * <pre>{@code
 * try (var a = Anomaly.detect()) {
 *     model.forward(x).sum().backward();   // AnomalyError: DivBackward returned NaN ... at Train.java:42
 * }
 * }</pre>
 * It costs a stack walk per op and a scan per gradient, so it is for debugging, not training runs.
 */
public final class Anomaly {
    private static final ThreadLocal<boolean[]> ENABLED = ThreadLocal.withInitial(() -> new boolean[]{false});

    private Anomaly() {}

    /** A detection scope for try-with-resources; close() restores the previous setting. */
    public static final class Scope implements AutoCloseable {
        private final boolean previous;
        private boolean closed;

        private Scope() {
            boolean[] cell = ENABLED.get();
            previous = cell[0];
            cell[0] = true;
        }

        @Override
        public void close() {
            if (closed) return;
            closed = true;
            ENABLED.get()[0] = previous;
        }
    }

    public static Scope detect() { return new Scope(); }

    public static boolean isEnabled() { return ENABLED.get()[0]; }

    /** The user's line that called the op being recorded (see {@link CallSites}). */
    static String callerSite() { return CallSites.userFrames(1); }

    static boolean hasNonFinite(Tensor g) {
        NDArray a = g.data();
        if (!a.dtype().isFloatingPoint() || a.numel() == 0) return false;
        // |x| < inf is false exactly for NaN and for +-Inf.
        NDArray finite = a.unary(UnaryOp.ABS).binary(BinaryOp.LT, Double.POSITIVE_INFINITY);
        return finite.unary(UnaryOp.LOGICAL_NOT).reduce(ReduceOp.ANY, null, false).item() != 0;
    }
}
