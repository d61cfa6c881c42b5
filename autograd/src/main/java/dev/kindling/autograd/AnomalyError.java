package dev.kindling.autograd;

/** Thrown by backward under {@link Anomaly#detect()}: names the failing op and where its forward ran. */
public final class AnomalyError extends RuntimeException {
    private final String op;
    private final String forwardSite;

    AnomalyError(String op, String forwardSite, String message) {
        super(message);
        this.op = op;
        this.forwardSite = forwardSite;
    }

    AnomalyError(String op, String forwardSite, String message, Throwable cause) {
        super(message, cause);
        this.op = op;
        this.forwardSite = forwardSite;
    }

    /** The backward node that failed, e.g. {@code "DivBackward"}. */
    public String op() { return op; }

    /**
     * The user's line whose forward op recorded that node, as a stack frame
     * ({@code Train.main(Train.java:42)}), or null when the graph was recorded outside {@link Anomaly#detect()}.
     */
    public String forwardSite() { return forwardSite; }
}
