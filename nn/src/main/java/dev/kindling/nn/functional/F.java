package dev.kindling.nn.functional;

import dev.kindling.autograd.GradMode;
import dev.kindling.autograd.Tensor;
import dev.kindling.Random;
import dev.kindling.nn.AttentionOutput;
import dev.kindling.tensor.DType;
import dev.kindling.tensor.Generator;
import dev.kindling.tensor.NDArray;
import dev.kindling.tensor.Shapes;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;

/**
 * Functional forms of the layers, activations and losses (torch.nn.functional): stateless static
 * methods on tensors, differentiable through autograd.
 * <pre>{@code
 * Tensor h = F.relu(F.linear(x, w1, b1));
 * Tensor loss = F.crossEntropy(F.linear(h, w2, b2), labels);
 * }</pre>
 */
public final class F {
    private F() {}

    // ------------------------------------------------------------------ linear layers

    /** x W^T + b for x [..., in], W [out, in], b [out] (or null): the output is [..., out]. */
    public static Tensor linear(Tensor x, Tensor weight, Tensor bias) {
        if (weight.dim() != 2) {
            throw new IllegalArgumentException("linear: weight must be [out, in], got " + Shapes.str(weight.shape()));
        }
        if (x.dim() == 0 || x.shape()[x.dim() - 1] != weight.shape()[1]) {
            throw new IllegalArgumentException("linear: input " + Shapes.str(x.shape()) + " does not fit weight "
                    + Shapes.str(weight.shape()) + ": the input's last dim must be " + weight.shape()[1]);
        }
        if (bias != null && (bias.dim() != 1 || bias.shape()[0] != weight.shape()[0])) {
            throw new IllegalArgumentException("linear: bias " + Shapes.str(bias.shape()) + " does not fit weight "
                    + Shapes.str(weight.shape()) + ": it must be [" + weight.shape()[0] + "]");
        }
        return Tensor.linear(x, weight, bias);
    }

    public static Tensor linear(Tensor x, Tensor weight) { return linear(x, weight, null); }

    // ------------------------------------------------------------------ activations

    public static Tensor relu(Tensor x) { return x.relu(); }

    /** x for x > 0, else slope * x (PyTorch's default slope 0.01). */
    public static Tensor leakyRelu(Tensor x, double negativeSlope) {
        return Tensor.where(x.gt(0.0), x, x.mul(negativeSlope));
    }

    public static Tensor leakyRelu(Tensor x) { return leakyRelu(x, 0.01); }

    /** x for x > 0, else alpha (e^x - 1). */
    public static Tensor elu(Tensor x, double alpha) {
        // exp of the clamped input: exp of a large positive x in the unused branch would be inf, and inf * 0 in backward is NaN.
        return Tensor.where(x.gt(0.0), x, x.clampMax(0).exp().sub(1.0).mul(alpha));
    }

    public static Tensor elu(Tensor x) { return elu(x, 1.0); }

    /** The exact GELU, x * Phi(x) = x/2 (1 + erf(x / sqrt 2)). */
    public static Tensor gelu(Tensor x) { return gelu(x, "none"); }

    /** approximate "none" (erf) or "tanh": x/2 (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))). */
    public static Tensor gelu(Tensor x, String approximate) {
        switch (approximate) {
            case "none": return x.mul(x.mul(1 / Math.sqrt(2)).erf().add(1.0)).mul(0.5);
            case "tanh": {
                Tensor inner = x.add(x.pow(3.0).mul(0.044715)).mul(Math.sqrt(2 / Math.PI));
                return x.mul(inner.tanh().add(1.0)).mul(0.5);
            }
            default: throw new IllegalArgumentException("gelu: approximate must be \"none\" or \"tanh\", got \"" + approximate + "\"");
        }
    }

    /** x * sigmoid(x) (also called swish). */
    public static Tensor silu(Tensor x) { return x.mul(x.sigmoid()); }

    public static Tensor sigmoid(Tensor x) { return x.sigmoid(); }

    public static Tensor tanh(Tensor x) { return x.tanh(); }

    public static Tensor softmax(Tensor x, int dim) { return x.softmax(dim); }

    public static Tensor logSoftmax(Tensor x, int dim) { return x.logSoftmax(dim); }

    /**
     * log(1 + e^(beta x)) / beta, as logsumexp(0, beta x) / beta so it never overflows and its gradient
     * at 0 is exactly 1/2; above {@code threshold} (beta x) it is x, as in PyTorch.
     */
    public static Tensor softplus(Tensor x, double beta, double threshold) {
        Tensor smooth = Losses.softplus(x.mul(beta)).div(beta);
        return Tensor.where(x.mul(beta).gt(threshold), x, smooth);
    }

    public static Tensor softplus(Tensor x) { return softplus(x, 1, 20); }

    /** Clamps to [minVal, maxVal] (default [-1, 1]). */
    public static Tensor hardtanh(Tensor x, double minVal, double maxVal) { return x.clamp(minVal, maxVal); }

    public static Tensor hardtanh(Tensor x) { return hardtanh(x, -1, 1); }

    /**
     * x for x > 0, else weight * x, with one weight shared by all channels or one per channel
     * (dim 1 of the input, as PyTorch).
     */
    public static Tensor prelu(Tensor x, Tensor weight) {
        Tensor w = weight;
        if (weight.numel() > 1) {
            if (x.dim() < 2 || x.shape()[1] != weight.numel()) {
                throw new IllegalArgumentException("prelu: " + weight.numel() + " weights need an input with " + weight.numel()
                        + " channels in dim 1, got " + Shapes.str(x.shape()));
            }
            int[] s = new int[x.dim()];
            Arrays.fill(s, 1);
            s[1] = (int) weight.numel();
            w = weight.reshape(s);
        }
        return Tensor.where(x.gt(0.0), x, x.mul(w));
    }

    // ------------------------------------------------------------------ normalisation

    /**
     * Normalises over the last {@code normalizedShape.length} dims: (x - mean) / sqrt(var + eps) * weight + bias,
     * with the biased variance, as torch.nn.functional.layer_norm. weight and bias may be null.
     */
    public static Tensor layerNorm(Tensor x, int[] normalizedShape, Tensor weight, Tensor bias, double eps) {
        int k = normalizedShape.length, rank = x.dim();
        int[] s = x.shape();
        boolean fits = k >= 1 && k <= rank;
        for (int i = 0; fits && i < k; i++) fits = s[rank - k + i] == normalizedShape[i];
        if (!fits) {
            throw new IllegalArgumentException("layerNorm: input " + Shapes.str(s) + " does not end in the normalized shape "
                    + Shapes.str(normalizedShape));
        }
        int[] dims = new int[k];
        for (int i = 0; i < k; i++) dims[i] = rank - k + i;
        for (Tensor p : new Tensor[]{weight, bias}) {
            if (p != null && !Arrays.equals(p.shape(), normalizedShape)) {
                throw new IllegalArgumentException("layerNorm: " + (p == weight ? "weight" : "bias") + " " + Shapes.str(p.shape())
                        + " must have the normalized shape " + Shapes.str(normalizedShape));
            }
        }
        int d = (int) Shapes.numel(normalizedShape);
        if (FusedNormalization.handles(x, weight, bias, d)) return new FusedLayerNorm(dims, d, eps).apply(x, weight, bias);
        return layerNormOps(x, dims, weight, bias, eps);
    }

