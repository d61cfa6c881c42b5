package dev.kindling.autograd;

import dev.kindling.amp.Autocast;
import dev.kindling.Random;
import dev.kindling.tensor.BinaryOp;
import dev.kindling.tensor.DType;
import dev.kindling.tensor.Device;
import dev.kindling.tensor.NDArray;
import dev.kindling.tensor.Printer;
import dev.kindling.tensor.ReduceOp;
import dev.kindling.tensor.UnaryOp;
import dev.kindling.tensor.Shapes;
import java.util.Arrays;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * The user-facing n-dimensional array. Names, argument order and defaults follow PyTorch in camelCase
 * (shared/API.md); every op validates its inputs and names itself, the shapes it got and what would
 * fit when they are wrong. The data lives in an {@link NDArray} on the tensor's device.
 *
 * <pre>{@code
 * Tensor a = Tensor.of(new float[]{1, 2, 3, 4}, 2, 2);
 * Tensor b = a.matmul(a.t()).add(1);   // tensor([[ 6., 12.], [12., 26.]])
 * }</pre>
 */
public final class Tensor {
    private NDArray data;
    /** Leaves: whether gradients are wanted. Computed tensors: true exactly when gradFn is set. */
    private boolean requiresGrad;
    private Tensor grad;
    private Node gradFn;
    /** Which output of gradFn this tensor is. */
    private int outputNr;
    private AccumulateGrad accumulator;
    /** For views: the tensor whose storage this views, and its gradFn when the view was taken. */
    private Tensor base;
    private Node baseGradFnAtView;

    private Tensor(NDArray data) { this.data = data; }

    /** Wraps an array without copying, as a leaf that does not require grad. */
    public static Tensor wrap(NDArray data) { return new Tensor(data); }

    /** The underlying array (shared, not copied). Changing it directly bypasses autograd's checks. */
    public NDArray data() { return data; }

    // ------------------------------------------------------------------ factories

    public static Tensor of(float[] data, int... shape) { return wrap(NDArray.of(data, vectorIfNoShape(data.length, shape))); }

    /** A float64 tensor. */
    public static Tensor of(double[] data, int... shape) { return wrap(NDArray.of(data, vectorIfNoShape(data.length, shape))); }

    /** An int64 tensor. */
    public static Tensor of(long[] data, int... shape) { return wrap(NDArray.of(data, vectorIfNoShape(data.length, shape))); }

    public static Tensor of(int[] data, int... shape) { return wrap(NDArray.of(data, vectorIfNoShape(data.length, shape))); }

    public static Tensor of(boolean[] data, int... shape) { return wrap(NDArray.of(data, vectorIfNoShape(data.length, shape))); }

    /** No shape means a 1-D tensor of the array's length, as torch.tensor([...]); 0-d tensors come from scalar(). */
    private static int[] vectorIfNoShape(int length, int[] shape) {
        return shape.length == 0 ? new int[]{length} : shape;
    }

    /** A 0-d float32 tensor. */
    public static Tensor scalar(double value) { return scalar(value, DType.FLOAT32); }

    public static Tensor scalar(double value, DType dtype) { return wrap(NDArray.scalar(value, dtype)); }

    public static Tensor zeros(int... shape) { return zeros(DType.FLOAT32, shape); }

    public static Tensor zeros(DType dtype, int... shape) { return wrap(NDArray.zeros(dtype, shape)); }

    /** Zeros made on {@code device} (torch.zeros(..., device=)): no host array copied over. */
    public static Tensor zeros(DType dtype, Device device, int... shape) { return wrap(NDArray.zeros(dtype, device, shape)); }

    public static Tensor ones(int... shape) { return ones(DType.FLOAT32, shape); }

    public static Tensor ones(DType dtype, int... shape) { return wrap(NDArray.ones(dtype, shape)); }

    public static Tensor full(double value, int... shape) { return full(value, DType.FLOAT32, shape); }

    public static Tensor full(double value, DType dtype, int... shape) { return wrap(NDArray.full(value, dtype, shape)); }

