package dev.kindling.tensor;

/** Reductions over one or more dims. */
public enum ReduceOp {
    SUM, PROD, MAX, MIN, MEAN,
    /** True when any element is non-zero (bool result). */
    ANY,
    /** True when every element is non-zero (bool result). */
    ALL;

    /** Computed once: every reduction names itself for its checks before it runs. */
    private final String opName = name().toLowerCase(java.util.Locale.ROOT);

    public String opName() { return opName; }
}