    /** Layer norm over dims as Tensor ops: the reference form, and FusedLayerNorm's differentiable backward. */
    static Tensor layerNormOps(Tensor x, int[] dims, Tensor weight, Tensor bias, double eps) {
        Tensor centered = x.sub(x.mean(dims, true));
        Tensor y = centered.mul(centered.mul(centered).mean(dims, true).add(eps).rsqrt());
        if (weight != null) y = y.mul(weight);
        return bias == null ? y : y.add(bias);
    }

    /**
     * Batch normalisation of [N, C] or [N, C, L] (any rank >= 2, channels in dim 1). In training the batch's
     * statistics normalise (biased variance) and the running ones, when given, are updated in place with
     * {@code momentum} (running var from the unbiased variance, as PyTorch); otherwise the running ones normalise.
     */
    public static Tensor batchNorm(Tensor x, Tensor runningMean, Tensor runningVar, Tensor weight, Tensor bias,
                                   boolean training, double momentum, double eps) {
        if (x.dim() < 2) throw new IllegalArgumentException("batchNorm: expects [N, C, ...], got " + Shapes.str(x.shape()));
        int c = x.shape()[1];
        int[] dims = new int[x.dim() - 1];
        dims[0] = 0;
        for (int i = 2; i < x.dim(); i++) dims[i - 1] = i;
        if (!training) {
            if (runningMean == null || runningVar == null) {
                throw new IllegalArgumentException("batchNorm: evaluation needs running statistics");
            }
            int[] channelShape = channelShape(x.dim(), c);
            return affine(x.sub(runningMean.reshape(channelShape)).mul(runningVar.reshape(channelShape).add(eps).rsqrt()),
                    weight, bias, channelShape);
        }
        long n = x.numel() / Math.max(1, c);
        if (n <= 1) {
            throw new IllegalArgumentException("batchNorm: training needs more than one value per channel, got input "
                    + Shapes.str(x.shape()));
        }
        Tensor y, mean, var;
        if (FusedNormalization.handles(x, weight, bias, c)) {
            FusedBatchNorm fused = new FusedBatchNorm(dims, eps);
            y = fused.apply(x, weight, bias);
            mean = Tensor.of(fused.mean(), c);
            var = Tensor.of(fused.variance(), c);
        } else {
            mean = x.mean(dims, true);
            Tensor centered = x.sub(mean);
            var = centered.mul(centered).mean(dims, true);
            y = affine(centered.mul(var.add(eps).rsqrt()), weight, bias, channelShape(x.dim(), c));
        }
        if (runningMean != null && runningVar != null) {
            try (GradMode.Scope s = GradMode.noGrad()) {
                Tensor m = mean.detach().reshape(c).to(runningMean.dtype());
                Tensor v = var.detach().reshape(c).mul((double) n / (n - 1)).to(runningVar.dtype());
                runningMean.mul_(1 - momentum).add_(m.mul(momentum));
                runningVar.mul_(1 - momentum).add_(v.mul(momentum));
            }
        }
        return y;
    }

    /** Training-mode batch norm over dims as Tensor ops: FusedBatchNorm's differentiable backward. */
    static Tensor batchNormOps(Tensor x, int[] dims, Tensor weight, Tensor bias, double eps) {
        Tensor centered = x.sub(x.mean(dims, true));
        Tensor var = centered.mul(centered).mean(dims, true);
        return affine(centered.mul(var.add(eps).rsqrt()), weight, bias, channelShape(x.dim(), x.shape()[1]));
    }

    /** [1, C, 1, ...]: a per-channel vector broadcast against an input of the given rank. */
    private static int[] channelShape(int rank, int c) {
        int[] shape = new int[rank];
        Arrays.fill(shape, 1);
        shape[1] = c;
        return shape;
    }

    private static Tensor affine(Tensor y, Tensor weight, Tensor bias, int[] channelShape) {
        if (weight != null) y = y.mul(weight.reshape(channelShape));
        return bias == null ? y : y.add(bias.reshape(channelShape));
    }

    // ------------------------------------------------------------------ lookup and bilinear

    /**
     * Rows of {@code weight} [num, dim] picked by int64 {@code indices} of any shape: the result is
     * indices.shape + [dim]. Positions equal to {@code paddingIdx} (negative: none) pass no gradient to
     * that row. With {@code maxNorm} (NaN: none) the looked-up rows are first rescaled in place to norm at
     * most maxNorm, as PyTorch does.
     */
    public static Tensor embedding(Tensor indices, Tensor weight, int paddingIdx, double maxNorm) {
        if (indices.dtype() != DType.INT64 && indices.dtype() != DType.INT32) {
            throw new IllegalArgumentException("embedding: indices must be int64 or int32, got " + indices.dtype());
        }
        if (weight.dim() != 2) throw new IllegalArgumentException("embedding: weight must be [num, dim], got " + Shapes.str(weight.shape()));
        if (!Double.isNaN(maxNorm)) renormRows(indices, weight, maxNorm);
        Tensor out = weight.index(indices);
        if (paddingIdx >= 0) {
            // Same values, but the padding positions read a detached copy, so that row gets no gradient.
            Tensor pad = indices.eq((double) paddingIdx).unsqueeze(-1);
            out = Tensor.where(pad, out.detach(), out);
        }
        return out;
    }

    public static Tensor embedding(Tensor indices, Tensor weight) { return embedding(indices, weight, -1, Double.NaN); }

    private static void renormRows(Tensor indices, Tensor weight, double maxNorm) {
        try (GradMode.Scope s = GradMode.noGrad()) {
            long[] ids = indices.reshape(-1).to(DType.INT64).toLongArray();
            Set<Long> seen = new HashSet<>();
            for (long id : ids) {
                if (!seen.add(id)) continue;
                Tensor row = weight.detach().select(0, (int) id);
                double norm = row.norm().item();
                if (norm > maxNorm) row.mul_(maxNorm / (norm + 1e-7));
            }
        }
    }