    /** {@code value} everywhere, made on {@code device}. */
    public static Tensor full(double value, DType dtype, Device device, int... shape) {
        return wrap(NDArray.full(value, dtype, device, shape));
    }

    /** 0, 1, ..., end-1 as int64. */
    public static Tensor arange(long end) { return arange(0, end); }

    /** start, ..., end-1 as int64. */
    public static Tensor arange(long start, long end) { return wrap(NDArray.arange(start, end, 1, DType.INT64)); }

    /** start, start+step, ... below end, as float32. */
    public static Tensor arange(double start, double end, double step) {
        return wrap(NDArray.arange(start, end, step, DType.FLOAT32));
    }

    public static Tensor arange(double start, double end, double step, DType dtype) {
        return wrap(NDArray.arange(start, end, step, dtype));
    }

    public static Tensor linspace(double start, double end, int steps) {
        return wrap(NDArray.linspace(start, end, steps, DType.FLOAT32));
    }

    public static Tensor eye(int n) { return eye(n, n, DType.FLOAT32); }

    public static Tensor eye(int n, int m, DType dtype) { return wrap(NDArray.eye(n, m, dtype)); }

    /** Uniform in [0, 1) from the global generator ({@link Random#manualSeed}). */
    public static Tensor rand(int... shape) { return rand(DType.FLOAT32, shape); }

    public static Tensor rand(DType dtype, int... shape) {
        return wrap(NDArray.rand(Random.defaultGenerator(), dtype, shape));
    }

    /** Standard normal from the global generator. */
    public static Tensor randn(int... shape) { return randn(DType.FLOAT32, shape); }

    public static Tensor randn(DType dtype, int... shape) {
        return wrap(NDArray.randn(Random.defaultGenerator(), dtype, shape));
    }

    /** Uniform int64 in [low, high). */
    public static Tensor randint(long low, long high, int... shape) {
        return wrap(NDArray.randint(Random.defaultGenerator(), low, high, DType.INT64, shape));
    }

    /** 1 with probability p (elementwise), else 0. */
    public static Tensor bernoulli(Tensor p) { return wrap(NDArray.bernoulli(Random.defaultGenerator(), p.data)); }

    // ------------------------------------------------------------------ metadata and data out

    public int[] shape() { return data.shape(); }

    public int size(int dim) { return data.size(dim); }

    public int dim() { return data.dim(); }

    public long numel() { return data.numel(); }

    public DType dtype() { return data.dtype(); }

    public Device device() { return data.device(); }

    /** A copy in another dtype; gradients flow back through floating point conversions. */
    public Tensor to(DType dtype) { return dtype == dtype() ? this : PointwiseOps.toDType(this, dtype); }

    public Tensor to(Device device) { return device.equals(device()) ? this : PointwiseOps.toDevice(this, device); }

    public float[] toFloatArray() { return data.toFloatArray(); }

    public double[] toDoubleArray() { return data.toDoubleArray(); }

    public long[] toLongArray() { return data.toLongArray(); }

    public boolean[] toBooleanArray() { return data.toBooleanArray(); }

    /** The value of a one-element tensor as a plain double. */
    public double item() { return data.item(); }


    // ------------------------------------------------------------------ autograd state

    /** True for a leaf that asked for gradients, and for every tensor computed from one while recording. */
    public boolean requiresGrad() { return requiresGrad; }

    /**
     * Marks a floating point leaf as wanting gradients (or not); returns this. Tensors computed by ops
     * get their flag from their inputs; to cut one from the graph use {@link #detach()}.
     */
    public Tensor requiresGrad_(boolean flag) {
        if (flag && !dtype().isFloatingPoint()) {
            throw new IllegalArgumentException("requiresGrad_: only floating point tensors can require gradients, this one is "
                    + dtype());
        }
        if (!flag && gradFn != null) {
            throw new IllegalStateException("requiresGrad_(false): only leaves can change their flag; this tensor was computed"
                    + " by " + gradFn.name() + ". Use detach() for a copy of it outside the graph.");
        }
        requiresGrad = flag;
        return this;
    }

    /** The accumulated gradient, or null before any. */
    public Tensor grad() { return grad; }

