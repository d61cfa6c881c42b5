package dev.kindling.tensor;

/** Elementwise functions of one operand. {@code apply} is the reference every backend must match. */
public enum UnaryOp {
    NEG(false) { public double apply(double x) { return -x; } public long applyLong(long x) { return -x; } },
    ABS(false) { public double apply(double x) { return Math.abs(x); } public long applyLong(long x) { return Math.abs(x); } },
    SIGN(false) { public double apply(double x) { return Math.signum(x); } public long applyLong(long x) { return Long.signum(x); } },
    SQUARE(false) { public double apply(double x) { return x * x; } public long applyLong(long x) { return x * x; } },
    RELU(false) { public double apply(double x) { return x > 0 ? x : (x == x ? 0 : x); } public long applyLong(long x) { return Math.max(x, 0); } },
    EXP(true) { public double apply(double x) { return Math.exp(x); } },
    EXPM1(true) { public double apply(double x) { return Math.expm1(x); } },
    LOG(true) { public double apply(double x) { return Math.log(x); } },
    LOG1P(true) { public double apply(double x) { return Math.log1p(x); } },
    SQRT(true) { public double apply(double x) { return Math.sqrt(x); } },
    RSQRT(true) { public double apply(double x) { return 1.0 / Math.sqrt(x); } },
    RECIPROCAL(true) { public double apply(double x) { return 1.0 / x; } },
    SIN(true) { public double apply(double x) { return Math.sin(x); } },
    COS(true) { public double apply(double x) { return Math.cos(x); } },
    TAN(true) { public double apply(double x) { return Math.tan(x); } },
    TANH(true) { public double apply(double x) { return Math.tanh(x); } },
    ERF(true) { public double apply(double x) { return SpecialFunctions.erf(x); } },
    SIGMOID(true) {
        public double apply(double x) {
            // Split by sign so exp never overflows.
            if (x >= 0) return 1.0 / (1.0 + Math.exp(-x));
            double e = Math.exp(x);
            return e / (1.0 + e);
        }
    },
    FLOOR(false) { public double apply(double x) { return Math.floor(x); } public long applyLong(long x) { return x; } },
    CEIL(false) { public double apply(double x) { return Math.ceil(x); } public long applyLong(long x) { return x; } },
    ROUND(false) { public double apply(double x) { return Math.rint(x); } public long applyLong(long x) { return x; } },
    TRUNC(false) { public double apply(double x) { return x < 0 ? Math.ceil(x) : Math.floor(x); } public long applyLong(long x) { return x; } },
    LOGICAL_NOT(false) { public double apply(double x) { return x == 0 ? 1 : 0; } public long applyLong(long x) { return x == 0 ? 1 : 0; } };

    private final boolean floatResult;
    /** Computed once: every op names itself for its checks before it runs, so this is on every call's path. */
    private final String opName = name().toLowerCase(java.util.Locale.ROOT);
    private final String inPlaceName = opName + "_";

    UnaryOp(boolean floatResult) { this.floatResult = floatResult; }

    /** True when an integer input is first converted to the default float type (exp of an int is a float). */
    public boolean floatResult() { return floatResult; }

    public String opName() { return opName; }

    /** The in-place form's name ("relu_"), for its checks' messages. */
    public String inPlaceName() { return inPlaceName; }

    public abstract double apply(double x);

    /** The integer form; only called for ops whose {@link #floatResult()} is false. */
    public long applyLong(long x) { throw new UnsupportedOperationException(opName() + " on integers"); }
}
