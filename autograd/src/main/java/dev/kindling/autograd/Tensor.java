package dev.kindling.autograd;

import dev.kindling.Random;
import dev.kindling.tensor.BinaryOp;
import dev.kindling.tensor.DType;
import dev.kindling.tensor.Device;
import dev.kindling.tensor.NDArray;
import dev.kindling.tensor.Printer;
import dev.kindling.tensor.ReduceOp;
import dev.kindling.tensor.UnaryOp;
import java.util.ArrayList;
import java.util.List;

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
    private final NDArray data;
    private boolean requiresGrad;
    private Tensor grad;

    private Tensor(NDArray data) { this.data = data; }

    /** Wraps an array without copying. */
    public static Tensor wrap(NDArray data) { return new Tensor(data); }

    /** The underlying array (shared, not copied). */
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

    public static Tensor ones(int... shape) { return ones(DType.FLOAT32, shape); }

    public static Tensor ones(DType dtype, int... shape) { return wrap(NDArray.ones(dtype, shape)); }

    public static Tensor full(double value, int... shape) { return full(value, DType.FLOAT32, shape); }

    public static Tensor full(double value, DType dtype, int... shape) { return wrap(NDArray.full(value, dtype, shape)); }

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

    public Tensor to(DType dtype) { return dtype == dtype() ? this : wrap(data.to(dtype)); }

    public Tensor to(Device device) { return device.equals(device()) ? this : wrap(data.to(device)); }

    public float[] toFloatArray() { return data.toFloatArray(); }

    public double[] toDoubleArray() { return data.toDoubleArray(); }

    public long[] toLongArray() { return data.toLongArray(); }

    public boolean[] toBooleanArray() { return data.toBooleanArray(); }

    /** The value of a one-element tensor as a plain double. */
    public double item() { return data.item(); }

    // ------------------------------------------------------------------ autograd state

    public boolean requiresGrad() { return requiresGrad; }

    /** Marks a floating point tensor as a leaf whose gradient is wanted; returns this. */
    public Tensor requiresGrad_(boolean flag) {
        if (flag && !dtype().isFloatingPoint()) {
            throw new IllegalArgumentException("requiresGrad_: only floating point tensors can require gradients, this one is "
                    + dtype());
        }
        requiresGrad = flag;
        return this;
    }

    /** The accumulated gradient, or null before any. */
    public Tensor grad() { return grad; }

    /** A tensor sharing this one's data that never requires grad. */
    public Tensor detach() { return wrap(data); }

    // ------------------------------------------------------------------ elementwise math

    private Tensor unary(UnaryOp op) { return wrap(data.unary(op)); }

    private Tensor binary(BinaryOp op, Tensor o) { return wrap(data.binary(op, o.data)); }

    public Tensor add(Tensor o) { return binary(BinaryOp.ADD, o); }

    public Tensor add(double s) { return wrap(data.binary(BinaryOp.ADD, s)); }

    public Tensor add(long s) { return wrap(data.binary(BinaryOp.ADD, s)); }

    public Tensor sub(Tensor o) { return binary(BinaryOp.SUB, o); }

    public Tensor sub(double s) { return wrap(data.binary(BinaryOp.SUB, s)); }

    public Tensor sub(long s) { return wrap(data.binary(BinaryOp.SUB, s)); }

    /** s - this. */
    public Tensor rsub(double s) { return wrap(data.binaryReversed(BinaryOp.SUB, s)); }

    public Tensor mul(Tensor o) { return binary(BinaryOp.MUL, o); }

    public Tensor mul(double s) { return wrap(data.binary(BinaryOp.MUL, s)); }

    public Tensor mul(long s) { return wrap(data.binary(BinaryOp.MUL, s)); }

    /** True division: integer tensors divide as floats. */
    public Tensor div(Tensor o) { return binary(BinaryOp.DIV, o); }

    public Tensor div(double s) { return wrap(data.binary(BinaryOp.DIV, s)); }

    public Tensor div(long s) { return wrap(data.binary(BinaryOp.DIV, s)); }

    /** s / this. */
    public Tensor rdiv(double s) { return wrap(data.binaryReversed(BinaryOp.DIV, s)); }

    public Tensor pow(Tensor exponent) { return binary(BinaryOp.POW, exponent); }

    public Tensor pow(double exponent) { return wrap(data.binary(BinaryOp.POW, exponent)); }

    public Tensor remainder(Tensor o) { return binary(BinaryOp.REMAINDER, o); }

    public Tensor maximum(Tensor o) { return binary(BinaryOp.MAXIMUM, o); }

    public Tensor minimum(Tensor o) { return binary(BinaryOp.MINIMUM, o); }

    public Tensor neg() { return unary(UnaryOp.NEG); }

    public Tensor abs() { return unary(UnaryOp.ABS); }

    public Tensor sign() { return unary(UnaryOp.SIGN); }

    public Tensor exp() { return unary(UnaryOp.EXP); }

    public Tensor log() { return unary(UnaryOp.LOG); }

    public Tensor log1p() { return unary(UnaryOp.LOG1P); }

    public Tensor sqrt() { return unary(UnaryOp.SQRT); }

    public Tensor rsqrt() { return unary(UnaryOp.RSQRT); }

    public Tensor reciprocal() { return unary(UnaryOp.RECIPROCAL); }

    public Tensor sin() { return unary(UnaryOp.SIN); }

    public Tensor cos() { return unary(UnaryOp.COS); }

    public Tensor tanh() { return unary(UnaryOp.TANH); }

    /** 1 / (1 + exp(-x)). */
    public Tensor sigmoid() { return unary(UnaryOp.SIGMOID); }

    /** max(x, 0). */
    public Tensor relu() { return unary(UnaryOp.RELU); }

    public Tensor floor() { return unary(UnaryOp.FLOOR); }

    public Tensor ceil() { return unary(UnaryOp.CEIL); }

    public Tensor round() { return unary(UnaryOp.ROUND); }

    /** Bounds every element to [min, max]. */
    public Tensor clamp(double min, double max) { return wrap(data.clamp(min, max)); }

    public Tensor clampMin(double min) { return wrap(data.clamp(min, Double.NaN)); }

    public Tensor clampMax(double max) { return wrap(data.clamp(Double.NaN, max)); }

    public Tensor eq(Tensor o) { return binary(BinaryOp.EQ, o); }

    public Tensor eq(double s) { return wrap(data.binary(BinaryOp.EQ, s)); }

    public Tensor ne(Tensor o) { return binary(BinaryOp.NE, o); }

    public Tensor ne(double s) { return wrap(data.binary(BinaryOp.NE, s)); }

    public Tensor lt(Tensor o) { return binary(BinaryOp.LT, o); }

    public Tensor lt(double s) { return wrap(data.binary(BinaryOp.LT, s)); }

    public Tensor le(Tensor o) { return binary(BinaryOp.LE, o); }

    public Tensor le(double s) { return wrap(data.binary(BinaryOp.LE, s)); }

    public Tensor gt(Tensor o) { return binary(BinaryOp.GT, o); }

    public Tensor gt(double s) { return wrap(data.binary(BinaryOp.GT, s)); }

    public Tensor ge(Tensor o) { return binary(BinaryOp.GE, o); }

    public Tensor ge(double s) { return wrap(data.binary(BinaryOp.GE, s)); }

    public Tensor logicalNot() { return unary(UnaryOp.LOGICAL_NOT); }

    public Tensor logicalAnd(Tensor o) { return binary(BinaryOp.LOGICAL_AND, o); }

    public Tensor logicalOr(Tensor o) { return binary(BinaryOp.LOGICAL_OR, o); }

    /** cond ? a : b, broadcasting all three. */
    public static Tensor where(Tensor cond, Tensor a, Tensor b) { return wrap(NDArray.where(cond.data, a.data, b.data)); }

    // ------------------------------------------------------------------ in place

    public Tensor add_(Tensor o) { data.binary_(BinaryOp.ADD, o.data); return this; }

    public Tensor add_(double s) { data.binary_(BinaryOp.ADD, s); return this; }

    public Tensor sub_(Tensor o) { data.binary_(BinaryOp.SUB, o.data); return this; }

    public Tensor sub_(double s) { data.binary_(BinaryOp.SUB, s); return this; }

    public Tensor mul_(Tensor o) { data.binary_(BinaryOp.MUL, o.data); return this; }

    public Tensor mul_(double s) { data.binary_(BinaryOp.MUL, s); return this; }

    public Tensor div_(Tensor o) { data.binary_(BinaryOp.DIV, o.data); return this; }

    public Tensor div_(double s) { data.binary_(BinaryOp.DIV, s); return this; }

    public Tensor clamp_(double min, double max) { data.clamp_(min, max); return this; }

    public Tensor fill_(double value) { data.fill_(value); return this; }

    public Tensor zero_() { data.fill_(0); return this; }

    public Tensor copy_(Tensor src) { data.copy_(src.data); return this; }

    public Tensor maskedFill_(Tensor mask, double value) { data.maskedFill_(mask.data, value); return this; }

    // ------------------------------------------------------------------ reductions

    /** The two results of max/min over a dim. */
    public record ValuesIndices(Tensor values, Tensor indices) {}

    public Tensor sum() { return wrap(data.sum()); }

    public Tensor sum(int dim, boolean keepdim) { return wrap(data.sum(dim, keepdim)); }

    public Tensor sum(int[] dims, boolean keepdim) { return wrap(data.reduce(ReduceOp.SUM, dims, keepdim)); }

    public Tensor mean() { return wrap(data.mean()); }

    public Tensor mean(int dim, boolean keepdim) { return wrap(data.reduce(ReduceOp.MEAN, new int[]{dim}, keepdim)); }

    public Tensor mean(int[] dims, boolean keepdim) { return wrap(data.reduce(ReduceOp.MEAN, dims, keepdim)); }

    public Tensor prod() { return wrap(data.reduce(ReduceOp.PROD, null, false)); }

    public Tensor prod(int dim, boolean keepdim) { return wrap(data.reduce(ReduceOp.PROD, new int[]{dim}, keepdim)); }

    /** Unbiased variance over all elements (Bessel's correction). */
    public Tensor var() { return wrap(data.var(null, 1, false)); }

    public Tensor var(int dim, boolean unbiased, boolean keepdim) {
        return wrap(data.var(new int[]{dim}, unbiased ? 1 : 0, keepdim));
    }

    public Tensor var(int[] dims, boolean unbiased, boolean keepdim) { return wrap(data.var(dims, unbiased ? 1 : 0, keepdim)); }

    public Tensor std() { return var().sqrt(); }

    public Tensor std(int dim, boolean unbiased, boolean keepdim) { return var(dim, unbiased, keepdim).sqrt(); }

    /** The largest element, as a 0-d tensor. */
    public Tensor max() { return wrap(data.reduce(ReduceOp.MAX, null, false)); }

    public Tensor min() { return wrap(data.reduce(ReduceOp.MIN, null, false)); }

    /** Largest values along dim and their (first) indices. */
    public ValuesIndices max(int dim, boolean keepdim) {
        NDArray[] r = data.maxMin(true, dim, keepdim);
        return new ValuesIndices(wrap(r[0]), wrap(r[1]));
    }

    public ValuesIndices min(int dim, boolean keepdim) {
        NDArray[] r = data.maxMin(false, dim, keepdim);
        return new ValuesIndices(wrap(r[0]), wrap(r[1]));
    }

    /** Index of the largest element of the flattened tensor. */
    public Tensor argmax() { return wrap(data.argmax()); }

    public Tensor argmax(int dim, boolean keepdim) { return wrap(data.maxMin(true, dim, keepdim)[1]); }

    public Tensor argmin() { return wrap(data.argmin()); }

    public Tensor argmin(int dim, boolean keepdim) { return wrap(data.maxMin(false, dim, keepdim)[1]); }

    public Tensor logsumexp(int dim, boolean keepdim) { return wrap(data.logsumexp(new int[]{dim}, keepdim)); }

    /** The 2-norm of all elements. */
    public Tensor norm() { return wrap(data.norm(2, null, false)); }

    public Tensor norm(double p, int dim, boolean keepdim) { return wrap(data.norm(p, new int[]{dim}, keepdim)); }

    public Tensor any() { return wrap(data.reduce(ReduceOp.ANY, null, false)); }

    public Tensor all() { return wrap(data.reduce(ReduceOp.ALL, null, false)); }

    public Tensor softmax(int dim) { return wrap(data.softmax(dim)); }

    public Tensor logSoftmax(int dim) { return wrap(data.logSoftmax(dim)); }

    // ------------------------------------------------------------------ matrix products

    /** torch.matmul: dot, matrix-vector, matrix and batched products with broadcast batch dims. */
    public Tensor matmul(Tensor o) { return wrap(data.matmul(o.data)); }

    public Tensor mm(Tensor o) { return wrap(data.mm(o.data)); }

    public Tensor bmm(Tensor o) { return wrap(data.bmm(o.data)); }

    // ------------------------------------------------------------------ shape ops (views where possible)

    public Tensor reshape(int... shape) { return wrap(data.reshape(shape)); }

    public Tensor view(int... shape) { return wrap(data.view(shape)); }

    public Tensor permute(int... dims) { return wrap(data.permute(dims)); }

    public Tensor transpose(int dim0, int dim1) { return wrap(data.transpose(dim0, dim1)); }

    public Tensor t() { return wrap(data.t()); }

    public Tensor squeeze() { return wrap(data.squeeze()); }

    public Tensor squeeze(int dim) { return wrap(data.squeeze(dim)); }

    public Tensor unsqueeze(int dim) { return wrap(data.unsqueeze(dim)); }

    public Tensor flatten() { return wrap(data.flatten()); }

    public Tensor flatten(int startDim, int endDim) { return wrap(data.flatten(startDim, endDim)); }

    public Tensor expand(int... shape) { return wrap(data.expand(shape)); }

    public Tensor contiguous() { return wrap(data.contiguous()); }

    public boolean isContiguous() { return data.isContiguous(); }

    public Tensor narrow(int dim, int start, int length) { return wrap(data.narrow(dim, start, length)); }

    /** x[start:end:step] along dim. */
    public Tensor slice(int dim, int start, int end, int step) { return wrap(data.slice(dim, start, end, step)); }

    public Tensor select(int dim, int index) { return wrap(data.select(dim, index)); }

    public Tensor unfold(int dim, int size, int step) { return wrap(data.unfold(dim, size, step)); }

    // ------------------------------------------------------------------ indexing and joining

    public Tensor indexSelect(int dim, Tensor index) { return wrap(data.indexSelect(dim, index.data)); }

    /** x[index] along dim 0 with an int64 index of any shape. */
    public Tensor index(Tensor index) { return wrap(data.index(index.data)); }

    public Tensor gather(int dim, Tensor index) { return wrap(data.gather(dim, index.data)); }

    public Tensor scatter(int dim, Tensor index, Tensor src) { return wrap(data.scatter(dim, index.data, src.data, false)); }

    public Tensor scatterAdd(int dim, Tensor index, Tensor src) { return wrap(data.scatter(dim, index.data, src.data, true)); }

    public Tensor maskedFill(Tensor mask, double value) { return wrap(data.maskedFill(mask.data, value)); }

    public Tensor maskedSelect(Tensor mask) { return wrap(data.maskedSelect(mask.data)); }

    public static Tensor cat(List<Tensor> tensors, int dim) { return wrap(NDArray.cat(arrays(tensors), dim)); }

    public static Tensor stack(List<Tensor> tensors, int dim) { return wrap(NDArray.stack(arrays(tensors), dim)); }

    public List<Tensor> split(int size, int dim) { return tensors(data.split(size, dim)); }

    public List<Tensor> split(int[] sizes, int dim) { return tensors(data.split(sizes, dim)); }

    public List<Tensor> chunk(int chunks, int dim) { return tensors(data.chunk(chunks, dim)); }

    /** Constant padding; pads are (before, after) pairs from the last dim backwards. */
    public Tensor pad(int[] pads, double value) { return wrap(data.pad(pads, value)); }

    private static List<NDArray> arrays(List<Tensor> ts) {
        List<NDArray> out = new ArrayList<>(ts.size());
        for (Tensor t : ts) out.add(t.data);
        return out;
    }

    private static List<Tensor> tensors(List<NDArray> as) {
        List<Tensor> out = new ArrayList<>(as.size());
        for (NDArray a : as) out.add(wrap(a));
        return out;
    }

    /** As PyTorch prints tensors: {@code tensor([[1., 2.]])}, summarised beyond 1000 elements. */
    @Override
    public String toString() {
        return Printer.format(data, requiresGrad ? List.of("requiresGrad=True") : null);
    }
}