    /** Replaces the gradient (null clears it, as optimizers' zeroGrad does); it must match this tensor's shape. */
    public void setGrad(Tensor g) {
        if (g != null && !Arrays.equals(g.data.shapeRef(), data.shapeRef())) {
            throw new IllegalArgumentException("setGrad: gradient shape " + Shapes.str(g.shape())
                    + " does not match the tensor's shape " + Shapes.str(shape()));
        }
        grad = g;
    }

    /** The node that computed this tensor, or null for a leaf. */
    public Node gradFn() { return gradFn; }

    /** A leaf was not computed by a recorded op: user-created tensors, parameters, and everything computed without grad. */
    public boolean isLeaf() { return gradFn == null; }

    /** Counts in-place changes to this tensor's storage (shared by its views); saved tensors check it. */
    public int version() { return data.storage().version(); }

    /**
     * Points this leaf at {@code source}'s data (shared, not copied), keeping its identity, flag and
     * hooks: PyTorch's {@code param.set_(src)} / {@code param.data = src}, used by {@code Module.to(Device)}
     * and checkpoint loading so references held elsewhere (optimizers, fields) see the new data.
     * Under grad mode it is refused for a leaf that requires grad, like any in-place op.
     */
    public Tensor set_(Tensor source) {
        if (gradFn != null) {
            throw new IllegalStateException("set_: only leaves can be pointed at other data; this tensor was computed by "
                    + gradFn.name());
        }
        if (requiresGrad && GradMode.isEnabled()) {
            throw new IllegalStateException("set_: a leaf that requires grad cannot be changed in place while grad mode is on;"
                    + " call it inside GradMode.noGrad()");
        }
        if (requiresGrad && !source.dtype().isFloatingPoint()) {
            throw new IllegalArgumentException("set_: a tensor that requires grad needs floating point data, got " + source.dtype());
        }
        data = source.data;
        if (grad != null && !Arrays.equals(grad.data.shapeRef(), data.shapeRef())) grad = null;
        return this;
    }

    /** A tensor sharing this one's data (and version counter) that is outside the graph. */
    public Tensor detach() { return wrap(data); }

    /** For a scalar: computes the gradient of this tensor with respect to every leaf that requires grad. */
    public void backward() { backward(null, false, false); }

    /** Computes gradients with {@code gradient} as d(something)/d(this); needed for non-scalar tensors. */
    public void backward(Tensor gradient) { backward(gradient, false, false); }

    /**
     * Accumulates into the {@code grad} of every leaf this tensor depends on. The graph is freed
     * unless {@code retainGraph}; with {@code createGraph} the gradients are themselves recorded so
     * they can be differentiated again.
     */
    public void backward(Tensor gradient, boolean retainGraph, boolean createGraph) {
        Engine.backward(new Tensor[]{this}, gradient == null ? null : new Tensor[]{gradient}, retainGraph, createGraph);
    }

    /**
     * Runs {@code hook} on this tensor's gradient each time one is computed; a non-null result replaces
     * the gradient. Returns a handle whose {@code remove()} unregisters it.
     */
    public HookHandle registerHook(UnaryOperator<Tensor> hook) {
        if (!requiresGrad) {
            throw new IllegalStateException("registerHook: this tensor does not require grad, so no gradient will reach it");
        }
        return gradFn != null ? gradFn.addHook(outputNr, hook) : accumulator().addHook(0, hook);
    }

    /** Keeps the gradient of this non-leaf in {@code grad()} after backward (leaves always keep theirs). */
    public Tensor retainGrad() {
        if (!requiresGrad) throw new IllegalStateException("retainGrad: this tensor does not require grad");
        if (gradFn != null) gradFn.retainGrad(outputNr, this);
        return this;
    }

    /** The first gradient is copied (a recorded clone() with createGraph): g may be shared with other tensors' grads or be a broadcast view. */
    synchronized void accumulateRetainedGrad(Tensor g, boolean createGraph) {
        if (grad == null) grad = createGraph ? g.clone() : wrap(g.data.copy());
        else grad = createGraph ? grad.add(g) : wrap(grad.data.add(g.data));
    }

