package dev.kindling.tensor;

/**
 * The kernels of one device type. {@link NDArray} checks every argument (shapes, dtypes, devices,
 * index ranges) and resolves broadcasting and promotion before calling in, so a backend only
 * computes: its inputs are already the right dtype and, unless stated, the output's shape (inputs
 * may be broadcast views with zero strides). Outputs are freshly allocated unless named in-place.
 * Register an implementation with {@link java.util.ServiceLoader}.
 */
public interface Backend {
    boolean supports(Device device);

    /** Zero-filled storage for {@code size} elements. */
    Storage allocate(Device device, DType dtype, int size);

    /** Storage holding a copy of a Java array (float[], double[], int[], long[] or boolean[]). */
    Storage fromArray(Device device, Object javaArray);

    /** The elements of a view in row-major order, as a new Java array of its dtype's Java type. */
    Object toArray(NDArray x);

    /** dst[...] = src[...], converting dtype; src may be a broadcast view. */
    void copy(NDArray src, NDArray dst);

    void fill(NDArray dst, double value);

    /** out = op(x); out may be x itself (in-place). */
    void unary(UnaryOp op, NDArray x, NDArray out);

    /** out = op(a, b); a and b share a dtype; out has that dtype, or BOOL for comparisons and logical ops. */
    void binary(BinaryOp op, NDArray a, NDArray b, NDArray out);

    /** out = op(a, s), or op(s, a) when {@code scalarFirst}. */
    void binaryScalar(BinaryOp op, NDArray a, double s, boolean scalarFirst, NDArray out);

    /** out = cond ? a : b; cond is BOOL, a and b have out's dtype. */
    void where(NDArray cond, NDArray a, NDArray b, NDArray out);

    /** out = min(max(x, lo), hi); NaN bounds mean "no bound". */
    void clamp(NDArray x, double lo, double hi, NDArray out);

    /** Reduces x over the dims flagged in {@code reduced}; out has x's rank with size 1 there. */
    void reduce(ReduceOp op, NDArray x, boolean[] reduced, NDArray out);

    /** Max or min over one dim, with the index of the first extreme element; outputs in keepdim form. */
    void argReduce(boolean max, NDArray x, int dim, NDArray values, NDArray indices);

    /** Batched matrix product: a [B, M, K] @ b [B, K, N] into a contiguous out [B, M, N]; batch strides may be 0. */
    void matmul(NDArray a, NDArray b, NDArray out);

    /** out[..., i, ...] = x[..., index[i], ...] along dim; index is INT64 1-D. */
    void indexSelect(NDArray x, int dim, NDArray index, NDArray out);

    /** out[i][j][k] = x[i][index[i][j][k]][k] for dim 1 (torch.gather); index INT64 with out's shape. */
    void gather(NDArray x, int dim, NDArray index, NDArray out);

    /** In place: target[i][index[i][j][k]][k] = (or +=) src[i][j][k] for dim 1; index and src share a shape. */
    void scatter(NDArray target, int dim, NDArray index, NDArray src, boolean accumulate);

    /** In place: target[i, ...] += src[j, ...] for each j with index[j] = i along dim (index_add_). */
    void indexAdd(NDArray target, int dim, NDArray index, NDArray src);

    /** The elements of x where mask (a view of x's shape) is true, as a 1-D array. */
    NDArray maskedSelect(NDArray x, NDArray mask);

    /** Unfolds [N, C, H, W] into columns [N, C*kh*kw, oh*ow] (zero padding). */
    void im2col(NDArray x, int kh, int kw, int sh, int sw, int ph, int pw, int dh, int dw, NDArray out);

    /** The adjoint of {@link #im2col}: sums columns [N, C*kh*kw, oh*ow] back into out [N, C, H, W] (zeroed first). */
    void col2im(NDArray cols, int kh, int kw, int sh, int sw, int ph, int pw, int dh, int dw, NDArray out);

    // ------------------------------------------------------------------ convolution and pooling (docs/convolution.md)
    // Inputs are contiguous; outputs are fresh zeroed arrays of the shapes NDArray checked.

    /** out = x ⋆ w + bias: x [N, C, H, W], w [O, C/groups, kh, kw], bias [O] or null, out [N, O, oh, ow]. */
    void conv2d(NDArray x, NDArray w, NDArray bias, ConvParams p, NDArray out);

    /** The adjoint of conv2d in x (transposed convolution): gy [N, O, oh, ow] and w into out [N, C, H, W]. */
    void conv2dBackwardInput(NDArray gy, NDArray w, ConvParams p, NDArray out);

    /** The adjoint of conv2d in w, summed over the batch: x [N, C, H, W] and gy [N, O, oh, ow] into out [O, C/groups, kh, kw]. */
    void conv2dBackwardWeight(NDArray x, NDArray gy, ConvParams p, NDArray out);

    /** Window maxima of x into values, and their flat positions iy * W + ix in the input plane into indices (INT64). */
    void maxPool2d(NDArray x, int kh, int kw, int sh, int sw, int ph, int pw, int dh, int dw, NDArray values, NDArray indices);

    /**
     * out = a * sign(s), all three of one shape and dtype: the gradient of relu (s its output) and of
     * abs (s its input). Composed of {@link #unary} and {@link #binary} unless a device fuses it.
     */
    default void mulSign(NDArray a, NDArray s, NDArray out) {
        binary(BinaryOp.MUL, a, s.unary(UnaryOp.SIGN), out);
    }

    /**
     * Softmax (log-softmax when {@code log}) of each row of x, contiguous and floating point, along its
     * last dim, into out (contiguous, x's shape); false where this device has no fused kernel for it, and
     * the caller composes it from reductions.
     */
    default boolean softmaxRows(NDArray x, boolean log, NDArray out) { return false; }

    /**
     * The gradient of {@link #softmaxRows} from its output y and that output's gradient g (both
     * contiguous, of y's shape, floating point) into out; false where this device has no fused kernel for
     * it, and the caller composes it.
     */
    default boolean softmaxBackwardRows(NDArray y, NDArray g, boolean log, NDArray out) { return false; }

    /** out[n, c].flat[indices[n, c, i]] += gy[n, c].flat[i]; out [N, C, H, W]. */
    void maxPool2dBackward(NDArray gy, NDArray indices, NDArray out);

    /** out[n, c] = alongH x[n, c] alongW^T for every plane. */
    void resample2d(NDArray x, Resampling alongH, Resampling alongW, NDArray out);

    // ------------------------------------------------------------------ whole-network kernels offered by some devices

    /**
     * A library that runs a whole recurrent network in one call (cuDNN), or null when this device has
     * none: nn's recurrent layers then run their own per-layer kernels (the CPU's fused ones, or Tensor ops).
     */
    default RecurrentNetwork recurrentNetwork() { return null; }
}