    /** y = x1^T W x2 + b per output feature: x1 [..., in1], x2 [..., in2], weight [out, in1, in2], bias [out] or null. */
    public static Tensor bilinear(Tensor x1, Tensor x2, Tensor weight, Tensor bias) {
        if (weight.dim() != 3) throw new IllegalArgumentException("bilinear: weight must be [out, in1, in2], got " + Shapes.str(weight.shape()));
        int out = weight.shape()[0], in1 = weight.shape()[1], in2 = weight.shape()[2];
        int[] s1 = x1.shape(), s2 = x2.shape();
        if (s1.length == 0 || s2.length == 0 || s1[s1.length - 1] != in1 || s2[s2.length - 1] != in2
                || !Arrays.equals(Arrays.copyOf(s1, s1.length - 1), Arrays.copyOf(s2, s2.length - 1))) {
            throw new IllegalArgumentException("bilinear: inputs " + Shapes.str(s1) + " and " + Shapes.str(s2) + " do not fit weight "
                    + Shapes.str(weight.shape()) + ": they need the same leading dims and last dims " + in1 + " and " + in2);
        }
        Tensor a = x1.reshape(-1, in1), b = x2.reshape(-1, in2);
        // x1 W as one matmul: [n, in1] @ [in1, out*in2], then contract with x2 over in2.
        Tensor t = a.matmul(weight.permute(1, 0, 2).reshape(in1, out * in2)).reshape(-1, out, in2);
        Tensor y = t.mul(b.unsqueeze(1)).sum(-1, false);
        if (bias != null) y = y.add(bias);
        int[] outShape = Arrays.copyOf(s1, s1.length);
        outShape[outShape.length - 1] = out;
        return y.reshape(outShape);
    }

    // ------------------------------------------------------------------ regularisation

    /**
     * Inverted dropout: in training, zeroes each element with probability p and scales the rest by
     * 1/(1-p), so evaluation needs no rescaling; outside training it returns x.
     */
    public static Tensor dropout(Tensor x, double p, boolean training) {
        if (p < 0 || p > 1) throw new IllegalArgumentException("dropout: p must be in [0, 1], got " + p);
        if (!training || p == 0) return x;
        if (p == 1) return x.mul(0.0);
        return x.mul(dropoutMask(1 - p, x.dtype().isFloatingPoint() ? x.dtype() : DType.FLOAT32, x.shape()).to(x.device()));
    }

    /**
     * 1 / keep with probability keep, else 0: the kept elements' scale in one pass and one product, as
     * PyTorch's CPU kernel does. The draws are torch.bernoulli's, one nextDouble() per element in order.
     * A mask built as bernoulli(full(keep)), then x * mask / keep, took five passes: forward and backward
     * over [1120, 512] took 7.2-9.1 ms; this, with the generator's bulk draws, 2.7-3.0 ms in most rounds.
     */
    private static Tensor dropoutMask(double keep, DType dtype, int[] shape) {
        int n = (int) Shapes.numel(shape);
        double[] u = new double[Math.min(n, 4096)];
        // bernoulli compares each draw with the probability as the dtype holds it (0.7f is 0.69999999).
        double threshold = NDArray.full(keep, dtype, 1).toDoubleArray()[0];
        float[] f = dtype == DType.FLOAT32 ? new float[n] : null;
        double[] d = f == null ? new double[n] : null;
        float fs = (float) (1 / keep);
        double ds = 1 / keep;
        Generator g = Random.defaultGenerator();
        for (int at = 0; at < n; at += u.length) {
            int m = Math.min(u.length, n - at);
            g.nextDoubles(u, 0, m);
            if (f != null) for (int i = 0; i < m; i++) f[at + i] = u[i] < threshold ? fs : 0f;
            else for (int i = 0; i < m; i++) d[at + i] = u[i] < threshold ? ds : 0.0;
        }
        return Tensor.wrap(f != null ? NDArray.of(f, shape) : NDArray.of(d, shape).to(dtype));
    }

    public static Tensor dropout(Tensor x, double p) { return dropout(x, p, true); }

    // ------------------------------------------------------------------ losses
    // The math and the input checks live in Losses; reduction is "mean" (the default), "sum" or "none".

    /**
     * Mean squared error: (x - y)^2 per element, then reduced. Input and target have one shape (no
     * broadcasting); "none" returns that shape, "mean" and "sum" a 0-d tensor. Differentiable in both.
     * <pre>{@code
     * Tensor loss = F.mseLoss(model.forward(x), y);          // mean of (pred - y)^2
     * Tensor perElement = F.mseLoss(pred, y, "none");
     * }</pre>
     */
    public static Tensor mseLoss(Tensor input, Tensor target, String reduction) { return Losses.mseLoss(input, target, reduction); }

    public static Tensor mseLoss(Tensor input, Tensor target) { return mseLoss(input, target, "mean"); }

    /**
     * Mean absolute error: |x - y| per element, then reduced; shapes as {@link #mseLoss(Tensor, Tensor, String)}.
     * <pre>{@code
     * Tensor loss = F.l1Loss(pred, y);
     * Tensor total = F.l1Loss(pred, y, "sum");
     * }</pre>
     */
    public static Tensor l1Loss(Tensor input, Tensor target, String reduction) { return Losses.l1Loss(input, target, reduction); }

    public static Tensor l1Loss(Tensor input, Tensor target) { return l1Loss(input, target, "mean"); }

    /**
     * Mean squared logarithmic error (Keras' msle, torchmetrics' MeanSquaredLogError):
     * (log(1 + x) - log(1 + y))^2 per element, then reduced. Meant for non-negative values; below -1
     * the log is NaN. Shapes as {@link #mseLoss(Tensor, Tensor, String)}.
     * <pre>{@code
     * Tensor loss = F.msleLoss(predictedCounts, counts);
     * Tensor perElement = F.msleLoss(predictedCounts, counts, "none");
     * }</pre>
     */
    public static Tensor msleLoss(Tensor input, Tensor target, String reduction) { return Losses.msleLoss(input, target, reduction); }

    public static Tensor msleLoss(Tensor input, Tensor target) { return msleLoss(input, target, "mean"); }

    /**
     * Smooth L1: with d = |x - y|, 0.5 d^2 / beta where d {@literal <} beta, else d - 0.5 beta (beta >= 0,
     * default 1; beta = 0 is L1). Shapes as {@link #mseLoss(Tensor, Tensor, String)}.
     * <pre>{@code
     * Tensor loss = F.smoothL1Loss(boxes, targetBoxes);
     * Tensor tight = F.smoothL1Loss(boxes, targetBoxes, "mean", 0.1);
     * }</pre>
     */
    public static Tensor smoothL1Loss(Tensor input, Tensor target, String reduction, double beta) {
        return Losses.smoothL1Loss(input, target, reduction, beta);
    }

    public static Tensor smoothL1Loss(Tensor input, Tensor target, String reduction) { return smoothL1Loss(input, target, reduction, 1.0); }

    public static Tensor smoothL1Loss(Tensor input, Tensor target) { return smoothL1Loss(input, target, "mean", 1.0); }

    /**
     * Huber: with d = |x - y|, 0.5 d^2 where d {@literal <} delta, else delta (d - 0.5 delta) (delta > 0,
     * default 1); equals delta * smoothL1Loss with beta = delta. Shapes as {@link #mseLoss(Tensor, Tensor, String)}.
     * <pre>{@code
     * Tensor loss = F.huberLoss(pred, y);
     * Tensor wide = F.huberLoss(pred, y, "sum", 5.0);
     * }</pre>
     */
    public static Tensor huberLoss(Tensor input, Tensor target, String reduction, double delta) {
        return Losses.huberLoss(input, target, reduction, delta);
    }

