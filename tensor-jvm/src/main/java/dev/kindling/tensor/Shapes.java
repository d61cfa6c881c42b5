package dev.kindling.tensor;

import java.util.Arrays;

/** Shape and stride arithmetic shared by every op; no data is touched here. */
public final class Shapes {
    private Shapes() {}

    public static long numel(int[] shape) {
        long n = 1;
        for (int d : shape) n *= d;
        return n;
    }

    /** Row-major strides in elements. */
    public static int[] contiguousStrides(int[] shape) {
        int[] s = new int[shape.length];
        int acc = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            s[i] = acc;
            acc *= Math.max(shape[i], 1);
        }
        return s;
    }

    /** {@code [2, 3]}: how every message in Kindling prints a shape. */
    public static String str(int[] shape) {
        return Arrays.toString(shape);
    }

    /** Normalises a possibly negative dim against a rank, naming the op when it is out of range. */
    public static int dim(String op, int dim, int rank) {
        int r = Math.max(rank, 1); // a 0-d tensor accepts dim 0 and -1, as in PyTorch
        if (dim < -r || dim >= r) {
            throw new IndexOutOfBoundsException(op + ": dim " + dim + " is out of range for a tensor of rank "
                    + rank + " (expected a dim in [" + (-r) + ", " + (r - 1) + "])");
        }
        return dim < 0 ? dim + r : dim;
    }

    /** NumPy broadcasting of two shapes, or an error naming the op and both shapes. */
    public static int[] broadcast(String op, int[] a, int[] b) {
        int n = Math.max(a.length, b.length);
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            int da = i < n - a.length ? 1 : a[i - (n - a.length)];
            int db = i < n - b.length ? 1 : b[i - (n - b.length)];
            if (da != db && da != 1 && db != 1) {
                throw new IllegalArgumentException(op + ": shapes " + str(a) + " and " + str(b)
                        + " cannot be broadcast: size " + da + " and size " + db + " differ at dim " + i
                        + " of the broadcast shape (each dim must match or be 1)");
            }
            out[i] = da == 1 ? db : da;
        }
        return out;
    }

    /** Whether an array of shape {@code from} can be broadcast (expanded) to shape {@code to}. */
    public static boolean expandable(int[] from, int[] to) {
        if (from.length > to.length) return false;
        int lead = to.length - from.length;
        for (int i = 0; i < from.length; i++) if (from[i] != 1 && from[i] != to[lead + i]) return false;
        return true;
    }

    /** Resolves one {@code -1} in a requested shape against a known element count. */
    public static int[] infer(String op, int[] requested, long numel) {
        int[] shape = requested.clone();
        int unknown = -1;
        long known = 1;
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] == -1) {
                if (unknown >= 0) throw new IllegalArgumentException(op + ": only one dim can be -1, got " + str(requested));
                unknown = i;
            } else if (shape[i] < 0) {
                throw new IllegalArgumentException(op + ": invalid size " + shape[i] + " in " + str(requested));
            } else {
                known *= shape[i];
            }
        }
        if (unknown >= 0) {
            if (known == 0 || numel % known != 0) {
                throw new IllegalArgumentException(op + ": shape " + str(requested) + " is invalid for input of size " + numel);
            }
            shape[unknown] = (int) (numel / known);
        } else if (known != numel) {
            throw new IllegalArgumentException(op + ": shape " + str(requested) + " is invalid for input of size " + numel
                    + " (it holds " + known + " elements)");
        }
        return shape;
    }

    /**
     * Strides that let {@code newShape} view the same elements as (shape, strides) without a copy, or
     * null when the existing strides make that impossible (torch's computeStride).
     */
    public static int[] viewStrides(int[] shape, int[] strides, int[] newShape) {
        int[] out = new int[newShape.length];
        if (shape.length == 0 || numel(shape) == 0) return contiguousStrides(newShape);
        int viewD = newShape.length - 1;
        long chunkBase = strides.length == 0 ? 1 : strides[strides.length - 1];
        long tensorNumel = 1, viewNumel = 1;
        for (int d = shape.length - 1; d >= 0; d--) {
            tensorNumel *= shape[d];
            if (d == 0 || (shape[d - 1] != 1 && strides[d - 1] != tensorNumel * chunkBase)) {
                while (viewD >= 0 && (viewNumel < tensorNumel || newShape[viewD] == 1)) {
                    out[viewD] = (int) (viewNumel * chunkBase);
                    viewNumel *= newShape[viewD];
                    viewD--;
                }
                if (viewNumel != tensorNumel) return null;
                if (d > 0) {
                    chunkBase = strides[d - 1];
                    tensorNumel = 1;
                    viewNumel = 1;
                }
            }
        }
        return viewD == -1 ? out : null;
    }

    public static int[] checkedShape(String op, int... shape) {
        for (int d : shape) {
            if (d < 0) throw new IllegalArgumentException(op + ": sizes must be non-negative, got " + str(shape));
        }
        if (numel(shape) > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(op + ": " + str(shape) + " has " + numel(shape)
                    + " elements; a CPU tensor holds at most " + (Integer.MAX_VALUE - 8));
        }
        return shape.clone();
    }
}