    /** Where gradients for this tensor go: its node, its leaf accumulator, or nowhere. */
    Edge gradientEdge() {
        if (gradFn != null) {
            if (base != null && base.gradFn != baseGradFnAtView) throw staleView();
            return new Edge(gradFn, outputNr);
        }
        return requiresGrad ? new Edge(accumulator(), 0) : null;
    }

    private IllegalStateException staleView() {
        return new IllegalStateException("this tensor is a view of a tensor that was later modified in place by a recorded"
                + " op (now " + base.gradFn.name() + "), so autograd cannot tell how it depends on the graph any more;"
                + " take the view after the in-place op, or use out-of-place ops");
    }

    private synchronized AccumulateGrad accumulator() {
        if (accumulator == null) accumulator = new AccumulateGrad(this);
        return accumulator;
    }

    /** Makes this tensor output {@code nr} of {@code node}. */
    void attach(Node node, int nr) {
        gradFn = node;
        outputNr = nr;
        requiresGrad = true;
    }

    /** After an in-place op on this view rebased its base's history: the view follows the base's new node. */
    void viewOfCurrentBase() { baseGradFnAtView = base.gradFn; }

    /** The tensor this one is a view of (the root of a chain of views), or null. */
    Tensor base() { return base; }

    /** Wraps {@code v}, a view of this tensor's storage, remembering the base it views. */
    Tensor viewResult(NDArray v) {
        Tensor out = new Tensor(v);
        if (v.sharesStorage(data)) {
            out.base = base != null ? base : this;
            out.baseGradFnAtView = out.base.gradFn;
        }
        return out;
    }

    // ------------------------------------------------------------------ elementwise math (PointwiseOps holds the derivatives)

    public Tensor add(Tensor o) { return PointwiseOps.add(this, o); }

    public Tensor add(double s) { return PointwiseOps.scalar(this, BinaryOp.ADD, s); }

    /** Adds an integer, keeping an integer tensor's dtype. */
    public Tensor add(long s) { return requiresGrad ? add((double) s) : wrap(data.binary(BinaryOp.ADD, s)); }

    public Tensor sub(Tensor o) { return PointwiseOps.sub(this, o); }

    public Tensor sub(double s) { return PointwiseOps.scalar(this, BinaryOp.SUB, s); }

    public Tensor sub(long s) { return requiresGrad ? sub((double) s) : wrap(data.binary(BinaryOp.SUB, s)); }

    /** s - this. */
    public Tensor rsub(double s) { return PointwiseOps.rsub(this, s); }

    public Tensor mul(Tensor o) { return PointwiseOps.mul(this, o); }

    public Tensor mul(double s) { return PointwiseOps.scalar(this, BinaryOp.MUL, s); }

    public Tensor mul(long s) { return requiresGrad ? mul((double) s) : wrap(data.binary(BinaryOp.MUL, s)); }

    /** True division: integer tensors give float32, as in PyTorch. */
    public Tensor div(Tensor o) { return PointwiseOps.div(this, o); }

    public Tensor div(double s) { return PointwiseOps.scalar(this, BinaryOp.DIV, s); }

    public Tensor div(long s) { return requiresGrad ? div((double) s) : wrap(data.binary(BinaryOp.DIV, s)); }

    /** s / this. */
    public Tensor rdiv(double s) { return PointwiseOps.rdiv(this, s); }

    public Tensor pow(Tensor exponent) { return PointwiseOps.pow(this, exponent); }

    public Tensor pow(double exponent) { return PointwiseOps.scalar(Autocast.cast("pow", this), BinaryOp.POW, exponent); }

    /** Python-style remainder: the result has the sign of the divisor. */
    public Tensor remainder(Tensor o) { return PointwiseOps.remainder(this, o); }

    public Tensor maximum(Tensor o) { return PointwiseOps.maximumOrMinimum(this, o, true); }

    public Tensor minimum(Tensor o) { return PointwiseOps.maximumOrMinimum(this, o, false); }

    public Tensor neg() { return PointwiseOps.unary(this, UnaryOp.NEG); }