    public static Tensor huberLoss(Tensor input, Tensor target, String reduction) { return huberLoss(input, target, reduction, 1.0); }

    public static Tensor huberLoss(Tensor input, Tensor target) { return huberLoss(input, target, "mean", 1.0); }

    /**
     * Binary cross entropy of probabilities: -w (y log x + (1 - y) log(1 - x)), each log clamped to
     * >= -100 as PyTorch, so saturated inputs give finite losses and gradients. Input (in [0, 1]) and
     * target have one shape; weight (or null) broadcasts to it. For raw scores use
     * {@link #binaryCrossEntropyWithLogits(Tensor, Tensor, Tensor, String, Tensor)}, which is stabler.
     * <pre>{@code
     * Tensor loss = F.binaryCrossEntropy(F.sigmoid(scores), labels);   // labels 0. or 1., float
     * Tensor weighted = F.binaryCrossEntropy(probs, labels, sampleWeights, "sum");
     * }</pre>
     */
    public static Tensor binaryCrossEntropy(Tensor input, Tensor target, Tensor weight, String reduction) {
        return Losses.binaryCrossEntropy(input, target, weight, reduction);
    }

    public static Tensor binaryCrossEntropy(Tensor input, Tensor target, Tensor weight) {
        return binaryCrossEntropy(input, target, weight, "mean");
    }

    public static Tensor binaryCrossEntropy(Tensor input, Tensor target, String reduction) {
        return binaryCrossEntropy(input, target, null, reduction);
    }

    public static Tensor binaryCrossEntropy(Tensor input, Tensor target) { return binaryCrossEntropy(input, target, null, "mean"); }

    /**
     * Sigmoid and binary cross entropy in one step, stable for logits of any size:
     * w ((1 - y) x + L log(1 + e^-x)) with L = 1 + (posWeight - 1) y, the log computed so it never
     * overflows. Input and target have one shape; weight and posWeight (or null) broadcast to it
     * (posWeight [C] weighs the positives of each of C classes in the last dim).
     * <pre>{@code
     * Tensor loss = F.binaryCrossEntropyWithLogits(scores, labels);
     * Tensor rare = F.binaryCrossEntropyWithLogits(scores, labels, null, "mean", Tensor.full(10.0, numClasses));
     * }</pre>
     */
    public static Tensor binaryCrossEntropyWithLogits(Tensor input, Tensor target, Tensor weight, String reduction,
                                                      Tensor posWeight) {
        return Losses.binaryCrossEntropyWithLogits(input, target, weight, reduction, posWeight);
    }

    public static Tensor binaryCrossEntropyWithLogits(Tensor input, Tensor target, Tensor weight) {
        return binaryCrossEntropyWithLogits(input, target, weight, "mean", null);
    }

    public static Tensor binaryCrossEntropyWithLogits(Tensor input, Tensor target, String reduction) {
        return binaryCrossEntropyWithLogits(input, target, null, reduction, null);
    }

    public static Tensor binaryCrossEntropyWithLogits(Tensor input, Tensor target) {
        return binaryCrossEntropyWithLogits(input, target, null, "mean", null);
    }

    /**
     * Cross entropy of logits, logSoftmax and NLL in one step. Input [N, C] (or [C], or
     * [N, C, d1, ...] with the classes in dim 1). The target is either
     * <ul>
     * <li>class indices, int64 [N] (or [], or [N, d1, ...]): per element -w[t] log softmax(x)[t], 0 where
     *     t = ignoreIndex; "mean" divides the sum by the summed weights w[t] of the targets not ignored
     *     (their count without weights). Indices outside [0, C) are an error.</li>
     * <li>class probabilities, float with the input's shape: -sum_c w_c y_c log softmax(x)_c per element;
     *     "mean" averages over the N (x d1 ...) elements.</li>
     * </ul>
     * labelSmoothing s in [0, 1] mixes the target with the uniform distribution, (1 - s) y + s / C.
     * weight is [C] or null; "none" returns the target's shape without the class dim.
     * <pre>{@code
     * Tensor loss = F.crossEntropy(logits, labels);   // logits [64, 10], labels int64 [64]
     * Tensor smooth = F.crossEntropy(logits, labels, null, -100, "mean", 0.1);
     * }</pre>
     */
    public static Tensor crossEntropy(Tensor input, Tensor target, Tensor weight, long ignoreIndex, String reduction,
                                      double labelSmoothing) {
        return Losses.crossEntropy(input, target, weight, ignoreIndex, reduction, labelSmoothing);
    }

    /** Cross entropy with the options object's settings, e.g. {@code new CrossEntropyLoss.Options().labelSmoothing(0.1)}. */
    public static Tensor crossEntropy(Tensor input, Tensor target, dev.kindling.nn.CrossEntropyLoss.Options options) {
        return crossEntropy(input, target, options.weight(), options.ignoreIndex(), options.reduction(), options.labelSmoothing());
    }

    public static Tensor crossEntropy(Tensor input, Tensor target, Tensor weight) {
        return crossEntropy(input, target, weight, -100, "mean", 0);
    }

    public static Tensor crossEntropy(Tensor input, Tensor target, String reduction) {
        return crossEntropy(input, target, null, -100, reduction, 0);
    }

    public static Tensor crossEntropy(Tensor input, Tensor target) { return crossEntropy(input, target, null, -100, "mean", 0); }

    /**
     * Negative log-likelihood of class indices, for log-probabilities (the output of logSoftmax):
     * -w[t] input[t] per element, 0 where t = ignoreIndex (default -100); "mean" divides by the summed
     * weights of the targets not ignored. Input [N, C] (or [C], or [N, C, d1, ...]); target int64 [N]
     * (or [], or [N, d1, ...]); weight [C] or null.
     * <pre>{@code
     * Tensor logp = F.logSoftmax(logits, 1);
     * Tensor loss = F.nllLoss(logp, labels);
     * }</pre>
     */
    public static Tensor nllLoss(Tensor input, Tensor target, Tensor weight, long ignoreIndex, String reduction) {
        return Losses.nllLoss(input, target, weight, ignoreIndex, reduction);
    }

    public static Tensor nllLoss(Tensor input, Tensor target, Tensor weight) { return nllLoss(input, target, weight, -100, "mean"); }

    public static Tensor nllLoss(Tensor input, Tensor target, String reduction) { return nllLoss(input, target, null, -100, reduction); }

    public static Tensor nllLoss(Tensor input, Tensor target) { return nllLoss(input, target, null, -100, "mean"); }

