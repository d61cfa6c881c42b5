package dev.kindling.tensor;

/** Reductions over one or more dims. */
public enum ReduceOp {
    SUM, PROD, MAX, MIN, MEAN,
    /** True when any element is non-zero (bool result). */
    ANY,
    /** True when every element is non-zero (bool result). */
    ALL;

    public String opName() { return name().toLowerCase(java.util.Locale.ROOT); }
}
