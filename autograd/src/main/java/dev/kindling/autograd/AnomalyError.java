package dev.kindling.autograd;

/** Thrown by backward under {@link Anomaly#detect()}: names the failing op and where its forward ran. */
public final class AnomalyError extends RuntimeException {
    AnomalyError(String message) { super(message); }

    AnomalyError(String message, Throwable cause) { super(message, cause); }
}
