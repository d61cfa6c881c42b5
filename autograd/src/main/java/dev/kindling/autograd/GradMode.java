package dev.kindling.autograd;

/**
 * Whether ops record the graph, per thread. Scopes nest and restore the previous mode on close:
 * <pre>{@code
 * try (var g = GradMode.noGrad()) {
 *     Tensor y = model.forward(x);   // nothing recorded
 * }
 * }</pre>
 */
public final class GradMode {
    private static final ThreadLocal<boolean[]> ENABLED = ThreadLocal.withInitial(() -> new boolean[]{true});

    private GradMode() {}

    /** A mode scope for try-with-resources; close() restores the mode that was active before. */
    public static final class Scope implements AutoCloseable {
        private final boolean previous;
        private boolean closed;

        private Scope(boolean enabled) {
            boolean[] cell = ENABLED.get();
            previous = cell[0];
            cell[0] = enabled;
        }

        @Override
        public void close() {
            if (closed) return;
            closed = true;
            ENABLED.get()[0] = previous;
        }
    }

    public static boolean isEnabled() { return ENABLED.get()[0]; }

    /** Stops recording on this thread until the scope closes. */
    public static Scope noGrad() { return new Scope(false); }

    /** Records again inside a no-grad region until the scope closes. */
    public static Scope enableGrad() { return new Scope(true); }
}
