package dev.kindling.autograd;

/** Thrown by {@link GradCheck} when analytical and numerical gradients disagree; names the worst element. */
public final class GradcheckError extends RuntimeException {
    GradcheckError(String message) { super(message); }
}
