package dev.kindling.autograd;

import dev.kindling.tensor.BinaryOp;
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
    private static final StackWalker WALKER = StackWalker.getInstance();

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

    /** Packages whose frames are Kindling's own op code; samples, notebooks and user code are not among them. */
    private static final String[] FRAMEWORK_PACKAGES = {
            "dev.kindling.tensor.", "dev.kindling.autograd.", "dev.kindling.nn.", "dev.kindling.cuda.", "dev.kindling.dsl."};

    /**
     * The first stack frame outside Kindling's own op code: the user's line. Tests share the
     * framework's packages, so a class named *Spec or *Test (or their Kotlin file classes) counts as user code.
     */
    static String callerSite() {
        return WALKER.walk(frames -> frames
                .filter(f -> !isFrameworkClass(f.getClassName()))
                .findFirst()
                .map(f -> f.getClassName() + "." + f.getMethodName() + "(" + f.getFileName() + ":" + f.getLineNumber() + ")")
                .orElse("(unknown)"));
    }

    private static boolean isFrameworkClass(String name) {
        if (name.startsWith("java.") || name.startsWith("jdk.")) return true;
        boolean ours = false;
        for (String p : FRAMEWORK_PACKAGES) ours |= name.startsWith(p);
        if (!ours) return false;
        String outer = name.contains("$") ? name.substring(0, name.indexOf('$')) : name;
        if (outer.endsWith("Kt")) outer = outer.substring(0, outer.length() - 2);
        return !(outer.endsWith("Spec") || outer.endsWith("Test"));
    }

    static boolean hasNonFinite(Tensor g) {
        NDArray a = g.data();
        if (!a.dtype().isFloatingPoint() || a.numel() == 0) return false;
        // |x| < inf is false exactly for NaN and for +-Inf.
        NDArray finite = a.unary(UnaryOp.ABS).binary(BinaryOp.LT, Double.POSITIVE_INFINITY);
        return finite.unary(UnaryOp.LOGICAL_NOT).reduce(ReduceOp.ANY, null, false).item() != 0;
    }
}