    public Tensor abs() { return PointwiseOps.unary(this, UnaryOp.ABS); }

    public Tensor sign() { return PointwiseOps.unary(this, UnaryOp.SIGN); }

    public Tensor exp() { return PointwiseOps.unary(Autocast.cast("exp", this), UnaryOp.EXP); }

    public Tensor log() { return PointwiseOps.unary(Autocast.cast("log", this), UnaryOp.LOG); }

    public Tensor log1p() { return PointwiseOps.unary(this, UnaryOp.LOG1P); }

    public Tensor sqrt() { return PointwiseOps.unary(this, UnaryOp.SQRT); }

    public Tensor rsqrt() { return PointwiseOps.unary(this, UnaryOp.RSQRT); }

    public Tensor reciprocal() { return PointwiseOps.unary(this, UnaryOp.RECIPROCAL); }

    public Tensor square() { return PointwiseOps.unary(this, UnaryOp.SQUARE); }

    public Tensor sin() { return PointwiseOps.unary(this, UnaryOp.SIN); }

    public Tensor cos() { return PointwiseOps.unary(this, UnaryOp.COS); }

    public Tensor tan() { return PointwiseOps.unary(this, UnaryOp.TAN); }

    public Tensor tanh() { return PointwiseOps.unary(this, UnaryOp.TANH); }

    /** The error function, 2/sqrt(pi) times the integral of e^(-t^2) from 0 to x. */
    public Tensor erf() { return PointwiseOps.unary(this, UnaryOp.ERF); }

    /** 1 / (1 + exp(-x)). */
    public Tensor sigmoid() { return PointwiseOps.unary(this, UnaryOp.SIGMOID); }

    /** max(x, 0); the gradient at 0 is 0, as in PyTorch. */
    public Tensor relu() { return PointwiseOps.unary(this, UnaryOp.RELU); }

    public Tensor floor() { return PointwiseOps.unary(this, UnaryOp.FLOOR); }

    public Tensor ceil() { return PointwiseOps.unary(this, UnaryOp.CEIL); }

    /** Rounds half to even, as torch.round. */
    public Tensor round() { return PointwiseOps.unary(this, UnaryOp.ROUND); }

    /** Limits to [min, max]; pass NaN for an absent bound. */
    public Tensor clamp(double min, double max) { return PointwiseOps.clamp(this, min, max); }

    public Tensor clampMin(double min) { return PointwiseOps.clamp(this, min, Double.NaN); }

    public Tensor clampMax(double max) { return PointwiseOps.clamp(this, Double.NaN, max); }

    public Tensor eq(Tensor o) { return compare(BinaryOp.EQ, o); }

    public Tensor eq(double s) { return wrap(data.binary(BinaryOp.EQ, s)); }

    public Tensor ne(Tensor o) { return compare(BinaryOp.NE, o); }

    public Tensor ne(double s) { return wrap(data.binary(BinaryOp.NE, s)); }

    public Tensor lt(Tensor o) { return compare(BinaryOp.LT, o); }

    public Tensor lt(double s) { return wrap(data.binary(BinaryOp.LT, s)); }

    public Tensor le(Tensor o) { return compare(BinaryOp.LE, o); }

    public Tensor le(double s) { return wrap(data.binary(BinaryOp.LE, s)); }

    public Tensor gt(Tensor o) { return compare(BinaryOp.GT, o); }

    public Tensor gt(double s) { return wrap(data.binary(BinaryOp.GT, s)); }

    public Tensor ge(Tensor o) { return compare(BinaryOp.GE, o); }

    public Tensor ge(double s) { return wrap(data.binary(BinaryOp.GE, s)); }

    public Tensor logicalNot() { return wrap(data.unary(UnaryOp.LOGICAL_NOT)); }

    public Tensor logicalAnd(Tensor o) { return compare(BinaryOp.LOGICAL_AND, o); }

    public Tensor logicalOr(Tensor o) { return compare(BinaryOp.LOGICAL_OR, o); }

    /** Comparisons and logic give bool tensors, which carry no gradient. */
    private Tensor compare(BinaryOp op, Tensor o) { return wrap(data.binary(op, o.data)); }