    /**
     * Kullback-Leibler divergence KL(target || exp(input)) for log-probability inputs: t (log t - x) per
     * element (0 where t = 0), or with logTarget, target given as log t, exp(t) (t - x). Reduction
     * "mean" (PyTorch's default, the mean over all elements), "batchmean" (the sum divided by the batch
     * size, the true KL), "sum" or "none". Input and target have one shape.
     * <pre>{@code
     * Tensor kl = F.klDiv(F.logSoftmax(student, 1), F.softmax(teacher, 1), "batchmean");
     * Tensor klLog = F.klDiv(F.logSoftmax(student, 1), F.logSoftmax(teacher, 1), "batchmean", true);
     * }</pre>
     */
    public static Tensor klDiv(Tensor input, Tensor target, String reduction, boolean logTarget) {
        return Losses.klDiv(input, target, reduction, logTarget);
    }

    public static Tensor klDiv(Tensor input, Tensor target, String reduction) { return klDiv(input, target, reduction, false); }

    public static Tensor klDiv(Tensor input, Tensor target) { return klDiv(input, target, "mean", false); }

    /**
     * Hinge embedding loss for distances x with labels y in {1, -1}: x where y = 1, max(0, margin - x)
     * where y = -1 (margin default 1). Input and target have one shape.
     * <pre>{@code
     * Tensor d = x1.sub(x2).abs().sum(1, false);
     * Tensor loss = F.hingeEmbeddingLoss(d, sameOrNot, 2.0);
     * }</pre>
     */
    public static Tensor hingeEmbeddingLoss(Tensor input, Tensor target, double margin, String reduction) {
        return Losses.hingeEmbeddingLoss(input, target, margin, reduction);
    }

    public static Tensor hingeEmbeddingLoss(Tensor input, Tensor target, double margin) {
        return hingeEmbeddingLoss(input, target, margin, "mean");
    }

    public static Tensor hingeEmbeddingLoss(Tensor input, Tensor target) { return hingeEmbeddingLoss(input, target, 1.0, "mean"); }

    /**
     * Squared hinge (Keras' squared_hinge): max(0, 1 - y x)^2 per element for scores x and labels y in
     * {-1, 1}. Input and target have one shape.
     * <pre>{@code
     * Tensor loss = F.squaredHingeLoss(scores, labelsPlusMinusOne);
     * Tensor perElement = F.squaredHingeLoss(scores, labelsPlusMinusOne, "none");
     * }</pre>
     */
    public static Tensor squaredHingeLoss(Tensor input, Tensor target, String reduction) {
        return Losses.squaredHingeLoss(input, target, reduction);
    }

    public static Tensor squaredHingeLoss(Tensor input, Tensor target) { return squaredHingeLoss(input, target, "mean"); }

    /**
     * Multi-class hinge loss: per sample, sum over j != y of w[y] max(0, margin - x[y] + x[j])^p, divided
     * by C (p 1 or 2, default 1; margin default 1). Input [N, C] or [C]; target int64 [N] or []; weight
     * [C] or null; "none" returns [N].
     * <pre>{@code
     * Tensor loss = F.multiMarginLoss(scores, labels);
     * Tensor squared = F.multiMarginLoss(scores, labels, 2, 1.0);
     * }</pre>
     */
    public static Tensor multiMarginLoss(Tensor input, Tensor target, int p, double margin, Tensor weight, String reduction) {
        return Losses.multiMarginLoss(input, target, p, margin, weight, reduction);
    }

    public static Tensor multiMarginLoss(Tensor input, Tensor target, int p, double margin, Tensor weight) {
        return multiMarginLoss(input, target, p, margin, weight, "mean");
    }

    public static Tensor multiMarginLoss(Tensor input, Tensor target, int p, double margin) {
        return multiMarginLoss(input, target, p, margin, null, "mean");
    }

    public static Tensor multiMarginLoss(Tensor input, Tensor target) { return multiMarginLoss(input, target, 1, 1.0, null, "mean"); }

    /**
     * Cosine embedding loss for pairs labelled similar (y = 1) or not (y = -1): 1 - cos(x1, x2) where
     * y = 1, max(0, cos(x1, x2) - margin) where y = -1 (margin default 0). Inputs [N, D] with target [N],
     * or [D] with a 0-d target; "none" returns the target's shape.
     * <pre>{@code
     * Tensor loss = F.cosineEmbeddingLoss(embA, embB, same);   // same holds 1. or -1.
     * Tensor loose = F.cosineEmbeddingLoss(embA, embB, same, 0.5);
     * }</pre>
     */
    public static Tensor cosineEmbeddingLoss(Tensor input1, Tensor input2, Tensor target, double margin, String reduction) {
        return Losses.cosineEmbeddingLoss(input1, input2, target, margin, reduction);
    }

    public static Tensor cosineEmbeddingLoss(Tensor input1, Tensor input2, Tensor target, double margin) {
        return cosineEmbeddingLoss(input1, input2, target, margin, "mean");
    }

    public static Tensor cosineEmbeddingLoss(Tensor input1, Tensor input2, Tensor target) {
        return cosineEmbeddingLoss(input1, input2, target, 0.0, "mean");
    }

    /**
     * Margin ranking loss: max(0, -y (x1 - x2) + margin), so y = 1 asks for x1 above x2 by the margin
     * and y = -1 for below (margin default 0). All three tensors have one shape.
     * <pre>{@code
     * Tensor loss = F.marginRankingLoss(scoreGood, scoreBad, Tensor.ones(n), 1.0);
     * Tensor perPair = F.marginRankingLoss(s1, s2, y, 0.0, "none");
     * }</pre>
     */
    public static Tensor marginRankingLoss(Tensor input1, Tensor input2, Tensor target, double margin, String reduction) {
        return Losses.marginRankingLoss(input1, input2, target, margin, reduction);
    }

    public static Tensor marginRankingLoss(Tensor input1, Tensor input2, Tensor target, double margin) {
        return marginRankingLoss(input1, input2, target, margin, "mean");
    }

    public static Tensor marginRankingLoss(Tensor input1, Tensor input2, Tensor target) {
        return marginRankingLoss(input1, input2, target, 0.0, "mean");
    }

    // ------------------------------------------------------------------ attention
    // The math and the input checks live in Attention.

    /**
     * softmax(q k^T * scale + mask) v, as torch.nn.functional.scaled_dot_product_attention: query
     * [..., L, E], key [..., S, E], value [..., S, Ev] give [..., L, Ev] (batch dims broadcast). scale
     * defaults to 1/sqrt(E) (pass NaN for the default). attnMask (or null) broadcasts to [..., L, S]:
     * <b>a bool mask is true where a query may attend</b> (PyTorch's SDPA convention, the opposite of
     * MultiheadAttention's), a float mask is added to the scores. isCausal masks key j &gt; query i and
     * excludes attnMask. Dropout with probability dropoutP is applied to the weights whenever dropoutP
     * &gt; 0, as PyTorch (pass 0 in evaluation). A query whose every key is masked gets a zero output.
     * <pre>{@code
     * Tensor out = F.scaledDotProductAttention(q, k, v, null, 0.0, true);     // causal self-attention
     * Tensor padded = F.scaledDotProductAttention(q, k, v, keep, 0.1, false);  // keep: bool [N, 1, 1, S]
     * }</pre>
     */
    public static Tensor scaledDotProductAttention(Tensor query, Tensor key, Tensor value, Tensor attnMask, double dropoutP,
                                                   boolean isCausal, double scale) {
        return Attention.scaledDotProductAttention(query, key, value, attnMask, dropoutP, isCausal, scale);
    }

