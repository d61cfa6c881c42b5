package dev.kindling.samples;

import dev.kindling.tensor.Generator;

/**
 * An arithmetic expression over the digits 0-9 with + and -, as a binary parse tree; its value is taken
 * modulo 10. The input of {@link DynamicNet}: every expression has its own shape.
 */
sealed interface Expr permits Expr.Digit, Expr.Op {
    /** The value mod 10, in 0..9. */
    int value();

    /** The number of digits (leaves). */
    int leaves();

    record Digit(int digit) implements Expr {
        public int value() { return digit; }

        public int leaves() { return 1; }

        @Override
        public String toString() { return Integer.toString(digit); }
    }

    record Op(char op, Expr left, Expr right) implements Expr {
        public int value() { return Math.floorMod(op == '+' ? left.value() + right.value() : left.value() - right.value(), 10); }

        public int leaves() { return left.leaves() + right.leaves(); }

        @Override
        public String toString() { return "(" + left + " " + op + " " + right + ")"; }
    }

    /** A random expression with exactly {@code leaves} digits: the split point and the operators are uniform. */
    static Expr random(Generator g, int leaves) {
        if (leaves == 1) return new Digit((int) g.nextLong(0, 10));
        int left = (int) g.nextLong(1, leaves);
        return new Op(g.nextDouble() < 0.5 ? '+' : '-', random(g, left), random(g, leaves - left));
    }
}