    /** a where cond is true, else b, broadcasting all three. */
    public static Tensor where(Tensor cond, Tensor a, Tensor b) { return PointwiseOps.where(cond, a, b); }

    /** A copy with its own storage; gradients flow back to this tensor. */
    public Tensor clone() { return PointwiseOps.clone(this); }

    // ------------------------------------------------------------------ in place (InPlaceOps checks and records them)

    public Tensor add_(Tensor o) { return InPlaceOps.arithmetic(this, BinaryOp.ADD, o); }

    public Tensor add_(double s) { return InPlaceOps.arithmetic(this, BinaryOp.ADD, s); }

    public Tensor sub_(Tensor o) { return InPlaceOps.arithmetic(this, BinaryOp.SUB, o); }

    public Tensor sub_(double s) { return InPlaceOps.arithmetic(this, BinaryOp.SUB, s); }

    public Tensor mul_(Tensor o) { return InPlaceOps.arithmetic(this, BinaryOp.MUL, o); }

    public Tensor mul_(double s) { return InPlaceOps.arithmetic(this, BinaryOp.MUL, s); }

    public Tensor div_(Tensor o) { return InPlaceOps.arithmetic(this, BinaryOp.DIV, o); }

    public Tensor div_(double s) { return InPlaceOps.arithmetic(this, BinaryOp.DIV, s); }

    public Tensor clamp_(double min, double max) { return InPlaceOps.clamp_(this, min, max); }

    public Tensor fill_(double value) { return InPlaceOps.fill_(this, value); }

    public Tensor zero_() { return InPlaceOps.fill_(this, 0); }

    /** Copies src (broadcast, converted) into this tensor. */
    public Tensor copy_(Tensor src) { return InPlaceOps.copy_(this, src); }

    public Tensor maskedFill_(Tensor mask, double value) { return InPlaceOps.maskedFill_(this, mask, value); }

    // ------------------------------------------------------------------ reductions (ReductionOps)

    public record ValuesIndices(Tensor values, Tensor indices) {}

    public Tensor sum() { return ReductionOps.sum(Autocast.cast("sum", this), null, false); }

    public Tensor sum(int dim, boolean keepdim) { return ReductionOps.sum(Autocast.cast("sum", this), new int[]{dim}, keepdim); }

    public Tensor sum(int[] dims, boolean keepdim) { return ReductionOps.sum(Autocast.cast("sum", this), dims, keepdim); }

    /** Sums broadcast dims away to reach {@code shape} (torch.sum_to_size): the adjoint of expand. */
    public Tensor sumToSize(int... shape) { return ReductionOps.sumToSize(this, shape); }

    public Tensor mean() { return ReductionOps.mean(this, null, false); }

    public Tensor mean(int dim, boolean keepdim) { return ReductionOps.mean(this, new int[]{dim}, keepdim); }

    public Tensor mean(int[] dims, boolean keepdim) { return ReductionOps.mean(this, dims, keepdim); }

    public Tensor prod() { return ReductionOps.prod(this, null, false); }

    public Tensor prod(int dim, boolean keepdim) { return ReductionOps.prod(this, new int[]{dim}, keepdim); }

    /** Unbiased variance over all elements (Bessel's correction). */
    public Tensor var() { return ReductionOps.var(this, null, 1, false); }

    public Tensor var(int dim, boolean unbiased, boolean keepdim) {
        return ReductionOps.var(this, new int[]{dim}, unbiased ? 1 : 0, keepdim);
    }

    public Tensor var(int[] dims, boolean unbiased, boolean keepdim) { return ReductionOps.var(this, dims, unbiased ? 1 : 0, keepdim); }

    public Tensor std() { return var().sqrt(); }

    public Tensor std(int dim, boolean unbiased, boolean keepdim) { return var(dim, unbiased, keepdim).sqrt(); }

    /** The largest element, as a 0-d tensor; tied maxima share the gradient. */
    public Tensor max() { return ReductionOps.extreme(this, true); }

    public Tensor min() { return ReductionOps.extreme(this, false); }