    public static Tensor scaledDotProductAttention(Tensor query, Tensor key, Tensor value, Tensor attnMask, double dropoutP,
                                                   boolean isCausal) {
        return scaledDotProductAttention(query, key, value, attnMask, dropoutP, isCausal, Double.NaN);
    }

    public static Tensor scaledDotProductAttention(Tensor query, Tensor key, Tensor value, Tensor attnMask) {
        return scaledDotProductAttention(query, key, value, attnMask, 0, false, Double.NaN);
    }

    public static Tensor scaledDotProductAttention(Tensor query, Tensor key, Tensor value) {
        return scaledDotProductAttention(query, key, value, null, 0, false, Double.NaN);
    }

    /**
     * The functional form of {@link dev.kindling.nn.MultiheadAttention}, in PyTorch's argument order
     * ({@code multi_head_attention_forward}; the embedding size comes from query, separate projections are
     * used when inProjWeight is null, and there are no static keys). Inputs are [L, N, E] query, [S, N, kdim]
     * key, [S, N, vdim] value (or unbatched [L, E], [S, kdim], [S, vdim]); the weights as MultiheadAttention's
     * parameters of the same names. Masks as MultiheadAttention's: bool true = masked out, or float additive.
     * <pre>{@code
     * AttentionOutput a = F.multiHeadAttentionForward(x, x, x, 2, w, b, null, null, false, 0.0, wo, bo, false,
     *         null, true, null, null, null, null, true, false);
     * }</pre>
     */
    public static AttentionOutput multiHeadAttentionForward(Tensor query, Tensor key, Tensor value, int numHeads,
                                                            Tensor inProjWeight, Tensor inProjBias, Tensor biasK, Tensor biasV,
                                                            boolean addZeroAttn, double dropoutP, Tensor outProjWeight,
                                                            Tensor outProjBias, boolean training, Tensor keyPaddingMask,
                                                            boolean needWeights, Tensor attnMask, Tensor qProjWeight,
                                                            Tensor kProjWeight, Tensor vProjWeight, boolean averageAttnWeights,
                                                            boolean isCausal) {
        return multiHeadAttentionForward(query, key, value, numHeads, inProjWeight, inProjBias, biasK, biasV, addZeroAttn,
                dropoutP, outProjWeight, outProjBias, training, keyPaddingMask, needWeights, attnMask, qProjWeight, kProjWeight,
                vProjWeight, averageAttnWeights, isCausal, false);
    }

    /** As above, with batched inputs and output [N, L, E] when {@code batchFirst} (errors name the shapes as given). */
    public static AttentionOutput multiHeadAttentionForward(Tensor query, Tensor key, Tensor value, int numHeads,
                                                            Tensor inProjWeight, Tensor inProjBias, Tensor biasK, Tensor biasV,
                                                            boolean addZeroAttn, double dropoutP, Tensor outProjWeight,
                                                            Tensor outProjBias, boolean training, Tensor keyPaddingMask,
                                                            boolean needWeights, Tensor attnMask, Tensor qProjWeight,
                                                            Tensor kProjWeight, Tensor vProjWeight, boolean averageAttnWeights,
                                                            boolean isCausal, boolean batchFirst) {
        return Attention.multiHeadAttention(query, key, value, numHeads, inProjWeight, inProjBias, biasK, biasV, addZeroAttn,
                dropoutP, outProjWeight, outProjBias, training, keyPaddingMask, needWeights, attnMask, qProjWeight, kProjWeight,
                vProjWeight, averageAttnWeights, isCausal, batchFirst);
    }

    // ==================================================================== convolution, pooling, resampling
    // Argument handling in Convolutions and Pools; the differentiable ops are autograd's ConvOps and PoolOps;
    // the algorithms are in docs/convolution.md.

    /**
     * 1-D convolution (cross-correlation, as PyTorch): input [N, C, L] (or [C, L]), weight
     * [O, C / groups, k], bias [O] or null; the output is [N, O, (L + 2 padding - dilation (k - 1) - 1) / stride + 1].
     * <pre>{@code
     * Tensor y = F.conv1d(x, w, b, 1, 2, 1, 1);          // x [8, 4, 100], w [16, 4, 5] -> [8, 16, 100]
     * Tensor z = F.conv1d(x, w, null, 1, "same", 2, 1);  // dilated, output length = input length
     * }</pre>
     */
    public static Tensor conv1d(Tensor input, Tensor weight, Tensor bias, int stride, int padding, int dilation, int groups) {
        return Convolutions.conv("conv1d", 1, input, weight, bias, new int[]{stride}, new int[]{padding}, null, new int[]{dilation}, groups);
    }

    /** As {@link #conv1d(Tensor, Tensor, Tensor, int, int, int, int)} with padding "same" (stride 1 only) or "valid" (none). */
    public static Tensor conv1d(Tensor input, Tensor weight, Tensor bias, int stride, String padding, int dilation, int groups) {
        return Convolutions.conv("conv1d", 1, input, weight, bias, new int[]{stride}, null, padding, new int[]{dilation}, groups);
    }

    public static Tensor conv1d(Tensor input, Tensor weight, Tensor bias) { return conv1d(input, weight, bias, 1, 0, 1, 1); }

    public static Tensor conv1d(Tensor input, Tensor weight) { return conv1d(input, weight, null, 1, 0, 1, 1); }

    /**
     * 2-D convolution (cross-correlation, as PyTorch): input [N, C, H, W] (or [C, H, W]), weight
     * [O, C / groups, kh, kw], bias [O] or null; output [N, O, oh, ow] with
     * oh = (H + 2 padding - dilation (kh - 1) - 1) / stride + 1 (likewise ow), and
     * y[n, o] = b[o] + sum over the group's channels c and taps (i, j) of w[o, c, i, j] x[n, c, oy stride + i dilation - padding, ...].
     * stride, padding and dilation take one value for both dims or one per dim.
     * <pre>{@code
     * Tensor y = F.conv2d(x, w, b, new int[]{2}, new int[]{1}, new int[]{1}, 1);  // x [8, 3, 32, 32], w [16, 3, 3, 3] -> [8, 16, 16, 16]
     * Tensor dw = F.conv2d(x, wDepth, null, new int[]{1}, "same", new int[]{1}, 3);  // depthwise, wDepth [3, 1, 3, 3]
     * }</pre>
     */
    public static Tensor conv2d(Tensor input, Tensor weight, Tensor bias, int[] stride, int[] padding, int[] dilation, int groups) {
        return Convolutions.conv("conv2d", 2, input, weight, bias, stride, padding, null, dilation, groups);
    }

