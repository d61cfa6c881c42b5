package dev.kindling.tensor;

/** Elementwise functions of two operands. {@code apply} is the reference every backend must match. */
public enum BinaryOp {
    ADD(Kind.ARITHMETIC) { public double apply(double a, double b) { return a + b; } public long applyLong(long a, long b) { return a + b; } },
    SUB(Kind.ARITHMETIC) { public double apply(double a, double b) { return a - b; } public long applyLong(long a, long b) { return a - b; } },
    MUL(Kind.ARITHMETIC) { public double apply(double a, double b) { return a * b; } public long applyLong(long a, long b) { return a * b; } },
    /** True division: integers divide as floats, as torch.div does. */
    DIV(Kind.FLOAT_RESULT) { public double apply(double a, double b) { return a / b; } },
    POW(Kind.ARITHMETIC) {
        public double apply(double a, double b) { return Math.pow(a, b); }
        public long applyLong(long a, long b) {
            if (b < 0) throw new ArithmeticException("pow: integers to negative powers are not allowed");
            long r = 1;
            for (long base = a, e = b; e > 0; e >>= 1, base *= base) if ((e & 1) != 0) r *= base;
            return r;
        }
    },
    MAXIMUM(Kind.ARITHMETIC) {
        public double apply(double a, double b) { return a != a || b != b ? Double.NaN : Math.max(a, b); }
        public long applyLong(long a, long b) { return Math.max(a, b); }
    },
    MINIMUM(Kind.ARITHMETIC) {
        public double apply(double a, double b) { return a != a || b != b ? Double.NaN : Math.min(a, b); }
        public long applyLong(long a, long b) { return Math.min(a, b); }
    },
    /** Python's %: the result takes the divisor's sign (torch.remainder). */
    REMAINDER(Kind.ARITHMETIC) {
        public double apply(double a, double b) { double r = a % b; return r != 0 && (r < 0) != (b < 0) ? r + b : r; }
        public long applyLong(long a, long b) {
            if (b == 0) throw new ArithmeticException("remainder: integer division by zero");
            return Math.floorMod(a, b);
        }
    },
    ATAN2(Kind.FLOAT_RESULT) { public double apply(double a, double b) { return Math.atan2(a, b); } },
    EQ(Kind.COMPARISON) { public double apply(double a, double b) { return a == b ? 1 : 0; } public long applyLong(long a, long b) { return a == b ? 1 : 0; } },
    NE(Kind.COMPARISON) { public double apply(double a, double b) { return a != b ? 1 : 0; } public long applyLong(long a, long b) { return a != b ? 1 : 0; } },
    LT(Kind.COMPARISON) { public double apply(double a, double b) { return a < b ? 1 : 0; } public long applyLong(long a, long b) { return a < b ? 1 : 0; } },
    LE(Kind.COMPARISON) { public double apply(double a, double b) { return a <= b ? 1 : 0; } public long applyLong(long a, long b) { return a <= b ? 1 : 0; } },
    GT(Kind.COMPARISON) { public double apply(double a, double b) { return a > b ? 1 : 0; } public long applyLong(long a, long b) { return a > b ? 1 : 0; } },
    GE(Kind.COMPARISON) { public double apply(double a, double b) { return a >= b ? 1 : 0; } public long applyLong(long a, long b) { return a >= b ? 1 : 0; } },
    LOGICAL_AND(Kind.LOGICAL) { public double apply(double a, double b) { return a != 0 && b != 0 ? 1 : 0; } public long applyLong(long a, long b) { return a != 0 && b != 0 ? 1 : 0; } },
    LOGICAL_OR(Kind.LOGICAL) { public double apply(double a, double b) { return a != 0 || b != 0 ? 1 : 0; } public long applyLong(long a, long b) { return a != 0 || b != 0 ? 1 : 0; } },
    LOGICAL_XOR(Kind.LOGICAL) { public double apply(double a, double b) { return (a != 0) != (b != 0) ? 1 : 0; } public long applyLong(long a, long b) { return (a != 0) != (b != 0) ? 1 : 0; } };

    /** How an op's result dtype relates to its operands'. */
    public enum Kind {
        /** Result has the promoted type. */
        ARITHMETIC,
        /** Result has the promoted type, or the default float type when that is integral. */
        FLOAT_RESULT,
        /** Computed in the promoted type, result is bool. */
        COMPARISON,
        /** Operands read as truth values, result is bool. */
        LOGICAL
    }

    private final Kind kind;
    /** Computed once: every op names itself for its checks before it runs, so this is on every call's path. */
    private final String opName = name().toLowerCase(java.util.Locale.ROOT);
    private final String inPlaceName = opName + "_";

    BinaryOp(Kind kind) { this.kind = kind; }

    public Kind kind() { return kind; }

    public boolean boolResult() { return kind == Kind.COMPARISON || kind == Kind.LOGICAL; }

    public String opName() { return opName; }

    /** The in-place form's name ("add_"), for its checks' messages. */
    public String inPlaceName() { return inPlaceName; }

    public abstract double apply(double a, double b);

    public long applyLong(long a, long b) { throw new UnsupportedOperationException(opName() + " on integers"); }
}