    /** Largest values along dim and their (first) indices; the gradient goes to the chosen elements. */
    public ValuesIndices max(int dim, boolean keepdim) { return ReductionOps.extremeAlong(this, true, dim, keepdim); }

    public ValuesIndices min(int dim, boolean keepdim) { return ReductionOps.extremeAlong(this, false, dim, keepdim); }

    /** Index of the largest element of the flattened tensor. */
    public Tensor argmax() { return wrap(data.argmax()); }

    public Tensor argmax(int dim, boolean keepdim) { return wrap(data.maxMin(true, dim, keepdim)[1]); }

    public Tensor argmin() { return wrap(data.argmin()); }

    public Tensor argmin(int dim, boolean keepdim) { return wrap(data.maxMin(false, dim, keepdim)[1]); }

    public Tensor logsumexp(int dim, boolean keepdim) { return ReductionOps.logsumexp(this, new int[]{dim}, keepdim); }

    /** The 2-norm of all elements. */
    public Tensor norm() { return ReductionOps.norm(this, 2, null, false); }

    public Tensor norm(double p, int dim, boolean keepdim) { return ReductionOps.norm(this, p, new int[]{dim}, keepdim); }

    public Tensor any() { return wrap(data.reduce(ReduceOp.ANY, null, false)); }

    public Tensor all() { return wrap(data.reduce(ReduceOp.ALL, null, false)); }

    public Tensor softmax(int dim) { return ReductionOps.softmax(Autocast.cast("softmax", this), dim); }

    public Tensor logSoftmax(int dim) { return ReductionOps.logSoftmax(Autocast.cast("logSoftmax", this), dim); }

    // ------------------------------------------------------------------ matrix products (MatmulOps)

    /** torch.matmul: dot, matrix-vector, matrix and batched products with broadcast batch dims. */
    public Tensor matmul(Tensor o) {
        Tensor a = Autocast.cast("matmul", this), b = Autocast.cast("matmul", o);
        return MatmulOps.matmul(a, b, "MatmulBackward", a.data.matmul(b.data));
    }

    /**
     * torch.nn.functional.linear: {@code input W^T + bias} for input [..., in], weight [out, in] and
     * bias [out] (or null), as one graph node whose weight gradient lands in the weight's own layout.
     * {@code F.linear} checks the shapes and calls this.
     */
    public static Tensor linear(Tensor input, Tensor weight, Tensor bias) {
        return MatmulOps.linear(Autocast.cast("linear", input), Autocast.cast("linear", weight), Autocast.cast("linear", bias));
    }

    public Tensor mm(Tensor o) {
        Tensor a = Autocast.cast("mm", this), b = Autocast.cast("mm", o);
        return MatmulOps.matmul(a, b, "MmBackward", a.data.mm(b.data));
    }

    public Tensor bmm(Tensor o) {
        Tensor a = Autocast.cast("bmm", this), b = Autocast.cast("bmm", o);
        return MatmulOps.matmul(a, b, "BmmBackward", a.data.bmm(b.data));
    }

    // ------------------------------------------------------------------ shape ops (ViewOps, JoinOps)

    /** Same data in a new shape: a view when the strides allow, else a copy. One size may be -1. */
    public Tensor reshape(int... shape) { return ViewOps.reshape(this, shape, false); }

    /** As reshape, but always a view: fails when the strides do not allow one. */
    public Tensor view(int... shape) { return ViewOps.reshape(this, shape, true); }

    public Tensor permute(int... dims) { return ViewOps.permute(this, dims); }

    public Tensor transpose(int dim0, int dim1) { return ViewOps.transpose(this, dim0, dim1); }

    public Tensor t() { return ViewOps.t(this); }

    public Tensor squeeze() { return ViewOps.reshaping(this, data.squeeze(), "SqueezeBackward"); }

    public Tensor squeeze(int dim) { return ViewOps.reshaping(this, data.squeeze(dim), "SqueezeBackward"); }

    public Tensor unsqueeze(int dim) { return ViewOps.reshaping(this, data.unsqueeze(dim), "UnsqueezeBackward"); }