    /** As {@link #conv2d(Tensor, Tensor, Tensor, int[], int[], int[], int)} with padding "same" (stride 1 only) or "valid". */
    public static Tensor conv2d(Tensor input, Tensor weight, Tensor bias, int[] stride, String padding, int[] dilation, int groups) {
        return Convolutions.conv("conv2d", 2, input, weight, bias, stride, null, padding, dilation, groups);
    }

    public static Tensor conv2d(Tensor input, Tensor weight, Tensor bias, int stride, int padding, int dilation, int groups) {
        return conv2d(input, weight, bias, new int[]{stride}, new int[]{padding}, new int[]{dilation}, groups);
    }

    public static Tensor conv2d(Tensor input, Tensor weight, Tensor bias, int stride, int padding) {
        return conv2d(input, weight, bias, stride, padding, 1, 1);
    }

    public static Tensor conv2d(Tensor input, Tensor weight, Tensor bias) { return conv2d(input, weight, bias, 1, 0, 1, 1); }

    public static Tensor conv2d(Tensor input, Tensor weight) { return conv2d(input, weight, null, 1, 0, 1, 1); }

    /**
     * Transposed 2-D convolution, the gradient of conv2d with respect to its input (sometimes called
     * deconvolution): input [N, C, H, W] (or [C, H, W]), weight [C, O / groups, kh, kw] (ConvTranspose2d's
     * layout), bias [O] or null; output [N, O, oh, ow] with
     * oh = (H - 1) stride - 2 padding + dilation (kh - 1) + outputPadding + 1. outputPadding (smaller than
     * stride or dilation) picks among the sizes a strided conv2d would map to H.
     * <pre>{@code
     * Tensor up = F.convTranspose2d(x, w, b, new int[]{2}, new int[]{1}, new int[]{1}, 1, new int[]{1});  // [8, 16, 16, 16] -> [8, O, 32, 32] for 3x3
     * Tensor same = F.convTranspose2d(x, w, null);
     * }</pre>
     */
    public static Tensor convTranspose2d(Tensor input, Tensor weight, Tensor bias, int[] stride, int[] padding, int[] outputPadding,
                                         int groups, int[] dilation) {
        return Convolutions.convTranspose2d(input, weight, bias, stride, padding, outputPadding, groups, dilation);
    }

    public static Tensor convTranspose2d(Tensor input, Tensor weight, Tensor bias, int stride, int padding, int outputPadding,
                                         int groups, int dilation) {
        return convTranspose2d(input, weight, bias, new int[]{stride}, new int[]{padding}, new int[]{outputPadding}, groups,
                new int[]{dilation});
    }

    public static Tensor convTranspose2d(Tensor input, Tensor weight, Tensor bias, int stride, int padding) {
        return convTranspose2d(input, weight, bias, stride, padding, 0, 1, 1);
    }

    public static Tensor convTranspose2d(Tensor input, Tensor weight, Tensor bias) { return convTranspose2d(input, weight, bias, 1, 0, 0, 1, 1); }

    /**
     * 1-D max pooling of [N, C, L] (or [C, L]): each output is the max of {@code kernel} inputs
     * {@code dilation} apart, windows {@code stride} apart (default: the kernel), over an input padded
     * with -inf by {@code padding} (at most kernel / 2) on both sides; ceilMode rounds the output length up.
     * The gradient goes to the position of each maximum.
     * <pre>{@code
     * Tensor y = F.maxPool1d(x, 2);                      // [8, 16, 100] -> [8, 16, 50]
     * Tensor z = F.maxPool1d(x, 3, 2, 1, 1, true);
     * }</pre>
     */
    public static Tensor maxPool1d(Tensor input, int kernel, int stride, int padding, int dilation, boolean ceilMode) {
        return maxPool1dWithIndices(input, kernel, stride, padding, dilation, ceilMode).values();
    }

    public static Tensor maxPool1d(Tensor input, int kernel, int stride) { return maxPool1d(input, kernel, stride, 0, 1, false); }

    public static Tensor maxPool1d(Tensor input, int kernel) { return maxPool1d(input, kernel, kernel, 0, 1, false); }

    /** {@link #maxPool1d(Tensor, int, int, int, int, boolean)} with the argmax positions in L (int64), as return_indices=True. */
    public static Tensor.ValuesIndices maxPool1dWithIndices(Tensor input, int kernel, int stride, int padding, int dilation,
                                                            boolean ceilMode) {
        return Pools.maxPool("maxPool1d", 1, input, new int[]{kernel}, new int[]{stride}, new int[]{padding}, new int[]{dilation}, ceilMode);
    }

    /**
     * 2-D max pooling of [N, C, H, W] (or [C, H, W]); kernel, stride (null: the kernel), padding (with
     * -inf, at most half the kernel) and dilation take one value or one per dim; ceilMode rounds the
     * output size up (a window starting in the right padding is dropped). NaN wins, as in PyTorch.
     * <pre>{@code
     * Tensor y = F.maxPool2d(x, 2);                      // [64, 6, 24, 24] -> [64, 6, 12, 12]
     * Tensor z = F.maxPool2d(x, new int[]{3}, new int[]{2}, new int[]{1}, new int[]{1}, true);
     * }</pre>
     */
    public static Tensor maxPool2d(Tensor input, int[] kernel, int[] stride, int[] padding, int[] dilation, boolean ceilMode) {
        return maxPool2dWithIndices(input, kernel, stride, padding, dilation, ceilMode).values();
    }

    public static Tensor maxPool2d(Tensor input, int kernel, int stride, int padding) {
        return maxPool2d(input, new int[]{kernel}, new int[]{stride}, new int[]{padding}, new int[]{1}, false);
    }

    public static Tensor maxPool2d(Tensor input, int kernel, int stride) { return maxPool2d(input, kernel, stride, 0); }

    public static Tensor maxPool2d(Tensor input, int kernel) { return maxPool2d(input, kernel, kernel, 0); }

    /**
     * {@link #maxPool2d(Tensor, int[], int[], int[], int[], boolean)} with the argmax of each window as its
     * flat position iy * W + ix in the input plane (int64), as PyTorch's return_indices=True.
     */
    public static Tensor.ValuesIndices maxPool2dWithIndices(Tensor input, int[] kernel, int[] stride, int[] padding, int[] dilation,
                                                            boolean ceilMode) {
        return Pools.maxPool("maxPool2d", 2, input, kernel, stride, padding, dilation, ceilMode);
    }

    /**
     * 2-D average pooling of [N, C, H, W] (or [C, H, W]) over zero-padded windows: the divisor is the window
     * size including padding (countIncludePad, the default) or only the input elements it covers, or
     * {@code divisorOverride} when not null. stride null means the kernel; ceilMode as in max pooling.
     * <pre>{@code
     * Tensor y = F.avgPool2d(x, 2);                                         // [8, 16, 32, 32] -> [8, 16, 16, 16]
     * Tensor z = F.avgPool2d(x, new int[]{3}, new int[]{2}, new int[]{1}, true, false, null);
     * }</pre>
     */
    public static Tensor avgPool2d(Tensor input, int[] kernel, int[] stride, int[] padding, boolean ceilMode, boolean countIncludePad,
                                   Integer divisorOverride) {
        return Pools.avgPool2d(input, kernel, stride, padding, ceilMode, countIncludePad, divisorOverride);
    }

