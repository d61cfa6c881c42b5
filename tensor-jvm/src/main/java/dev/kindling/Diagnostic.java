package dev.kindling;

/**
 * One section of {@link Kindling#doctor()}, contributed by a module found at run time (the CUDA
 * backend registers one through {@code META-INF/services/dev.kindling.Diagnostic}).
 */
public interface Diagnostic {
    /** The report: a title line, then indented lines of facts; never throws. */
    String report();
}