    public Tensor flatten() { return flatten(0, -1); }

    public Tensor flatten(int startDim, int endDim) {
        NDArray f = data.flatten(startDim, endDim);
        return f.sharesStorage(data) ? ViewOps.reshaping(this, f, "FlattenBackward") : ViewOps.reshape(this, f.shapeRef(), false);
    }

    /** A broadcast view (size-1 dims repeated without copying); -1 keeps a size. */
    public Tensor expand(int... shape) { return ViewOps.expand(this, shape); }

    public Tensor contiguous() { return isContiguous() ? this : PointwiseOps.clone(this); }

    public boolean isContiguous() { return data.isContiguous(); }

    public Tensor narrow(int dim, int start, int length) { return ViewOps.narrow(this, dim, start, length); }

    /** Python's {@code x[start:end:step]} along dim. */
    public Tensor slice(int dim, int start, int end, int step) { return ViewOps.slice(this, dim, start, end, step); }

    public Tensor select(int dim, int index) { return ViewOps.select(this, dim, index); }

    /** Sliding windows of {@code size} every {@code step} along dim, as a new last dim (a view). */
    public Tensor unfold(int dim, int size, int step) { return ViewOps.unfold(this, dim, size, step); }

    // ------------------------------------------------------------------ indexing and joining (IndexOps, JoinOps)

    public Tensor indexSelect(int dim, Tensor index) { return IndexOps.indexSelect(this, dim, index); }

    /** Out of place torch.index_add: src's slices added at the positions of a 1-D index along dim. */
    public Tensor indexAdd(int dim, Tensor index, Tensor src) { return IndexOps.indexAdd(this, dim, index, src); }

    /** NumPy-style {@code x[index]} along dim 0 with an int64 index of any shape. */
    public Tensor index(Tensor index) {
        if (dim() == 0) throw new IllegalArgumentException("index: cannot index a 0-d tensor");
        int[] rest = Arrays.copyOfRange(shape(), 1, dim());
        int[] outShape = new int[index.dim() + rest.length];
        System.arraycopy(index.shape(), 0, outShape, 0, index.dim());
        System.arraycopy(rest, 0, outShape, index.dim(), rest.length);
        return indexSelect(0, index.reshape(-1)).reshape(outShape);
    }

    public Tensor gather(int dim, Tensor index) { return IndexOps.gather(this, dim, index); }

    public Tensor scatter(int dim, Tensor index, Tensor src) { return IndexOps.scatter(this, dim, index, src, false); }

    public Tensor scatterAdd(int dim, Tensor index, Tensor src) { return IndexOps.scatter(this, dim, index, src, true); }

    public Tensor maskedFill(Tensor mask, double value) { return IndexOps.maskedFill(this, mask, value); }

    public Tensor maskedSelect(Tensor mask) { return IndexOps.maskedSelect(this, mask); }

    public static Tensor cat(List<Tensor> tensors, int dim) { return JoinOps.cat(tensors, dim); }

    public static Tensor stack(List<Tensor> tensors, int dim) { return JoinOps.stack(tensors, dim); }

    public List<Tensor> split(int size, int dim) { return JoinOps.pieces(this, data.split(size, dim), dim); }

    public List<Tensor> split(int[] sizes, int dim) { return JoinOps.pieces(this, data.split(sizes, dim), dim); }

    public List<Tensor> chunk(int chunks, int dim) { return JoinOps.pieces(this, data.chunk(chunks, dim), dim); }

    /** Constant padding as torch.nn.functional.pad: (before, after) pairs from the last dim; negative pads crop. */
    public Tensor pad(int[] pads, double value) { return JoinOps.pad(this, pads, value); }

    /** As PyTorch prints tensors: {@code tensor([[1., 2.]], gradFn=<MulBackward>)}, summarised beyond 1000 elements. */
    @Override
    public String toString() {
        List<String> suffix = gradFn != null ? List.of("gradFn=<" + gradFn.name() + ">")
                : requiresGrad ? List.of("requiresGrad=True") : null;
        return Printer.format(data, suffix);
    }
}