    public static Tensor avgPool2d(Tensor input, int kernel, int stride, int padding) {
        return avgPool2d(input, new int[]{kernel}, new int[]{stride}, new int[]{padding}, false, true, null);
    }

    public static Tensor avgPool2d(Tensor input, int kernel, int stride) { return avgPool2d(input, kernel, stride, 0); }

    public static Tensor avgPool2d(Tensor input, int kernel) { return avgPool2d(input, kernel, kernel, 0); }

    /**
     * Averages [N, C, H, W] (or [C, H, W]) down to outputSize (one value or (oh, ow)): output i along a
     * dim averages inputs floor(i H / oh) to ceil((i + 1) H / oh) - 1, so windows may overlap or differ in size.
     * <pre>{@code
     * Tensor pooled = F.adaptiveAvgPool2d(features, 1);        // global average pooling: [8, 512, 7, 7] -> [8, 512, 1, 1]
     * Tensor grid = F.adaptiveAvgPool2d(features, new int[]{2, 3});
     * }</pre>
     */
    public static Tensor adaptiveAvgPool2d(Tensor input, int[] outputSize) { return Pools.adaptiveAvgPool2d(input, outputSize); }

    public static Tensor adaptiveAvgPool2d(Tensor input, int outputSize) { return adaptiveAvgPool2d(input, new int[]{outputSize}); }

    /**
     * Channel dropout: in training, zeroes whole channels (every element of x[n, c]) with probability p
     * and scales the rest by 1/(1-p); outside training it returns x. Input [N, C, H, W], or [N, C, L]
     * (channel-wise 1-D dropout, as PyTorch treats 3-D input).
     * <pre>{@code
     * Tensor y = F.dropout2d(features, 0.2, model.isTraining());
     * }</pre>
     */
    public static Tensor dropout2d(Tensor input, double p, boolean training) {
        if (p < 0 || p > 1) throw new IllegalArgumentException("dropout2d: p must be in [0, 1], got " + p);
        if (input.dim() != 3 && input.dim() != 4) {
            throw new IllegalArgumentException("dropout2d: expects [N, C, H, W] or [N, C, L], got " + Shapes.str(input.shape()));
        }
        if (!training || p == 0) return input;
        if (p == 1) return input.mul(0.0);
        int[] maskShape = input.shape();
        for (int i = 2; i < maskShape.length; i++) maskShape[i] = 1;
        Tensor keep = Tensor.bernoulli(Tensor.full(1 - p, input.dtype(), maskShape));
        return input.mul(keep).div(1 - p);
    }

    public static Tensor dropout2d(Tensor input, double p) { return dropout2d(input, p, true); }

    /**
     * Resizes [N, C, L] or [N, C, H, W] to {@code size} (one value or one per spatial dim), or by
     * {@code scaleFactor} (output floor(in * scale)); give exactly one. mode "nearest" (the default;
     * input floor(out / scale)), "linear" (3-D) / "bilinear" (4-D), or "area" (adaptive average pooling).
     * alignCorners (linear modes only; null means false) maps the corner pixels' centres onto each other
     * instead of the corners of the image.
     * <pre>{@code
     * Tensor up = F.interpolate(x, null, new double[]{2}, "nearest", null);      // [8, 16, 14, 14] -> [8, 16, 28, 28]
     * Tensor resized = F.interpolate(x, new int[]{32, 48}, null, "bilinear", true);
     * }</pre>
     */
    public static Tensor interpolate(Tensor input, int[] size, double[] scaleFactor, String mode, Boolean alignCorners) {
        return Pools.interpolate(input, size, scaleFactor, mode, alignCorners);
    }

    public static Tensor interpolate(Tensor input, int[] size, String mode) { return interpolate(input, size, null, mode, null); }

    public static Tensor interpolate(Tensor input, double scaleFactor, String mode) {
        return interpolate(input, null, new double[]{scaleFactor}, mode, null);
    }

    // ------------------------------------------------------------------ recurrent cells (the machinery is in Recurrent)

    /**
     * One Elman RNN step, torch.rnn_tanh_cell: tanh(x W_ih^T + b_ih + h W_hh^T + b_hh) for x [B, in],
     * h [B, H], W_ih [H, in], W_hh [H, H], biases [H] or null.
     * <pre>{@code
     * Tensor h1 = F.rnnTanhCell(x0, h0, wIh, wHh, bIh, bHh);
     * }</pre>
     */
    public static Tensor rnnTanhCell(Tensor input, Tensor hx, Tensor wIh, Tensor wHh, Tensor bIh, Tensor bHh) {
        return Recurrent.cell("RNN_TANH", input, hx, null, wIh, wHh, bIh, bHh)[0];
    }

    /** As {@link #rnnTanhCell} with relu, torch.rnn_relu_cell. */
    public static Tensor rnnReluCell(Tensor input, Tensor hx, Tensor wIh, Tensor wHh, Tensor bIh, Tensor bHh) {
        return Recurrent.cell("RNN_RELU", input, hx, null, wIh, wHh, bIh, bHh)[0];
    }

    /**
     * One LSTM step, torch.lstm_cell: gates i, f, g, o from x W_ih^T + b_ih + h W_hh^T + b_hh (W_ih
     * [4H, in], W_hh [4H, H]), c' = f c + i g, h' = o tanh(c'); hx holds h and c [B, H].
     * <pre>{@code
     * RecurrentState s1 = F.lstmCell(x0, RecurrentState.of(h0, c0), wIh, wHh, bIh, bHh);
     * }</pre>
     */
    public static dev.kindling.nn.RecurrentState lstmCell(Tensor input, dev.kindling.nn.RecurrentState hx, Tensor wIh, Tensor wHh,
                                                         Tensor bIh, Tensor bHh) {
        Tensor[] r = Recurrent.cell("LSTM", input, hx.hidden(), hx.cell(), wIh, wHh, bIh, bHh);
        return dev.kindling.nn.RecurrentState.of(r[0], r[1]);
    }

    /**
     * One GRU step, torch.gru_cell: r, z = sigmoid(...), n = tanh(x W_in^T + b_in + r (h W_hn^T + b_hn)),
     * h' = (1 - z) n + z h, for W_ih [3H, in] and W_hh [3H, H] in the order r, z, n.
     */
    public static Tensor gruCell(Tensor input, Tensor hx, Tensor wIh, Tensor wHh, Tensor bIh, Tensor bHh) {
        return Recurrent.cell("GRU", input, hx, null, wIh, wHh, bIh, bHh)[0];
    }
}
