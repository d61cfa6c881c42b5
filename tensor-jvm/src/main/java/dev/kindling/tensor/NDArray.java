package dev.kindling.tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A strided n-dimensional array: a {@link Storage} plus shape, strides and offset (all in elements).
 * Views (reshape when possible, permute, transpose, expand, narrow, slice, select, squeeze,
 * unsqueeze, unfold) share storage. Every op checks its arguments here, in one place, and then runs
 * on the {@link Backend} of the array's device. This is the engine room under the user-facing
 * {@code Tensor}; it knows nothing of gradients.
 */
public final class NDArray {
    private final Storage storage;
    private final int[] shape;
    private final int[] strides;
    private final int offset;
    private final boolean contiguous;

    public NDArray(Storage storage, int[] shape, int[] strides, int offset) {
        this.storage = storage;
        this.shape = shape;
        this.strides = strides;
        this.offset = offset;
        this.contiguous = computeContiguous(shape, strides);
    }

    // ------------------------------------------------------------------ creation

    /** Zero-filled contiguous array. */
    public static NDArray zeros(DType dtype, Device device, int... shape) {
        int[] s = Shapes.checkedShape("zeros", shape);
        Storage st = Backends.of(device).allocate(device, dtype, (int) Shapes.numel(s));
        return new NDArray(st, s, Shapes.contiguousStrides(s), 0);
    }

    public static NDArray zeros(DType dtype, int... shape) { return zeros(dtype, Device.CPU, shape); }

    public static NDArray full(double value, DType dtype, Device device, int... shape) {
        NDArray a = zeros(dtype, device, shape);
        if (value != 0) a.backend().fill(a, value);
        return a;
    }

    public static NDArray full(double value, DType dtype, int... shape) { return full(value, dtype, Device.CPU, shape); }

    public static NDArray ones(DType dtype, int... shape) { return full(1, dtype, shape); }

    public static NDArray scalar(double value, DType dtype) { return full(value, dtype); }

    /** Wraps a copy of {@code data} with the given shape; the array type picks the dtype. */
    public static NDArray of(Object data, int... shape) {
        int length = java.lang.reflect.Array.getLength(data);
        int[] s = Shapes.checkedShape("of", shape);
        if (Shapes.numel(s) != length) {
            throw new IllegalArgumentException("of: " + length + " values cannot fill shape " + Shapes.str(s)
                    + " (" + Shapes.numel(s) + " elements)");
        }
        Storage st = Backends.of(Device.CPU).fromArray(Device.CPU, data);
        return new NDArray(st, s, Shapes.contiguousStrides(s), 0);
    }

    public static NDArray of(float[] data, int... shape) { return of((Object) data, shape); }

    public static NDArray of(double[] data, int... shape) { return of((Object) data, shape); }

    public static NDArray of(int[] data, int... shape) { return of((Object) data, shape); }

    public static NDArray of(long[] data, int... shape) { return of((Object) data, shape); }

    public static NDArray of(boolean[] data, int... shape) { return of((Object) data, shape); }

    /** Values start, start+step, ... below end (above end for a negative step). */
    public static NDArray arange(double start, double end, double step, DType dtype) {
        if (step == 0) throw new IllegalArgumentException("arange: step must be non-zero");
        if (!Double.isFinite(start) || !Double.isFinite(end)) {
            throw new IllegalArgumentException("arange: start and end must be finite, got " + start + " and " + end);
        }
        long n = (long) Math.ceil((end - start) / step);
        if (n < 0) {
            throw new IllegalArgumentException("arange: step " + step + " moves away from end (start " + start + ", end " + end + ")");
        }
        double[] v = new double[Math.toIntExact(n)];
        for (int i = 0; i < v.length; i++) v[i] = start + i * step;
        return of(v, v.length).to(dtype);
    }

    /** {@code steps} values evenly spaced from start to end inclusive. */
    public static NDArray linspace(double start, double end, int steps, DType dtype) {
        if (steps < 0) throw new IllegalArgumentException("linspace: steps must be non-negative, got " + steps);
        double[] v = new double[steps];
        double step = steps > 1 ? (end - start) / (steps - 1) : 0;
        // Fill from both ends, as PyTorch does, so the last value is exactly `end`; a single step is
        // `start` (PyTorch special-cases it), which the back half's formula would turn into `end`.
        int half = steps == 1 ? 1 : steps / 2;
        for (int i = 0; i < steps; i++) v[i] = i < half ? start + step * i : end - step * (steps - 1 - i);
        return of(v, steps).to(dtype);
    }

    public static NDArray eye(int n, int m, DType dtype) {
        NDArray a = zeros(dtype, n, m);
        int k = Math.min(n, m);
        if (k > 0) new NDArray(a.storage, new int[]{k}, new int[]{m + 1}, 0).fill_(1);
        return a;
    }

    /** Uniform samples in [0, 1). */
    public static NDArray rand(Generator g, DType dtype, int... shape) {
        requireFloat("rand", dtype);
        int[] s = Shapes.checkedShape("rand", shape);
        double[] v = new double[(int) Shapes.numel(s)];
        // Doubles within 2^-25 of 1 round to 1.0f (within 2^-12 to a float16 1.0); capping them at the
        // dtype's largest value below 1 keeps samples in [0, 1) without changing any other draw.
        double top = HalfFloats.largestBelowOne(dtype);
        g.nextDoubles(v, 0, v.length);
        for (int i = 0; i < v.length; i++) v[i] = Math.min(v[i], top);
        return of(v, s).to(dtype);
    }

    /** Standard normal samples. */
    public static NDArray randn(Generator g, DType dtype, int... shape) {
        requireFloat("randn", dtype);
        int[] s = Shapes.checkedShape("randn", shape);
        double[] v = new double[(int) Shapes.numel(s)];
        g.nextGaussians(v, 0, v.length);
        return of(v, s).to(dtype);
    }

    /** Uniform integers in [low, high). */
    public static NDArray randint(Generator g, long low, long high, DType dtype, int... shape) {
        if (high <= low) throw new IllegalArgumentException("randint: low " + low + " must be below high " + high);
        int[] s = Shapes.checkedShape("randint", shape);
        long[] v = new long[(int) Shapes.numel(s)];
        for (int i = 0; i < v.length; i++) v[i] = g.nextLong(low, high);
        return of(v, s).to(dtype);
    }

    /** 1 with probability p[i], else 0, in p's dtype (torch.bernoulli). */
    public static NDArray bernoulli(Generator g, NDArray p) {
        double[] probs = p.toDoubleArray();
        for (int i = 0; i < probs.length; i++) {
            if (!(probs[i] >= 0 && probs[i] <= 1)) {
                throw new IllegalArgumentException("bernoulli: probabilities must lie in [0, 1], got " + probs[i] + " at flat index " + i);
            }
        }
        double[] v = new double[probs.length];
        g.nextDoubles(v, 0, v.length);
        for (int i = 0; i < v.length; i++) v[i] = v[i] < probs[i] ? 1 : 0;
        return of(v, p.shape()).to(p.dtype().isFloatingPoint() ? p.dtype() : DType.FLOAT32);
    }

    private static void requireFloat(String op, DType dtype) {
        if (!dtype.isFloatingPoint()) {
            throw new IllegalArgumentException(op + ": needs a floating point dtype, got " + dtype);
        }
    }

    // ------------------------------------------------------------------ metadata

    public Storage storage() { return storage; }

    public int[] shape() { return shape.clone(); }

    public int size(int dim) { return shape[Shapes.dim("size", dim, shape.length)]; }

    public int[] strides() { return strides.clone(); }

    public int offset() { return offset; }

    public int dim() { return shape.length; }

    public long numel() { return Shapes.numel(shape); }

    public DType dtype() { return storage.dtype(); }

    public Device device() { return storage.device(); }

    public Backend backend() { return Backends.of(storage.device()); }

    /** The shape array itself, for kernels on hot paths: callers must not modify it. */
    public int[] shapeRef() { return shape; }

    /** The strides array itself, for kernels on hot paths: callers must not modify it. */
    public int[] stridesRef() { return strides; }

    /** Row-major contiguous (offset may be non-zero). An empty array is contiguous, as in PyTorch. */
    public boolean isContiguous() { return contiguous; }

    /** Contiguous from its storage's first element to its last: writing every element of it rewrites the whole storage. */
    public boolean coversStorage() { return contiguous && offset == 0 && storage.size() == numel(); }

    private static boolean computeContiguous(int[] shape, int[] strides) {
        // Without this, a fresh [4, 0] array (strides [1, 1]) would call itself non-contiguous.
        if (Shapes.numel(shape) == 0) return true;
        int expected = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            if (shape[i] == 1) continue;
            if (strides[i] != expected) return false;
            expected *= shape[i];
        }
        return true;
    }

    /** Shares storage with {@code other}. */
    public boolean sharesStorage(NDArray other) { return storage == other.storage; }

    // ------------------------------------------------------------------ conversion and data out

    public NDArray to(DType dtype) {
        if (dtype == dtype()) return this;
        NDArray out = zeros(dtype, device(), shape);
        backend().copy(this, out);
        return out;
    }

    public NDArray to(Device device) {
        if (device.equals(device())) return this;
        if (!device.isCpu() && !device().isCpu()) return to(Device.CPU).to(device);
        // toArray gives the view's elements in row-major order, whatever its strides.
        Object host = backend().toArray(this);
        if (device.isCpu()) return of(host, shape);
        Storage st = Backends.of(device).fromArray(device, host);
        return new NDArray(st, shape.clone(), Shapes.contiguousStrides(shape), 0);
    }

    /** This array if contiguous, else a contiguous copy. */
    public NDArray contiguous() {
        if (isContiguous()) return this;
        return copy();
    }

    /** A fresh contiguous copy. */
    public NDArray copy() {
        NDArray out = zeros(dtype(), device(), shape);
        backend().copy(this, out);
        return out;
    }

    /** In place: copies (and converts) src, broadcast to this shape, into this array. */
    public NDArray copy_(NDArray src) {
        checkWritable("copy_");
        checkDevice("copy_", src);
        if (!Arrays.equals(Shapes.broadcast("copy_", src.shape, shape), shape)) {
            throw new IllegalArgumentException("copy_: source shape " + Shapes.str(src.shape)
                    + " cannot be broadcast to destination shape " + Shapes.str(shape));
        }
        backend().copy(src.expand(shape), this);
        storage.bumpVersion();
        return this;
    }

    public NDArray fill_(double value) {
        checkWritable("fill_");
        backend().fill(this, value);
        storage.bumpVersion();
        return this;
    }

    public float[] toFloatArray() { return (float[]) to(DType.FLOAT32).hostArray(); }

    public double[] toDoubleArray() { return (double[]) to(DType.FLOAT64).hostArray(); }

    public long[] toLongArray() { return (long[]) to(DType.INT64).hostArray(); }

    public int[] toIntArray() { return (int[]) to(DType.INT32).hostArray(); }

    public boolean[] toBooleanArray() { return (boolean[]) to(DType.BOOL).hostArray(); }

    private Object hostArray() { return backend().toArray(this); }

    /** The value of a one-element array. */
    public double item() {
        if (numel() != 1) {
            throw new IllegalArgumentException("item: only a one-element tensor converts to a number, this one has shape "
                    + Shapes.str(shape) + " (" + numel() + " elements)");
        }
        return toDoubleArray()[0];
    }

    /** The element at a full index (negative indices count from the end). */
    public double get(int... index) {
        if (index.length != shape.length) {
            throw new IllegalArgumentException("get: " + index.length + " indices for a tensor of rank " + shape.length);
        }
        NDArray v = this;
        for (int i = 0; i < index.length; i++) v = v.select(0, index[i]);
        return v.item();
    }

    // ------------------------------------------------------------------ views

    private NDArray view(int[] newShape, int[] newStrides, int newOffset) {
        return new NDArray(storage, newShape, newStrides, newOffset);
    }

    /**
     * Strides that view this array's elements in shape s, or null where no view can. A dense array takes
     * s's own dense strides: most reshapes are of those, and the general walk (Shapes.viewStrides) is a
     * branchy loop C2 compiled three times over in a training run's first steps as shapes came and went.
     */
    private int[] viewStridesFor(int[] s) {
        return contiguous ? Shapes.contiguousStrides(s) : Shapes.viewStrides(shape, strides, s);
    }

    /** Same elements in a new shape; a view when the strides allow it, else a copy (torch.reshape). */
    public NDArray reshape(int... newShape) {
        int[] s = Shapes.infer("reshape", newShape, numel());
        int[] st = viewStridesFor(s);
        if (st != null) return view(s, st, offset);
        return copy().reshape(s);
    }

    /** Like reshape, but fails instead of copying (torch.view). */
    public NDArray view(int... newShape) {
        int[] s = Shapes.infer("view", newShape, numel());
        int[] st = viewStridesFor(s);
        if (st == null) {
            throw new IllegalArgumentException("view: shape " + Shapes.str(newShape) + " is incompatible with the strides "
                    + Shapes.str(strides) + " of a tensor of shape " + Shapes.str(shape) + "; use reshape (which copies) instead");
        }
        return view(s, st, offset);
    }

    public NDArray permute(int... dims) {
        if (dims.length != shape.length) {
            throw new IllegalArgumentException("permute: " + Arrays.toString(dims) + " names " + dims.length
                    + " dims for a tensor of shape " + Shapes.str(shape));
        }
        int[] s = new int[dims.length], st = new int[dims.length];
        boolean[] seen = new boolean[dims.length];
        for (int i = 0; i < dims.length; i++) {
            int d = Shapes.dim("permute", dims[i], shape.length);
            if (seen[d]) throw new IllegalArgumentException("permute: dim " + d + " repeats in " + Arrays.toString(dims));
            seen[d] = true;
            s[i] = shape[d];
            st[i] = strides[d];
        }
        return view(s, st, offset);
    }

    public NDArray transpose(int d0, int d1) {
        if (shape.length == 0) return this;
        int a = Shapes.dim("transpose", d0, shape.length), b = Shapes.dim("transpose", d1, shape.length);
        int[] s = shape.clone(), st = strides.clone();
        s[a] = shape[b];
        s[b] = shape[a];
        st[a] = strides[b];
        st[b] = strides[a];
        return view(s, st, offset);
    }

    /** Transpose of a matrix; 0-d and 1-d arrays come back unchanged (torch.t). */
    public NDArray t() {
        if (shape.length > 2) {
            throw new IllegalArgumentException("t: expects a tensor of at most 2 dims, got shape " + Shapes.str(shape)
                    + "; use transpose(dim0, dim1) or permute");
        }
        return shape.length < 2 ? this : transpose(0, 1);
    }

    /** Broadcast view with zero strides on expanded dims; -1 keeps a size. */
    public NDArray expand(int... newShape) {
        if (newShape.length < shape.length) {
            throw new IllegalArgumentException("expand: target " + Shapes.str(newShape) + " has fewer dims than the tensor's shape "
                    + Shapes.str(shape));
        }
        int lead = newShape.length - shape.length;
        int[] s = new int[newShape.length], st = new int[newShape.length];
        for (int i = 0; i < newShape.length; i++) {
            int want = newShape[i];
            if (i < lead) {
                if (want < 0) throw new IllegalArgumentException("expand: -1 is not allowed for the new leading dim " + i);
                s[i] = want;
                st[i] = 0;
                continue;
            }
            int have = shape[i - lead];
            if (want == -1) want = have;
            if (have == want) {
                s[i] = have;
                st[i] = strides[i - lead];
            } else if (have == 1) {
                s[i] = want;
                st[i] = 0;
            } else {
                throw new IllegalArgumentException("expand: the size " + have + " at dim " + (i - lead) + " of shape "
                        + Shapes.str(shape) + " must be 1 to expand to " + want + " (target " + Shapes.str(newShape) + ")");
            }
        }
        return view(s, st, offset);
    }

    /** Elements start .. start+length-1 along dim, as a view. */
    public NDArray narrow(int dim, int start, int length) {
        int d = Shapes.dim("narrow", dim, shape.length);
        if (start < 0) start += shape[d];
        if (start < 0 || length < 0 || start + length > shape[d]) {
            throw new IndexOutOfBoundsException("narrow: start " + start + " and length " + length + " exceed the size "
                    + shape[d] + " of dim " + d + " (shape " + Shapes.str(shape) + ")");
        }
        int[] s = shape.clone();
        s[d] = length;
        return view(s, strides.clone(), offset + start * strides[d]);
    }

    /** Python slicing {@code x[start:end:step]} along dim: bounds clamp, negatives count from the end. */
    public NDArray slice(int dim, int start, int end, int step) {
        int d = Shapes.dim("slice", dim, shape.length);
        if (step <= 0) throw new IllegalArgumentException("slice: step must be positive, got " + step);
        int n = shape[d];
        if (start < 0) start += n;
        if (end < 0) end += n;
        start = Math.max(0, Math.min(start, n));
        end = Math.max(start, Math.min(end, n));
        int[] s = shape.clone(), st = strides.clone();
        s[d] = (end - start + step - 1) / step;
        st[d] = strides[d] * step;
        return view(s, st, offset + start * strides[d]);
    }

    /** The slice at {@code index} along dim, dropping that dim. */
    public NDArray select(int dim, int index) {
        int d = Shapes.dim("select", dim, shape.length);
        if (shape.length == 0) throw new IllegalArgumentException("select: cannot index a 0-d tensor");
        int n = shape[d];
        if (index < -n || index >= n) {
            throw new IndexOutOfBoundsException("select: index " + index + " is out of range for dim " + d + " of size " + n
                    + " (shape " + Shapes.str(shape) + ")");
        }
        if (index < 0) index += n;
        return view(remove(shape, d), remove(strides, d), offset + index * strides[d]);
    }

    public NDArray squeeze() {
        int k = 0;
        for (int v : shape) if (v != 1) k++;
        int[] s = new int[k], st = new int[k];
        for (int i = 0, j = 0; i < shape.length; i++) {
            if (shape[i] != 1) {
                s[j] = shape[i];
                st[j++] = strides[i];
            }
        }
        return view(s, st, offset);
    }

    /** Removes dim if its size is 1, else returns this unchanged (as torch.squeeze(dim)). */
    public NDArray squeeze(int dim) {
        if (shape.length == 0) return this;
        int d = Shapes.dim("squeeze", dim, shape.length);
        if (shape[d] != 1) return this;
        return view(remove(shape, d), remove(strides, d), offset);
    }

    public NDArray unsqueeze(int dim) {
        int d = Shapes.dim("unsqueeze", dim, shape.length + 1);
        int stride = d < shape.length ? shape[d] * strides[d] : 1;
        return view(insert(shape, d, 1), insert(strides, d, stride), offset);
    }

    /** Merges dims startDim..endDim into one (a view when possible). */
    public NDArray flatten(int startDim, int endDim) {
        if (shape.length == 0) return reshape(1);
        int a = Shapes.dim("flatten", startDim, shape.length), b = Shapes.dim("flatten", endDim, shape.length);
        if (a > b) throw new IllegalArgumentException("flatten: start dim " + startDim + " comes after end dim " + endDim);
        int[] s = new int[shape.length - (b - a)];
        int m = 1;
        for (int i = a; i <= b; i++) m *= shape[i];
        for (int i = 0, j = 0; i < shape.length; i++) {
            if (i < a || i > b) s[j++] = shape[i];
            else if (i == a) s[j++] = m;
        }
        return reshape(s);
    }

    public NDArray flatten() { return flatten(0, -1); }

    /** Sliding windows of {@code size} with {@code step} along dim, as a new last dim (torch.unfold). */
    public NDArray unfold(int dim, int size, int step) {
        int d = Shapes.dim("unfold", dim, shape.length);
        int n = shape.length == 0 ? 1 : shape[d];
        if (size < 0 || size > n) {
            throw new IllegalArgumentException("unfold: size " + size + " exceeds the size " + n + " of dim " + d);
        }
        if (step <= 0) throw new IllegalArgumentException("unfold: step must be positive, got " + step);
        int[] s = Arrays.copyOf(shape, shape.length + 1), st = Arrays.copyOf(strides, strides.length + 1);
        s[d] = (n - size) / step + 1;
        st[d] = strides[d] * step;
        s[shape.length] = size;
        st[shape.length] = strides[d];
        return view(s, st, offset);
    }

    public NDArray diagonal() {
        if (shape.length != 2) throw new IllegalArgumentException("diagonal: expects a matrix, got shape " + Shapes.str(shape));
        return view(new int[]{Math.min(shape[0], shape[1])}, new int[]{strides[0] + strides[1]}, offset);
    }

    // ------------------------------------------------------------------ elementwise

    /**
     * this * sign(s), broadcasting as {@link #binary}: the gradient of relu (s its output) and of abs
     * (s its input), in one pass where the backend fuses it.
     */
    public NDArray mulSign(NDArray s) {
        checkDevice("mulSign", s);
        if (s.dtype() != dtype() || !dtype().isFloatingPoint() || !Arrays.equals(shape, s.shape)) {
            Shapes.broadcast("mulSign", shape, s.shape); // so a mismatch is reported as this op's
            return binary(BinaryOp.MUL, s.unary(UnaryOp.SIGN));
        }
        NDArray out = zeros(dtype(), device(), shape);
        backend().mulSign(this, s, out);
        return out;
    }

    /**
     * this *= sign(s) in place, returning this: one fused pass when s has this array's shape and
     * floating dtype and this is contiguous, otherwise {@code binary_(MUL, s.sign())} with its broadcasting
     * and type rules. Bumps the version. s may be this but must not otherwise overlap it.
     */
    public NDArray mulSign_(NDArray s) {
        checkWritable("mulSign_");
        checkDevice("mulSign_", s);
        if (s.dtype() != dtype() || !dtype().isFloatingPoint() || !Arrays.equals(shape, s.shape) || !isContiguous()) {
            NDArray sign = s.unary(UnaryOp.SIGN);
            checkInPlaceBinary("mulSign_", BinaryOp.MUL, sign); // so a mismatch is reported as this op's
            return binary_(BinaryOp.MUL, sign);
        }
        backend().mulSign(this, s, this);
        storage.bumpVersion();
        return this;
    }

    public NDArray unary(UnaryOp op) {
        NDArray x = op.floatResult() && !dtype().isFloatingPoint() ? to(DType.FLOAT32) : this;
        if (op == UnaryOp.LOGICAL_NOT) x = to(DType.BOOL);
        NDArray out = zeros(x.dtype(), device(), shape);
        backend().unary(op, x, out);
        return out;
    }

    public NDArray unary_(UnaryOp op) {
        checkWritable(op.inPlaceName());
        if (op.floatResult() && !dtype().isFloatingPoint()) {
            throw new IllegalArgumentException(op.opName() + "_: result type float cannot be stored in place in a "
                    + dtype() + " tensor");
        }
        backend().unary(op, this, this);
        storage.bumpVersion();
        return this;
    }

    /** The result dtype of a binary op on two arrays (PyTorch's promotion, 0-d arrays as scalars). */
    public static DType resultType(NDArray a, NDArray b) {
        boolean az = a.dim() == 0, bz = b.dim() == 0;
        if (az == bz) return DType.promote(a.dtype(), b.dtype());
        NDArray dimensioned = az ? b : a, zeroDim = az ? a : b;
        if (zeroDim.dtype().category().ordinal() > dimensioned.dtype().category().ordinal()) return zeroDim.dtype();
        return dimensioned.dtype();
    }

    /** The dtype an op computes in, given its operands' promoted type. */
    private static DType computeType(BinaryOp op, DType promoted) {
        switch (op.kind()) {
            case FLOAT_RESULT: return promoted.isFloatingPoint() ? promoted : DType.FLOAT32;
            case LOGICAL: return DType.BOOL;
            default: return promoted;
        }
    }

    public NDArray binary(BinaryOp op, NDArray other) {
        checkDevice(op.opName(), other);
        if (op.kind() == BinaryOp.Kind.ARITHMETIC && other.dtype() == dtype() && Arrays.equals(shape, other.shape)) {
            // The common case, kept lean because tiny-tensor code pays this per op: no broadcast, no cast.
            NDArray out = zeros(dtype(), device(), shape);
            backend().binary(op, this, other, out);
            return out;
        }
        int[] outShape = Shapes.broadcast(op.opName(), shape, other.shape);
        DType ct = computeType(op, resultType(this, other));
        NDArray a = to(ct).expand(outShape), b = other.to(ct).expand(outShape);
        NDArray out = zeros(op.boolResult() ? DType.BOOL : ct, device(), outShape);
        backend().binary(op, a, b, out);
        return out;
    }

    /** op(this, s) with a Python-float scalar: integer arrays promote to float32. */
    public NDArray binary(BinaryOp op, double s) {
        DType promoted = dtype().isFloatingPoint() ? dtype() : DType.FLOAT32;
        return binaryScalar(op, s, promoted, false);
    }

    /** op(this, s) with a Python-int scalar: keeps the array's dtype (bool promotes to int64). */
    public NDArray binary(BinaryOp op, long s) {
        DType promoted = dtype() == DType.BOOL ? DType.INT64 : dtype();
        return binaryScalar(op, s, promoted, false);
    }

    /** op(s, this), e.g. {@code 1 - x}: the scalar comes first. */
    public NDArray binaryReversed(BinaryOp op, double s) {
        DType promoted = dtype().isFloatingPoint() ? dtype() : DType.FLOAT32;
        return binaryScalar(op, s, promoted, true);
    }

    private NDArray binaryScalar(BinaryOp op, double s, DType promoted, boolean scalarFirst) {
        DType ct = computeType(op, promoted);
        NDArray a = to(ct);
        NDArray out = zeros(op.boolResult() ? DType.BOOL : ct, device(), shape);
        backend().binaryScalar(op, a, s, scalarFirst, out);
        return out;
    }

    /** In place: this = op(this, other), other broadcast to this shape; the result must fit this dtype. */
    public NDArray binary_(BinaryOp op, NDArray other) {
        String name = op.inPlaceName();
        checkWritable(name);
        checkDevice(name, other);
        DType ct = checkInPlaceBinary(name, op, other);
        if (ct == dtype() && !op.boolResult()) {
            backend().binary(op, this, other.to(ct).expand(shape), this);
        } else {
            NDArray r = zeros(op.boolResult() ? DType.BOOL : ct, device(), shape);
            backend().binary(op, to(ct), other.to(ct).expand(shape), r);
            backend().copy(r, this);
        }
        storage.bumpVersion();
        return this;
    }

    /**
     * That op(this, other) can be stored in this: other broadcasts to this shape and the result type fits
     * this dtype. Returns the type op computes in; errors are reported as {@code name}'s.
     */
    private DType checkInPlaceBinary(String name, BinaryOp op, NDArray other) {
        int[] outShape = Shapes.broadcast(name, shape, other.shape);
        if (!Arrays.equals(outShape, shape)) {
            throw new IllegalArgumentException(name + ": the result shape " + Shapes.str(outShape)
                    + " does not match the in-place target's shape " + Shapes.str(shape));
        }
        DType ct = computeType(op, resultType(this, other));
        checkInPlaceType(name, op.boolResult() ? DType.BOOL : ct);
        return ct;
    }

    public NDArray binary_(BinaryOp op, double s) {
        String name = op.inPlaceName();
        checkWritable(name);
        DType ct = computeType(op, dtype().isFloatingPoint() ? dtype() : DType.FLOAT32);
        checkInPlaceType(name, op.boolResult() ? DType.BOOL : ct);
        if (ct == dtype() && !op.boolResult()) {
            backend().binaryScalar(op, this, s, false, this);
        } else {
            NDArray r = zeros(op.boolResult() ? DType.BOOL : ct, device(), shape);
            backend().binaryScalar(op, to(ct), s, false, r);
            backend().copy(r, this);
        }
        storage.bumpVersion();
        return this;
    }

    /**
     * PyTorch's can_cast: an in-place result may narrow within its category (float64 into float32) but
     * never move down a category (float into int, int into bool).
     */
    private void checkInPlaceType(String op, DType result) {
        if (result.category().ordinal() > dtype().category().ordinal()) {
            throw new IllegalArgumentException(op + ": result type " + result + " cannot be stored in place in a "
                    + dtype() + " tensor (cast with to(" + result + ") first)");
        }
    }

    public NDArray add(NDArray o) { return binary(BinaryOp.ADD, o); }

    public NDArray sub(NDArray o) { return binary(BinaryOp.SUB, o); }

    public NDArray mul(NDArray o) { return binary(BinaryOp.MUL, o); }

    public NDArray div(NDArray o) { return binary(BinaryOp.DIV, o); }

    public NDArray add(double s) { return binary(BinaryOp.ADD, s); }

    public NDArray sub(double s) { return binary(BinaryOp.SUB, s); }

    public NDArray mul(double s) { return binary(BinaryOp.MUL, s); }

    public NDArray div(double s) { return binary(BinaryOp.DIV, s); }

    public NDArray neg() { return unary(UnaryOp.NEG); }

    public NDArray exp() { return unary(UnaryOp.EXP); }

    public NDArray log() { return unary(UnaryOp.LOG); }

    public NDArray sqrt() { return unary(UnaryOp.SQRT); }

    public NDArray eq(NDArray o) { return binary(BinaryOp.EQ, o); }

    /** cond ? a : b with broadcasting over all three (torch.where). */
    public static NDArray where(NDArray cond, NDArray a, NDArray b) {
        a.checkDevice("where", b);
        a.checkDevice("where", cond);
        if (cond.dtype() != DType.BOOL) {
            throw new IllegalArgumentException("where: the condition must be a bool tensor, got " + cond.dtype());
        }
        int[] outShape = Shapes.broadcast("where", Shapes.broadcast("where", cond.shape, a.shape), b.shape);
        DType t = resultType(a, b);
        NDArray out = zeros(t, a.device(), outShape);
        a.backend().where(cond.expand(outShape), a.to(t).expand(outShape), b.to(t).expand(outShape), out);
        return out;
    }

    /** Bounds each element to [min, max]; pass NaN for a missing bound. */
    public NDArray clamp(double min, double max) {
        if (!Double.isNaN(min) && !Double.isNaN(max) && min > max) {
            throw new IllegalArgumentException("clamp: min " + min + " is greater than max " + max);
        }
        NDArray x = dtype() == DType.BOOL ? to(DType.INT64) : this;
        NDArray out = zeros(x.dtype(), device(), shape);
        backend().clamp(x, min, max, out);
        return out;
    }

    public NDArray clamp_(double min, double max) {
        checkWritable("clamp_");
        backend().clamp(this, min, max, this);
        storage.bumpVersion();
        return this;
    }

    /** Elements where mask is true become value; mask broadcasts to this shape. */
    public NDArray maskedFill(NDArray mask, double value) {
        return copy().maskedFill_(mask, value);
    }

    public NDArray maskedFill_(NDArray mask, double value) {
        checkWritable("maskedFill_");
        checkDevice("maskedFill", mask);
        checkMask("maskedFill", mask);
        NDArray m = mask.expand(shape);
        NDArray fill = full(value, dtype(), device());
        backend().where(m, fill.expand(shape), this, this);
        storage.bumpVersion();
        return this;
    }

    private void checkMask(String op, NDArray mask) {
        if (mask.dtype() != DType.BOOL) {
            throw new IllegalArgumentException(op + ": the mask must be a bool tensor, got " + mask.dtype());
        }
        int[] b = Shapes.broadcast(op, mask.shape, shape);
        if (!Arrays.equals(b, shape)) {
            throw new IllegalArgumentException(op + ": mask of shape " + Shapes.str(mask.shape)
                    + " does not broadcast to the tensor's shape " + Shapes.str(shape));
        }
    }

    /** The elements where mask is true, as a 1-D array. */
    public NDArray maskedSelect(NDArray mask) {
        checkDevice("maskedSelect", mask);
        int[] s = Shapes.broadcast("maskedSelect", mask.shape, shape);
        if (mask.dtype() != DType.BOOL) {
            throw new IllegalArgumentException("maskedSelect: the mask must be a bool tensor, got " + mask.dtype());
        }
        return backend().maskedSelect(expand(s), mask.expand(s));
    }

    // ------------------------------------------------------------------ reductions

    private boolean[] reducedDims(String op, int[] dims) {
        boolean[] r = new boolean[shape.length];
        if (dims == null || dims.length == 0 && shape.length > 0) {
            Arrays.fill(r, true);
            return r;
        }
        for (int d : dims) {
            int n = Shapes.dim(op, d, shape.length);
            if (shape.length == 0) continue;
            if (r[n]) throw new IllegalArgumentException(op + ": dim " + n + " appears more than once in " + Arrays.toString(dims));
            r[n] = true;
        }
        return r;
    }

    private static int[] keptShape(int[] shape, boolean[] reduced, boolean keepdim) {
        int k = 0;
        for (int i = 0; i < shape.length; i++) if (keepdim || !reduced[i]) k++;
        int[] s = new int[k];
        for (int i = 0, j = 0; i < shape.length; i++) {
            if (!reduced[i]) s[j++] = shape[i];
            else if (keepdim) s[j++] = 1;
        }
        return s;
    }

    /**
     * Reduces over dims (all dims when {@code dims} is null or empty). Sums of integers and bools are
     * int64, means need a floating type, as in PyTorch.
     */
    public NDArray reduce(ReduceOp op, int[] dims, boolean keepdim) {
        String name = op.opName();
        boolean[] r = reducedDims(name, dims);
        DType out;
        switch (op) {
            case SUM: case PROD: out = dtype().isIntegral() ? DType.INT64 : dtype(); break;
            case MEAN:
                if (!dtype().isFloatingPoint()) {
                    throw new IllegalArgumentException("mean: needs a floating point tensor, got " + dtype()
                            + " (convert with to(DType.FLOAT32))");
                }
                out = dtype();
                break;
            case ANY: case ALL: out = DType.BOOL; break;
            default:
                out = dtype();
                for (int i = 0; i < shape.length; i++) {
                    if (r[i] && shape[i] == 0) {
                        throw new IllegalArgumentException(name + ": cannot reduce over the empty dim " + i + " of shape "
                                + Shapes.str(shape) + " (the result would have no identity value)");
                    }
                }
        }
        NDArray x = dtype() == out || op == ReduceOp.ANY || op == ReduceOp.ALL ? this : to(out);
        NDArray result = zeros(out, device(), keptShape(shape, r, true));
        backend().reduce(op, x, r, result);
        return keepdim ? result : result.reshape(keptShape(shape, r, false));
    }

    public NDArray sum() { return reduce(ReduceOp.SUM, null, false); }

    public NDArray sum(int dim, boolean keepdim) { return reduce(ReduceOp.SUM, new int[]{dim}, keepdim); }

    public NDArray mean() { return reduce(ReduceOp.MEAN, null, false); }

    /** Max/min over one dim with the index of the first extreme element (torch.max(dim)). */
    public NDArray[] maxMin(boolean max, int dim, boolean keepdim) {
        String name = max ? "max" : "min";
        int d = Shapes.dim(name, dim, shape.length);
        NDArray x = shape.length == 0 ? reshape(1) : this;
        if (x.shape[d] == 0) {
            throw new IllegalArgumentException(name + ": cannot reduce over the empty dim " + d + " of shape " + Shapes.str(shape));
        }
        NDArray xv = x.dtype() == DType.BOOL ? x.to(DType.INT64) : x;
        int[] ks = x.shape.clone();
        ks[d] = 1;
        NDArray values = zeros(xv.dtype(), device(), ks), indices = zeros(DType.INT64, device(), ks);
        backend().argReduce(max, xv, d, values, indices);
        if (dtype() == DType.BOOL) values = values.to(DType.BOOL);
        if (shape.length == 0) return new NDArray[]{values.reshape(), indices.reshape()};
        if (!keepdim) {
            values = values.squeeze(d);
            indices = indices.squeeze(d);
        }
        return new NDArray[]{values, indices};
    }

    /** Index of the max over all elements of the flattened array. */
    public NDArray argmax() { return reshape(-1).maxMin(true, 0, false)[1]; }

    public NDArray argmin() { return reshape(-1).maxMin(false, 0, false)[1]; }

    /**
     * Variance with Bessel's correction when {@code correction} is 1 (torch.var): sum((x - mean)^2) /
     * (N - correction), computed in two passes for accuracy.
     */
    public NDArray var(int[] dims, int correction, boolean keepdim) {
        requireFloat("var");
        boolean[] r = reducedDims("var", dims);
        long n = 1;
        for (int i = 0; i < shape.length; i++) if (r[i]) n *= shape[i];
        NDArray mean = reduce(ReduceOp.MEAN, dims, true);
        NDArray d = sub(mean);
        NDArray ss = d.mul(d).reduce(ReduceOp.SUM, dims, keepdim);
        return ss.div((double) Math.max(n - correction, 0));
    }

    /** log(sum(exp(x))) over dims, shifted by the max so it never overflows. */
    public NDArray logsumexp(int[] dims, boolean keepdim) {
        NDArray x = dtype().isFloatingPoint() ? this : to(DType.FLOAT32);
        NDArray m = x.reduce(ReduceOp.MAX, dims, true);
        // An all -inf slice would give (-inf) - (-inf) = NaN; shift by 0 there instead.
        NDArray shift = where(m.unary(UnaryOp.ABS).eq(full(Double.POSITIVE_INFINITY, m.dtype())), zeros(m.dtype(), m.shape), m);
        NDArray s = x.sub(shift).exp().reduce(ReduceOp.SUM, dims, true).log().add(shift);
        return keepdim ? s : s.reshape(keptShape(shape, reducedDims("logsumexp", dims), false));
    }

    /** The p-norm over dims: (sum |x|^p)^(1/p); p = +inf gives max |x|. */
    public NDArray norm(double p, int[] dims, boolean keepdim) {
        requireFloat("norm");
        NDArray a = unary(UnaryOp.ABS);
        if (p == Double.POSITIVE_INFINITY) return a.reduce(ReduceOp.MAX, dims, keepdim);
        if (p == 2) return a.mul(a).reduce(ReduceOp.SUM, dims, keepdim).sqrt();
        if (p == 1) return a.reduce(ReduceOp.SUM, dims, keepdim);
        if (p <= 0) throw new IllegalArgumentException("norm: p must be positive, got " + p);
        return a.binary(BinaryOp.POW, p).reduce(ReduceOp.SUM, dims, keepdim).binary(BinaryOp.POW, 1.0 / p);
    }

    /** exp(x - max) / sum(exp(x - max)) along dim. */
    public NDArray softmax(int dim) {
        NDArray x = dtype().isFloatingPoint() ? this : to(DType.FLOAT32);
        int d = Shapes.dim("softmax", dim, shape.length);
        NDArray fused = x.fusedSoftmax(d, false);
        if (fused != null) return fused;
        NDArray e = x.sub(x.reduce(ReduceOp.MAX, new int[]{d}, true)).exp();
        return e.div(e.reduce(ReduceOp.SUM, new int[]{d}, true));
    }

    /** x - logsumexp(x) along dim, never forming exp(x) itself. */
    public NDArray logSoftmax(int dim) {
        NDArray x = dtype().isFloatingPoint() ? this : to(DType.FLOAT32);
        int d = Shapes.dim("logSoftmax", dim, shape.length);
        NDArray fused = x.fusedSoftmax(d, true);
        return fused != null ? fused : x.sub(x.logsumexp(new int[]{d}, true));
    }

    /**
     * The gradient of {@link #softmax} from its output (this) and that output's gradient:
     * this (grad - sum(grad this)) along dim, in one pass where the device has a kernel for it.
     */
    public NDArray softmaxBackward(NDArray grad, int dim) {
        int d = Shapes.dim("softmaxBackward", dim, shape.length);
        NDArray fused = fusedSoftmaxBackward(grad, d, false);
        return fused != null ? fused : mul(grad.sub(grad.mul(this).reduce(ReduceOp.SUM, new int[]{d}, true)));
    }

    /**
     * The gradient of {@link #logSoftmax} from its output (this) and that output's gradient:
     * grad - exp(this) sum(grad) along dim, in one pass where the device has a kernel for it.
     */
    public NDArray logSoftmaxBackward(NDArray grad, int dim) {
        int d = Shapes.dim("logSoftmaxBackward", dim, shape.length);
        NDArray fused = fusedSoftmaxBackward(grad, d, true);
        return fused != null ? fused : grad.sub(exp().mul(grad.reduce(ReduceOp.SUM, new int[]{d}, true)));
    }

    private NDArray fusedSoftmaxBackward(NDArray grad, int d, boolean log) {
        if (!Arrays.equals(shape, grad.shape)) {
            throw new IllegalArgumentException((log ? "logSoftmaxBackward" : "softmaxBackward") + ": gradient of shape "
                    + Shapes.str(grad.shape) + " does not fit an output of shape " + Shapes.str(shape));
        }
        if (d != shape.length - 1 || numel() == 0 || !dtype().isFloatingPoint()) return null;
        NDArray y = contiguous(), out = zeros(dtype(), device(), shape);
        return backend().softmaxBackwardRows(y, grad.contiguous(), log, out) ? out : null;
    }

    /** The device's one-pass kernel along the last dim (a classifier's logits, attention scores), or null. */
    private NDArray fusedSoftmax(int d, boolean log) {
        if (d != shape.length - 1 || numel() == 0) return null;
        NDArray x = contiguous(), out = zeros(dtype(), device(), shape);
        return backend().softmaxRows(x, log, out) ? out : null;
    }

    private void requireFloat(String op) {
        if (!dtype().isFloatingPoint()) {
            throw new IllegalArgumentException(op + ": needs a floating point tensor, got " + dtype());
        }
    }

    // ------------------------------------------------------------------ matmul

    /**
     * Matrix product with torch.matmul's rules: 1-D operands gain and lose a dim, batch dims
     * broadcast, and transposed views go to BLAS through its transpose flags without a copy.
     */
    public NDArray matmul(NDArray other) {
        checkDevice("matmul", other);
        if (shape.length == 0 || other.shape.length == 0) {
            throw new IllegalArgumentException("matmul: both arguments need at least 1 dim, got shapes "
                    + Shapes.str(shape) + " and " + Shapes.str(other.shape));
        }
        DType t = resultType(this, other);
        if (!t.isFloatingPoint()) {
            throw new IllegalArgumentException("matmul: needs floating point tensors, got " + dtype() + " and " + other.dtype());
        }
        NDArray a = to(t), b = other.to(t);
        boolean aVec = a.dim() == 1, bVec = b.dim() == 1;
        if (aVec) a = a.unsqueeze(0);
        if (bVec) b = b.unsqueeze(1);
        int m = a.shape[a.dim() - 2], k = a.shape[a.dim() - 1], k2 = b.shape[b.dim() - 2], n = b.shape[b.dim() - 1];
        if (k != k2) {
            throw new IllegalArgumentException("matmul: " + Shapes.str(shape) + " @ " + Shapes.str(other.shape)
                    + ": inner sizes " + k + " and " + k2 + " differ");
        }
        int[] batchA = Arrays.copyOf(a.shape, a.dim() - 2), batchB = Arrays.copyOf(b.shape, b.dim() - 2);
        int[] batch = Shapes.broadcast("matmul (batch dims)", batchA, batchB);
        int bn = (int) Shapes.numel(batch);
        NDArray a3 = a.expand(concat(batch, new int[]{m, k})).reshape3(bn, m, k);
        NDArray b3 = b.expand(concat(batch, new int[]{k, n})).reshape3(bn, k, n);
        NDArray out = zeros(t, device(), bn, m, n);
        backend().matmul(a3, b3, out);
        int[] outShape = concat(batch, new int[]{m, n});
        NDArray r = out.reshape(outShape);
        if (aVec) r = r.squeeze(r.dim() - 2);
        if (bVec) r = r.squeeze(r.dim() - 1);
        return r;
    }

    /** Collapses the batch dims of a broadcast batch of matrices into one without copying when possible. */
    private NDArray reshape3(int bn, int rows, int cols) {
        int[] s = new int[]{bn, rows, cols};
        int[] st = viewStridesFor(s);
        if (st != null) return view(s, st, offset);
        // Batch dims that do not merge (e.g. an expanded middle dim): keep each matrix's layout, copy the batch.
        NDArray c = copy();
        return c.view(s);
    }

    /** 2-D matrix product, shapes checked strictly (torch.mm). */
    public NDArray mm(NDArray other) {
        if (dim() != 2 || other.dim() != 2) {
            throw new IllegalArgumentException("mm: expects two matrices, got shapes " + Shapes.str(shape) + " and "
                    + Shapes.str(other.shape));
        }
        return matmul(other);
    }

    /** Batched product of [B, M, K] and [B, K, N] without broadcasting (torch.bmm). */
    public NDArray bmm(NDArray other) {
        if (dim() != 3 || other.dim() != 3 || shape[0] != other.shape[0]) {
            throw new IllegalArgumentException("bmm: expects [B, M, K] and [B, K, N] with equal B, got shapes "
                    + Shapes.str(shape) + " and " + Shapes.str(other.shape));
        }
        return matmul(other);
    }

    // ------------------------------------------------------------------ indexing and joining

    private NDArray checkIndex(String op, NDArray index) {
        checkDevice(op, index);
        if (index.dtype() != DType.INT64 && index.dtype() != DType.INT32) {
            throw new IllegalArgumentException(op + ": index must be an int64 tensor, got " + index.dtype());
        }
        return index.to(DType.INT64);
    }

    private static void checkIndexRange(String op, NDArray index, int dim, int size) {
        if (index.numel() == 0) return;
        long lo = (long) index.reduce(ReduceOp.MIN, null, false).item();
        long hi = (long) index.reduce(ReduceOp.MAX, null, false).item();
        if (lo < -size || hi >= size) {
            long bad = lo < -size ? lo : hi;
            throw new IndexOutOfBoundsException(op + ": index " + bad + " is out of range for dim " + dim + " of size " + size);
        }
    }

    /** Rows (along dim) picked by a 1-D int64 index, negative indices counting from the end. */
    public NDArray indexSelect(int dim, NDArray index) {
        int d = Shapes.dim("indexSelect", dim, shape.length);
        NDArray idx = checkIndex("indexSelect", index);
        if (idx.dim() > 1) {
            throw new IllegalArgumentException("indexSelect: index must be 1-D, got shape " + Shapes.str(idx.shape));
        }
        NDArray x = shape.length == 0 ? reshape(1) : this;
        idx = idx.reshape(-1);
        checkIndexRange("indexSelect", idx, d, x.shape[d]);
        int[] s = x.shape.clone();
        s[d] = idx.shape[0];
        NDArray out = zeros(dtype(), device(), s);
        backend().indexSelect(x, d, idx, out);
        return shape.length == 0 ? out.reshape() : out;
    }

    /** NumPy-style {@code x[index]} along dim 0 with an index of any shape: result is index.shape + shape[1:]. */
    public NDArray index(NDArray index) {
        if (shape.length == 0) throw new IllegalArgumentException("index: cannot index a 0-d tensor");
        NDArray idx = checkIndex("index", index);
        NDArray flat = indexSelect(0, idx.reshape(-1));
        return flat.reshape(concat(idx.shape, Arrays.copyOfRange(shape, 1, shape.length)));
    }

    private void checkGatherShapes(String op, int d, NDArray index, NDArray src) {
        if (index.dim() != dim()) {
            throw new IllegalArgumentException(op + ": index has " + index.dim() + " dims but the tensor has " + dim()
                    + " (shape " + Shapes.str(shape) + ", index " + Shapes.str(index.shape) + ")");
        }
        for (int i = 0; i < shape.length; i++) {
            if (i != d && index.shape[i] > shape[i]) {
                throw new IllegalArgumentException(op + ": index size " + index.shape[i] + " exceeds the tensor's size "
                        + shape[i] + " at dim " + i + " (shape " + Shapes.str(shape) + ", index " + Shapes.str(index.shape) + ")");
            }
            if (src != null && index.shape[i] > src.shape[i]) {
                throw new IllegalArgumentException(op + ": index size " + index.shape[i] + " exceeds the source's size "
                        + src.shape[i] + " at dim " + i + " (source " + Shapes.str(src.shape) + ", index " + Shapes.str(index.shape) + ")");
            }
        }
        checkIndexRange(op, index, d, shape.length == 0 ? 1 : shape[d]);
    }

    /** torch.gather: out[i][j] = x[i][index[i][j]] for dim 1; out has index's shape. */
    public NDArray gather(int dim, NDArray index) {
        int d = Shapes.dim("gather", dim, shape.length);
        NDArray idx = checkIndex("gather", index);
        checkGatherShapes("gather", d, idx, null);
        NDArray out = zeros(dtype(), device(), idx.shape);
        backend().gather(this, d, idx, out);
        return out;
    }

    /** Out-of-place torch.scatter / scatter_add: a copy of this with src written (or added) at index. */
    public NDArray scatter(int dim, NDArray index, NDArray src, boolean accumulate) {
        return copy().scatter_(dim, index, src, accumulate);
    }

    public NDArray scatter_(int dim, NDArray index, NDArray src, boolean accumulate) {
        checkWritable("scatter_");
        String op = accumulate ? "scatterAdd" : "scatter";
        int d = Shapes.dim(op, dim, shape.length);
        NDArray idx = checkIndex(op, index);
        checkDevice(op, src);
        if (src.dim() != idx.dim()) {
            throw new IllegalArgumentException(op + ": src has " + src.dim() + " dims but index has " + idx.dim());
        }
        checkGatherShapes(op, d, idx, src);
        NDArray s = src.to(dtype());
        // Only the leading index-shaped block of src is read, as in PyTorch.
        for (int i = 0; i < idx.dim(); i++) s = s.narrow(i, 0, idx.shape[i]);
        backend().scatter(this, d, idx, s, accumulate);
        storage.bumpVersion();
        return this;
    }

    /** In place: adds src's slices into the rows named by a 1-D index along dim (torch.index_add_). */
    public NDArray indexAdd_(int dim, NDArray index, NDArray src) {
        checkWritable("indexAdd_");
        checkDevice("indexAdd", src);
        int d = Shapes.dim("indexAdd", dim, shape.length);
        NDArray idx = checkIndex("indexAdd", index).reshape(-1);
        int[] want = shape.clone();
        want[d] = idx.shape[0];
        if (!Arrays.equals(src.shape, want)) {
            throw new IllegalArgumentException("indexAdd: source shape " + Shapes.str(src.shape) + " should be "
                    + Shapes.str(want) + " for " + idx.shape[0] + " indices into shape " + Shapes.str(shape));
        }
        checkIndexRange("indexAdd", idx, d, shape[d]);
        backend().indexAdd(this, d, idx, src.to(dtype()));
        storage.bumpVersion();
        return this;
    }

    /** Joins arrays along an existing dim; all other sizes must match. */
    public static NDArray cat(List<NDArray> arrays, int dim) {
        if (arrays.isEmpty()) throw new IllegalArgumentException("cat: expects a non-empty list of tensors");
        NDArray first = arrays.get(0);
        int d = Shapes.dim("cat", dim, first.dim());
        DType t = first.dtype();
        int total = 0;
        for (int i = 0; i < arrays.size(); i++) {
            NDArray x = arrays.get(i);
            first.checkDevice("cat", x);
            if (x.dim() != first.dim()) {
                throw new IllegalArgumentException("cat: tensor " + i + " has shape " + Shapes.str(x.shape)
                        + " but tensor 0 has shape " + Shapes.str(first.shape) + " (ranks differ)");
            }
            for (int k = 0; k < first.dim(); k++) {
                if (k != d && x.shape[k] != first.shape[k]) {
                    throw new IllegalArgumentException("cat: sizes must match except in dim " + d + ", but tensor " + i
                            + " has shape " + Shapes.str(x.shape) + " and tensor 0 has " + Shapes.str(first.shape));
                }
            }
            t = DType.promote(t, x.dtype());
            total += x.shape[d];
        }
        int[] s = first.shape.clone();
        s[d] = total;
        NDArray out = zeros(t, first.device(), s);
        int at = 0;
        for (NDArray x : arrays) {
            int len = x.shape[d];
            if (len > 0) first.backend().copy(x, out.narrow(d, at, len));
            at += len;
        }
        return out;
    }

    /** Joins same-shaped arrays along a new dim. */
    public static NDArray stack(List<NDArray> arrays, int dim) {
        if (arrays.isEmpty()) throw new IllegalArgumentException("stack: expects a non-empty list of tensors");
        int[] s0 = arrays.get(0).shape;
        int d = Shapes.dim("stack", dim, s0.length + 1);
        List<NDArray> u = new ArrayList<>(arrays.size());
        for (int i = 0; i < arrays.size(); i++) {
            NDArray x = arrays.get(i);
            if (!Arrays.equals(x.shape, s0)) {
                throw new IllegalArgumentException("stack: every tensor needs the same shape, but tensor " + i + " has "
                        + Shapes.str(x.shape) + " and tensor 0 has " + Shapes.str(s0));
            }
            u.add(x.unsqueeze(d));
        }
        return cat(u, d);
    }

    /** Views of consecutive pieces of {@code size} along dim (the last may be smaller). */
    public List<NDArray> split(int size, int dim) {
        int d = Shapes.dim("split", dim, shape.length);
        if (size <= 0) throw new IllegalArgumentException("split: size must be positive, got " + size);
        List<NDArray> parts = new ArrayList<>();
        for (int at = 0; at < shape[d] || (at == 0 && shape[d] == 0); at += size) {
            parts.add(narrow(d, at, Math.min(size, shape[d] - at)));
            if (shape[d] == 0) break;
        }
        return parts;
    }

    /** Views of pieces with the given sizes along dim; the sizes must add up to the dim's size. */
    public List<NDArray> split(int[] sizes, int dim) {
        int d = Shapes.dim("split", dim, shape.length);
        int sum = 0;
        for (int v : sizes) sum += v;
        if (sum != shape[d]) {
            throw new IllegalArgumentException("split: sizes " + Arrays.toString(sizes) + " add up to " + sum
                    + " but dim " + d + " has size " + shape[d]);
        }
        List<NDArray> parts = new ArrayList<>();
        int at = 0;
        for (int v : sizes) {
            parts.add(narrow(d, at, v));
            at += v;
        }
        return parts;
    }

    /** At most {@code chunks} views of equal size (ceil) along dim. */
    public List<NDArray> chunk(int chunks, int dim) {
        if (chunks <= 0) throw new IllegalArgumentException("chunk: chunks must be positive, got " + chunks);
        int d = Shapes.dim("chunk", dim, shape.length);
        // An empty dim splits into `chunks` empty pieces, as torch.chunk does, not into one.
        if (shape[d] == 0) return split(new int[chunks], d);
        int size = Math.max(1, (shape[d] + chunks - 1) / chunks);
        return split(size, d);
    }

    /**
     * Constant padding (torch.nn.functional.pad): {@code pads} holds (before, after) pairs starting from
     * the last dim; negative values crop.
     */
    public NDArray pad(int[] pads, double value) {
        if (pads.length % 2 != 0 || pads.length / 2 > shape.length) {
            throw new IllegalArgumentException("pad: expects an even number of pads covering at most " + shape.length
                    + " dims, got " + Arrays.toString(pads));
        }
        int[] s = shape.clone();
        NDArray src = this;
        int[] at = new int[shape.length];
        for (int i = 0; i < pads.length / 2; i++) {
            int d = shape.length - 1 - i, before = pads[2 * i], after = pads[2 * i + 1];
            s[d] = shape[d] + before + after;
            if (s[d] < 0) {
                throw new IllegalArgumentException("pad: padding " + Arrays.toString(pads) + " leaves dim " + d
                        + " of shape " + Shapes.str(shape) + " with negative size " + s[d]);
            }
            // Negative pads crop the source; positive ones shift where it lands.
            int cropBefore = Math.max(0, -before), cropAfter = Math.max(0, -after);
            src = src.narrow(d, cropBefore, Math.max(0, shape[d] - cropBefore - cropAfter));
            at[d] = Math.max(0, before);
        }
        NDArray out = full(value, dtype(), device(), s);
        NDArray dst = out;
        for (int d = 0; d < shape.length; d++) dst = dst.narrow(d, at[d], src.shape[d]);
        if (src.numel() > 0) backend().copy(src, dst);
        return out;
    }

    /** Convolution patches: [N, C, H, W] to [N, C*kh*kw, oh*ow]. */
    public NDArray im2col(int kh, int kw, int sh, int sw, int ph, int pw, int dh, int dw) {
        if (dim() != 4) throw new IllegalArgumentException("im2col: expects [N, C, H, W], got shape " + Shapes.str(shape));
        int oh = convOut("im2col", shape[2], kh, sh, ph, dh), ow = convOut("im2col", shape[3], kw, sw, pw, dw);
        NDArray out = zeros(dtype(), device(), shape[0], shape[1] * kh * kw, oh * ow);
        backend().im2col(this, kh, kw, sh, sw, ph, pw, dh, dw, out);
        return out;
    }

    /** The adjoint of im2col: sums patches [N, C*kh*kw, oh*ow] back into an image [N, C, h, w]. */
    public NDArray col2im(int channels, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw, int dh, int dw) {
        int oh = convOut("col2im", h, kh, sh, ph, dh), ow = convOut("col2im", w, kw, sw, pw, dw);
        if (dim() != 3 || shape[1] != channels * kh * kw || shape[2] != oh * ow) {
            throw new IllegalArgumentException("col2im: expects columns [N, " + channels * kh * kw + ", " + oh * ow
                    + "] for a " + channels + "x" + h + "x" + w + " image, got shape " + Shapes.str(shape));
        }
        NDArray out = zeros(dtype(), device(), shape[0], channels, h, w);
        backend().col2im(this, kh, kw, sh, sw, ph, pw, dh, dw, out);
        return out;
    }

    // ------------------------------------------------------------------ convolution, pooling, resampling (docs/convolution.md)

    /**
     * 2-D convolution (cross-correlation, as in PyTorch) of this [N, C, H, W] with weight
     * [O, C / groups, kh, kw], plus bias [O] (or null): the result is [N, O, oh, ow].
     */
    public NDArray conv2d(NDArray weight, NDArray bias, ConvParams p) {
        int[] s = ConvShapes.conv2d("conv2d", this, weight, bias, p);
        NDArray out = zeros(dtype(), device(), s);
        if (out.numel() > 0) backend().conv2d(contiguous(), weight.contiguous(), bias == null ? null : bias.contiguous(), p, out);
        return out;
    }

    /**
     * The adjoint of {@link #conv2d} in its input, i.e. a transposed convolution: this is [N, O, oh, ow]
     * (a gradient of conv2d's output), the result [N, C, h, w] for the input size (h, w) that conv2d
     * would map to (oh, ow).
     */
    public NDArray conv2dBackwardInput(NDArray weight, ConvParams p, int h, int w) {
        ConvShapes.conv2dBackwardInput(this, weight, p, h, w);
        NDArray out = zeros(dtype(), device(), shape[0], weight.shape[1] * p.groups(), h, w);
        if (out.numel() > 0 && numel() > 0) backend().conv2dBackwardInput(contiguous(), weight.contiguous(), p, out);
        return out;
    }

    /**
     * The adjoint of {@link #conv2d} in its weight, summed over the batch: this is conv2d's input
     * [N, C, H, W], {@code gradOutput} [N, O, oh, ow]; the result is [O, C / groups, kh, kw].
     */
    public NDArray conv2dBackwardWeight(NDArray gradOutput, ConvParams p, int kh, int kw) {
        ConvShapes.conv2dBackwardWeight(this, gradOutput, p, kh, kw);
        NDArray out = zeros(dtype(), device(), gradOutput.shape[1], shape[1] / p.groups(), kh, kw);
        if (out.numel() > 0 && numel() > 0) backend().conv2dBackwardWeight(contiguous(), gradOutput.contiguous(), p, out);
        return out;
    }

    /**
     * Max pooling of [N, C, H, W] windows (padding never wins; NaN does, as in PyTorch): returns the maxima
     * [N, C, oh, ow] and, as int64, the flat position {@code iy * W + ix} of each in its input plane.
     */
    public NDArray[] maxPool2d(int kh, int kw, int sh, int sw, int ph, int pw, int dh, int dw, boolean ceilMode) {
        ConvShapes.checkImage("maxPool2d", "input", this);
        int oh = Resampling.poolOut("maxPool2d", shape[2], kh, sh, ph, dh, ceilMode);
        int ow = Resampling.poolOut("maxPool2d", shape[3], kw, sw, pw, dw, ceilMode);
        NDArray values = zeros(dtype(), device(), shape[0], shape[1], oh, ow);
        NDArray indices = zeros(DType.INT64, device(), shape[0], shape[1], oh, ow);
        if (values.numel() > 0) backend().maxPool2d(contiguous(), kh, kw, sh, sw, ph, pw, dh, dw, values, indices);
        return new NDArray[]{values, indices};
    }

    /**
     * The adjoint of max pooling: this [N, C, oh, ow] gradient is added into zeros [N, C, h, w] at the
     * positions {@code indices} (from {@link #maxPool2d}) name.
     */
    public NDArray maxPool2dBackward(NDArray indices, int h, int w) {
        ConvShapes.checkImage("maxPool2dBackward", "gradient", this);
        checkDevice("maxPool2dBackward", indices);
        if (indices.dtype() != DType.INT64 || !Arrays.equals(indices.shape, shape)) {
            throw new IllegalArgumentException("maxPool2dBackward: indices must be int64 of the gradient's shape "
                    + Shapes.str(shape) + ", got " + indices.dtype() + " " + Shapes.str(indices.shape));
        }
        NDArray out = zeros(dtype(), device(), shape[0], shape[1], h, w);
        if (numel() > 0) backend().maxPool2dBackward(contiguous(), indices.contiguous(), out);
        return out;
    }

    /**
     * Applies a linear map along H and another along W to every [H, W] plane of this [N, C, H, W]:
     * {@code out[n, c] = alongH x[n, c] alongW^T}, of shape [N, C, alongH.outSize(), alongW.outSize()].
     * Average pooling, adaptive pooling and interpolation are built on it (see {@link Resampling}).
     */
    public NDArray resample2d(Resampling alongH, Resampling alongW) {
        ConvShapes.checkImage("resample2d", "input", this);
        if (alongH.inSize() != shape[2] || alongW.inSize() != shape[3]) {
            throw new IllegalArgumentException("resample2d: input " + Shapes.str(shape) + " does not fit maps from "
                    + alongH.inSize() + "x" + alongW.inSize());
        }
        NDArray out = zeros(dtype(), device(), shape[0], shape[1], alongH.outSize(), alongW.outSize());
        if (out.numel() > 0 && numel() > 0) backend().resample2d(contiguous(), alongH, alongW, out);
        return out;
    }

    /** Output size of a convolution along one spatial dim, or an error when the kernel does not fit. */
    public static int convOut(String op, int in, int k, int stride, int pad, int dilation) {
        if (k <= 0 || stride <= 0 || dilation <= 0 || pad < 0) {
            throw new IllegalArgumentException(op + ": kernel " + k + ", stride " + stride + ", dilation " + dilation
                    + " must be positive and padding " + pad + " non-negative");
        }
        int span = dilation * (k - 1) + 1;
        int out = (in + 2 * pad - span) / stride + 1;
        if (in + 2 * pad < span) {
            throw new IllegalArgumentException(op + ": kernel span " + span + " (size " + k + ", dilation " + dilation
                    + ") is larger than the padded input size " + (in + 2 * pad));
        }
        return out;
    }

    // ------------------------------------------------------------------ helpers

    /**
     * In-place writes into an expanded view would hit one element many times (the result then depends
     * on loop order), so they are refused, as PyTorch refuses them.
     */
    private void checkWritable(String op) {
        for (int i = 0; i < shape.length; i++) {
            if (strides[i] == 0 && shape[i] > 1) {
                throw new IllegalArgumentException(op + ": the target of shape " + Shapes.str(shape)
                        + " is an expanded view (dim " + i + " has stride 0), so several of its elements share one memory"
                        + " location; call contiguous() or copy() first");
            }
        }
    }

    void checkDevice(String op, NDArray other) {
        if (!device().equals(other.device())) {
            throw new IllegalArgumentException(op + ": tensors are on different devices, " + device() + " and "
                    + other.device() + "; move one with to(Device) first");
        }
    }

    static int[] concat(int[] a, int[] b) {
        int[] r = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }

    private static int[] remove(int[] a, int i) {
        int[] r = new int[a.length - 1];
        System.arraycopy(a, 0, r, 0, i);
        System.arraycopy(a, i + 1, r, i, a.length - i - 1);
        return r;
    }

    private static int[] insert(int[] a, int i, int v) {
        int[] r = new int[a.length + 1];
        System.arraycopy(a, 0, r, 0, i);
        r[i] = v;
        System.arraycopy(a, i, r, i + 1, a.length - i);
        return r;
    }

    @Override
    public String toString() { return Printer.format(this, null); }
}
