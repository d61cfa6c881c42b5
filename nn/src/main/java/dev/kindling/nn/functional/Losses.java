package dev.kindling.nn.functional;

import dev.kindling.amp.Autocast;
import dev.kindling.autograd.Function;
import dev.kindling.autograd.FunctionContext;
import dev.kindling.autograd.Tensor;
import dev.kindling.tensor.DType;
import dev.kindling.tensor.Shapes;
import java.util.Arrays;

/**
 * The math behind F's losses, with their input checks. Every loss is built from differentiable
 * {@link Tensor} ops, so autograd differentiates it with respect to the input and, where PyTorch
 * does, the target; only BCE has a hand-written backward (see {@link BinaryCrossEntropy}).
 * Semantics (weighted means, ignored targets, label smoothing) follow PyTorch's
 * aten/src/ATen/native/Loss.cpp and LossNLL.cpp.
 */
final class Losses {
    private Losses() {}

    // ------------------------------------------------------------------ reductions and checks

    private static void checkReduction(String loss, String reduction) {
        if (!"mean".equals(reduction) && !"sum".equals(reduction) && !"none".equals(reduction)) {
            throw new IllegalArgumentException(loss + ": reduction must be \"mean\", \"sum\" or \"none\", got " + quote(reduction));
        }
    }

    private static Tensor reduce(Tensor loss, String reduction) {
        switch (reduction) {
            case "mean": return loss.mean();
            case "sum": return loss.sum();
            default: return loss;
        }
    }

    private static String quote(String s) { return s == null ? "null" : "\"" + s + "\""; }

    private static String describe(Tensor t) { return Shapes.str(t.shape()) + " " + t.dtype(); }

    private static void checkFloating(String loss, String what, Tensor t) {
        if (t == null) throw new IllegalArgumentException(loss + ": " + what + " is null");
        if (!t.dtype().isFloatingPoint()) {
            throw new IllegalArgumentException(loss + ": " + what + " must be a floating point tensor, got " + describe(t));
        }
    }

    /**
     * Pointwise losses take input and target of one shape. PyTorch broadcasts them with a warning;
     * Kindling refuses, because [N, 1] against [N] silently becomes an [N, N] loss.
     */
    private static void checkSameShape(String loss, String aName, Tensor a, String bName, Tensor b) {
        if (b == null) throw new IllegalArgumentException(loss + ": " + bName + " is null");
        if (Arrays.equals(a.shape(), b.shape())) return;
        String hint = "";
        if (a.numel() == b.numel()) {
            hint = "; they hold the same number of elements, so " + bName + ".reshape(" + Shapes.str(a.shape()) + ") may be meant";
        } else if (Shapes.expandable(b.shape(), a.shape()) || Shapes.expandable(a.shape(), b.shape())) {
            hint = " (broadcasting them, as PyTorch does with a warning, is refused: it is rarely what was meant)";
        }
        throw new IllegalArgumentException(loss + ": " + aName + " " + Shapes.str(a.shape()) + " and " + bName + " "
                + Shapes.str(b.shape()) + " must have the same shape" + hint);
    }

    private static void checkPointwise(String loss, Tensor input, Tensor target, String reduction) {
        checkReduction(loss, reduction);
        checkFloating(loss, "input", input);
        checkSameShape(loss, "input", input, "target", target);
    }

    private static void checkBroadcastsTo(String loss, String what, Tensor t, Tensor input) {
        if (t != null && !Shapes.expandable(t.shape(), input.shape())) {
            throw new IllegalArgumentException(loss + ": " + what + " " + Shapes.str(t.shape()) + " does not broadcast to input "
                    + Shapes.str(input.shape()));
        }
    }

    /**
     * log(1 + e^z) as m + log1p(e^(z - 2m)) with m = max(z, 0), that is max(z, 0) + log1p(e^-|z|) with
     * -|z| written as z - 2m: nothing overflows, and log1p keeps the digits of e^z far below 0. Writing
     * -|z| through m is what makes the gradient sigmoid(z) everywhere: at 0 it is m' + (1 - 2m') / 2 =
     * 1/2 whichever subgradient relu takes there, where the usual relu(z) + log1p(e^-|z|) takes relu's
     * and abs's zero subgradients and gives 0. (A logsumexp over stacked [0, z] was 10x slower.)
     */
    static Tensor softplus(Tensor z) {
        Tensor m = z.relu();
        return m.add(z.sub(m.mul(2.0)).exp().log1p());
    }

    // ------------------------------------------------------------------ regression

    static Tensor mseLoss(Tensor input, Tensor target, String reduction) {
        input = Autocast.cast("mseLoss", input);
        target = Autocast.cast("mseLoss", target);
        checkPointwise("mseLoss", input, target, reduction);
        return reduce(input.sub(target).square(), reduction);
    }

    static Tensor l1Loss(Tensor input, Tensor target, String reduction) {
        input = Autocast.cast("l1Loss", input);
        target = Autocast.cast("l1Loss", target);
        checkPointwise("l1Loss", input, target, reduction);
        return reduce(input.sub(target).abs(), reduction);
    }

    static Tensor msleLoss(Tensor input, Tensor target, String reduction) {
        checkPointwise("msleLoss", input, target, reduction);
        return reduce(input.log1p().sub(target.log1p()).square(), reduction);
    }

    static Tensor smoothL1Loss(Tensor input, Tensor target, String reduction, double beta) {
        input = Autocast.cast("smoothL1Loss", input);
        target = Autocast.cast("smoothL1Loss", target);
        checkPointwise("smoothL1Loss", input, target, reduction);
        if (!(beta >= 0)) throw new IllegalArgumentException("smoothL1Loss: beta must be >= 0, got " + beta);
        Tensor d = input.sub(target).abs();
        if (beta == 0) return reduce(d, reduction);   // the quadratic zone vanishes; 0.5 d^2 / 0 would be NaN
        return reduce(Tensor.where(d.lt(beta), d.square().mul(0.5 / beta), d.sub(0.5 * beta)), reduction);
    }

    static Tensor huberLoss(Tensor input, Tensor target, String reduction, double delta) {
        input = Autocast.cast("huberLoss", input);
        target = Autocast.cast("huberLoss", target);
        checkPointwise("huberLoss", input, target, reduction);
        if (!(delta > 0)) throw new IllegalArgumentException("huberLoss: delta must be > 0, got " + delta);
        Tensor d = input.sub(target).abs();
        return reduce(Tensor.where(d.lt(delta), d.square().mul(0.5), d.sub(0.5 * delta).mul(delta)), reduction);
    }

    // ------------------------------------------------------------------ binary classification

    static Tensor binaryCrossEntropy(Tensor input, Tensor target, Tensor weight, String reduction) {
        String loss = "binaryCrossEntropy";
        checkPointwise(loss, input, target, reduction);
        checkBroadcastsTo(loss, "weight", weight, input);
        if (input.numel() > 0 && input.detach().lt(0.0).logicalOr(input.detach().gt(1.0)).any().item() != 0) {
            throw new IllegalArgumentException(loss + ": input values must be probabilities in [0, 1] (apply sigmoid first, or"
                    + " use binaryCrossEntropyWithLogits on the raw scores)");
        }
        Tensor l = new BinaryCrossEntropy().apply(input, target);
        return reduce(weight == null ? l : l.mul(weight), reduction);
    }

    /**
     * -(y log x + (1 - y) log(1 - x)) with both logs clamped to >= -100, as PyTorch, so x = 0 or 1
     * gives a finite loss. Its backward is PyTorch's, (x - y) / max(x (1 - x), 1e-12): composing
     * log's derivative would give 0 * inf = NaN at x = 0 or 1, where a saturated sigmoid puts it.
     */
    static final class BinaryCrossEntropy extends Function {
        @Override
        public Tensor forward(FunctionContext ctx, Tensor... in) {
            Tensor x = in[0], y = in[1];
            ctx.saveForBackward(x, y);
            return y.mul(logClamped(x)).add(y.rsub(1).mul(log1mClamped(x))).neg();
        }

        @Override
        public Tensor[] backward(FunctionContext ctx, Tensor g) {
            Tensor[] s = ctx.savedTensors();
            Tensor x = s[0], y = s[1];
            Tensor gx = ctx.needsInputGrad(0) ? g.mul(x.sub(y)).div(x.mul(x.rsub(1)).clampMin(1e-12)) : null;
            Tensor gy = ctx.needsInputGrad(1) ? g.mul(log1mClamped(x).sub(logClamped(x))) : null;
            return new Tensor[]{gx, gy};
        }

        private static Tensor logClamped(Tensor x) { return x.log().clampMin(-100); }

        private static Tensor log1mClamped(Tensor x) { return x.neg().log1p().clampMin(-100); }
    }

    /**
     * (1 - y) x + L softplus(-x) with L = 1 + (posWeight - 1) y, PyTorch's form; softplus(-x) =
     * -log sigmoid(x) never overflows, so logits of any size give finite values and gradients.
     */
    static Tensor binaryCrossEntropyWithLogits(Tensor input, Tensor target, Tensor weight, String reduction, Tensor posWeight) {
        input = Autocast.cast("binaryCrossEntropyWithLogits", input);
        target = Autocast.cast("binaryCrossEntropyWithLogits", target);
        weight = Autocast.cast("binaryCrossEntropyWithLogits", weight);
        posWeight = Autocast.cast("binaryCrossEntropyWithLogits", posWeight);
        String loss = "binaryCrossEntropyWithLogits";
        checkPointwise(loss, input, target, reduction);
        checkBroadcastsTo(loss, "weight", weight, input);
        checkBroadcastsTo(loss, "posWeight", posWeight, input);
        Tensor logSigmoidNeg = softplus(input.neg());
        Tensor scale = posWeight == null ? null : posWeight.sub(1.0).mul(target).add(1.0);
        Tensor l = target.rsub(1).mul(input).add(scale == null ? logSigmoidNeg : scale.mul(logSigmoidNeg));
        return reduce(weight == null ? l : l.mul(weight), reduction);
    }

    // ------------------------------------------------------------------ multi-class classification

    /**
     * Negative log-likelihood of class indices for log-probabilities (the core of crossEntropy).
     * Per element: -w[t] logp[t] (0 where t = ignoreIndex), mixed with the label-smoothing term
     * -sum_c w_c logp_c / C; "mean" divides by the summed weights of the targets not ignored.
     */
    private static Tensor classIndexLoss(String loss, Tensor logp, Tensor target, Tensor weight, long ignoreIndex,
                                         String reduction, double labelSmoothing) {
        int classDim = logp.dim() == 1 ? 0 : 1;
        int classes = logp.size(classDim);
        checkClassTarget(loss, logp, target, classDim);
        boolean anyIgnored = checkClassRange(loss, target, classes, ignoreIndex, true);
        if (!anyIgnored && weight == null && labelSmoothing == 0 && target.numel() > 0) {
            // The common case, as a classifier's training step meets it: -logp[t] averaged, in four ops
            // instead of a dozen (each one more kernel for the JIT to compile while the first steps run).
            Tensor picked = logp.gather(classDim, target.unsqueeze(classDim)).squeeze(classDim);
            switch (reduction) {
                case "mean": return picked.mean().neg();
                case "sum": return picked.sum().neg();
                default: return picked.neg();
            }
        }
        Tensor ignore = target.eq((double) ignoreIndex);
        Tensor safe = target.maskedFill(ignore, 0);   // gather needs a valid index even where the result is dropped
        Tensor picked = logp.gather(classDim, safe.unsqueeze(classDim)).squeeze(classDim);
        Tensor w = weight == null ? ignore.logicalNot().to(logp.dtype()) : weight.index(safe).maskedFill(ignore, 0);
        Tensor l = (weight == null ? picked : picked.mul(w)).neg().maskedFill(ignore, 0);
        if (labelSmoothing > 0) {
            Tensor all = weight == null ? logp : logp.mul(weight.reshape(classShape(logp.dim(), classDim, classes)));
            Tensor smooth = all.sum(classDim, false).neg().maskedFill(ignore, 0);
            l = l.mul(1 - labelSmoothing).add(smooth.mul(labelSmoothing / classes));
        }
        switch (reduction) {
            case "mean": return l.sum().div(w.sum());
            case "sum": return l.sum();
            default: return l;
        }
    }

    /** Cross entropy against class probabilities: -sum_c w_c y_c logp_c per element; "mean" averages over elements. */
    private static Tensor softCrossEntropy(Tensor logp, Tensor target, Tensor weight, String reduction, double labelSmoothing) {
        int classDim = logp.dim() == 1 ? 0 : 1;
        int classes = logp.size(classDim);
        Tensor y = labelSmoothing > 0 ? target.mul(1 - labelSmoothing).add(labelSmoothing / classes) : target;
        Tensor terms = logp.mul(y);
        if (weight != null) terms = terms.mul(weight.reshape(classShape(logp.dim(), classDim, classes)));
        return reduce(terms.sum(classDim, false).neg(), reduction);
    }

    static Tensor crossEntropy(Tensor input, Tensor target, Tensor weight, long ignoreIndex, String reduction,
                               double labelSmoothing) {
        input = Autocast.cast("crossEntropy", input);
        target = Autocast.cast("crossEntropy", target);
        weight = Autocast.cast("crossEntropy", weight);
        String loss = "crossEntropy";
        checkReduction(loss, reduction);
        checkClassInput(loss, input, weight);
        checkLabelSmoothing(loss, labelSmoothing);
        if (target == null) throw new IllegalArgumentException(loss + ": target is null");
        int classDim = input.dim() == 1 ? 0 : 1;
        if (target.dtype().isFloatingPoint()) {
            if (!Arrays.equals(target.shape(), input.shape())) {
                throw new IllegalArgumentException(loss + ": a floating point target holds class probabilities and must have the"
                        + " input's shape " + Shapes.str(input.shape()) + ", got " + Shapes.str(target.shape())
                        + "; class indices must be an int64 tensor of shape " + Shapes.str(withoutDim(input.shape(), classDim)));
            }
            if (ignoreIndex >= 0) {
                throw new IllegalArgumentException(loss + ": ignoreIndex (" + ignoreIndex + ") applies to class-index targets,"
                        + " not to class probabilities");
            }
            return softCrossEntropy(input.logSoftmax(classDim), target, weight, reduction, labelSmoothing);
        }
        return classIndexLoss(loss, input.logSoftmax(classDim), target, weight, ignoreIndex, reduction, labelSmoothing);
    }

    static Tensor nllLoss(Tensor input, Tensor target, Tensor weight, long ignoreIndex, String reduction) {
        input = Autocast.cast("nllLoss", input);
        weight = Autocast.cast("nllLoss", weight);
        String loss = "nllLoss";
        checkReduction(loss, reduction);
        checkClassInput(loss, input, weight);
        if (target == null) throw new IllegalArgumentException(loss + ": target is null");
        return classIndexLoss(loss, input, target, weight, ignoreIndex, reduction, 0);
    }

    private static void checkLabelSmoothing(String loss, double labelSmoothing) {
        if (!(labelSmoothing >= 0 && labelSmoothing <= 1)) {
            throw new IllegalArgumentException(loss + ": labelSmoothing must be in [0, 1], got " + labelSmoothing);
        }
    }

    /** Input [C] or [N, C, d1, ...] with classes in dim 1 (dim 0 for 1-D); weight null or [C]. */
    private static void checkClassInput(String loss, Tensor input, Tensor weight) {
        checkFloating(loss, "input", input);
        if (input.dim() == 0) {
            throw new IllegalArgumentException(loss + ": input must be [C] or [N, C, d1, ...] with the classes in dim 1, got a 0-d"
                    + " tensor");
        }
        int classes = input.size(input.dim() == 1 ? 0 : 1);
        if (weight != null) {
            checkFloating(loss, "weight", weight);
            if (weight.dim() != 1 || weight.size(0) != classes) {
                throw new IllegalArgumentException(loss + ": weight must be [" + classes + "], one per class of input "
                        + Shapes.str(input.shape()) + ", got " + Shapes.str(weight.shape()));
            }
        }
    }

    /** Class-index targets: integral, with the input's shape minus the class dim. */
    private static void checkClassTarget(String loss, Tensor input, Tensor target, int classDim) {
        int[] want = withoutDim(input.shape(), classDim);
        if (target.dtype() != DType.INT64 && target.dtype() != DType.INT32) {
            String probs = loss.equals("crossEntropy") ? "" : " (" + loss + " takes no class probabilities; crossEntropy does)";
            throw new IllegalArgumentException(loss + ": target must hold class indices as an int64 tensor of shape "
                    + Shapes.str(want) + ", got " + describe(target) + probs);
        }
        if (Arrays.equals(target.shape(), want)) return;
        if (input.dim() >= 2 && target.dim() >= 1 && target.size(0) != input.size(0)) {
            throw new IllegalArgumentException(loss + ": target " + Shapes.str(target.shape()) + " has " + target.size(0)
                    + " entries but input " + Shapes.str(input.shape()) + " has batch " + input.size(0));
        }
        throw new IllegalArgumentException(loss + ": target " + Shapes.str(target.shape()) + " does not fit input "
                + Shapes.str(input.shape()) + ": class indices take the input's shape without its class dim " + classDim
                + ", " + Shapes.str(want));
    }

    /**
     * Every class index (except those equal to ignoreIndex, when {@code ignoring}) must lie in [0, C); the
     * message names the first that does not. One pass over the indices on the host, not a chain of tensor
     * ops. Returns whether any index equals ignoreIndex.
     */
    private static boolean checkClassRange(String loss, Tensor target, int classes, long ignoreIndex, boolean ignoring) {
        long[] t = target.toLongArray();
        boolean anyIgnored = false;
        for (int i = 0; i < t.length; i++) {
            if (ignoring && t[i] == ignoreIndex) {
                anyIgnored = true;
            } else if (t[i] < 0 || t[i] >= classes) {
                throw new IndexOutOfBoundsException(loss + ": class index " + t[i] + " (target element " + i + ") is out of range for "
                        + classes + " classes: indices must be in [0, " + (classes - 1) + "]"
                        + (ignoring ? " or equal ignoreIndex (" + ignoreIndex + ")" : ""));
            }
        }
        return anyIgnored;
    }

    private static int[] withoutDim(int[] shape, int dim) {
        int[] out = new int[shape.length - 1];
        for (int i = 0, j = 0; i < shape.length; i++) if (i != dim) out[j++] = shape[i];
        return out;
    }

    /** [1, C, 1, ...]: a per-class vector broadcast against the input. */
    private static int[] classShape(int rank, int classDim, int classes) {
        int[] s = new int[rank];
        Arrays.fill(s, 1);
        s[classDim] = classes;
        return s;
    }

    /**
     * Kullback-Leibler divergence of the target from the input's distribution, the input given as
     * log-probabilities: t (log t - x), taken as 0 where t = 0 (0 log 0 = 0); with logTarget the
     * target is log t too, exp(t) (t - x). "batchmean" divides the sum by the batch size, the true KL.
     */
    static Tensor klDiv(Tensor input, Tensor target, String reduction, boolean logTarget) {
        input = Autocast.cast("klDiv", input);
        target = Autocast.cast("klDiv", target);
        String loss = "klDiv";
        if (!"batchmean".equals(reduction)) {
            if (!"mean".equals(reduction) && !"sum".equals(reduction) && !"none".equals(reduction)) {
                throw new IllegalArgumentException(loss + ": reduction must be \"mean\", \"batchmean\", \"sum\" or \"none\", got "
                        + quote(reduction));
            }
        }
        checkFloating(loss, "input", input);
        checkSameShape(loss, "input", input, "target", target);
        Tensor l;
        if (logTarget) {
            l = target.exp().mul(target.sub(input));
        } else {
            Tensor zero = target.eq(0.0);
            // log of 1 where t = 0: log 0 = -inf would turn the dropped branch's gradient into 0 * inf = NaN.
            Tensor logT = target.maskedFill(zero, 1).log();
            l = target.mul(logT.sub(input)).maskedFill(zero, 0);
        }
        if ("batchmean".equals(reduction)) return input.dim() == 0 ? l.sum() : l.sum().div((double) input.size(0));
        return reduce(l, reduction);
    }

    // ------------------------------------------------------------------ margins and embeddings

    /** x where y = 1, max(0, margin - x) where y = -1 (PyTorch adds both terms for other values of y). */
    static Tensor hingeEmbeddingLoss(Tensor input, Tensor target, double margin, String reduction) {
        input = Autocast.cast("hingeEmbeddingLoss", input);
        target = Autocast.cast("hingeEmbeddingLoss", target);
        checkPointwise("hingeEmbeddingLoss", input, target, reduction);
        Tensor marginTerm = input.rsub(margin).clampMin(0).maskedFill(target.eq(1.0), 0);
        Tensor selfTerm = input.maskedFill(target.eq(-1.0), 0);
        return reduce(marginTerm.add(selfTerm), reduction);
    }

    /** max(0, 1 - y x)^2 for labels y in {-1, 1}. */
    static Tensor squaredHingeLoss(Tensor input, Tensor target, String reduction) {
        checkPointwise("squaredHingeLoss", input, target, reduction);
        return reduce(input.mul(target).rsub(1).clampMin(0).square(), reduction);
    }

    /** Per sample: sum over j != y of w[y] max(0, margin - x[y] + x[j])^p, divided by C. */
    static Tensor multiMarginLoss(Tensor input, Tensor target, int p, double margin, Tensor weight, String reduction) {
        String loss = "multiMarginLoss";
        checkReduction(loss, reduction);
        checkFloating(loss, "input", input);
        if (p != 1 && p != 2) throw new IllegalArgumentException(loss + ": p must be 1 or 2, got " + p);
        if (input.dim() != 1 && input.dim() != 2) {
            throw new IllegalArgumentException(loss + ": input must be [C] or [N, C], got " + Shapes.str(input.shape()));
        }
        if (target == null) throw new IllegalArgumentException(loss + ": target is null");
        if (target.dtype() != DType.INT64 && target.dtype() != DType.INT32) {
            throw new IllegalArgumentException(loss + ": target must hold class indices as an int64 tensor, got " + describe(target));
        }
        int n = input.dim() == 2 ? input.size(0) : 1, classes = input.size(input.dim() - 1);
        boolean fits = input.dim() == 2 ? target.dim() == 1 && target.size(0) == n : target.dim() <= 1 && target.numel() == 1;
        if (!fits) {
            throw new IllegalArgumentException(loss + ": target " + Shapes.str(target.shape()) + " does not fit input "
                    + Shapes.str(input.shape()) + ": it needs one class index per sample, " + (input.dim() == 2 ? "[" + n + "]" : "[]"));
        }
        if (weight != null) {
            checkFloating(loss, "weight", weight);
            if (weight.dim() != 1 || weight.size(0) != classes) {
                throw new IllegalArgumentException(loss + ": weight must be [" + classes + "], one per class, got "
                        + Shapes.str(weight.shape()));
            }
        }
        Tensor t = target.reshape(n);
        checkClassRange(loss, t, classes, 0, false);
        Tensor x = input.reshape(n, classes);
        Tensor idx = t.unsqueeze(1);
        Tensor z = x.sub(x.gather(1, idx)).add(margin).clampMin(0);
        if (p == 2) z = z.square();
        if (weight != null) z = z.mul(weight.index(idx));
        Tensor own = Tensor.arange(classes).to(t.device()).unsqueeze(0).eq(idx.to(DType.INT64));
        Tensor l = z.maskedFill(own, 0).sum(1, false).div((double) classes);
        return reduce(reduction.equals("none") ? l.reshape(target.shape()) : l, reduction);
    }

    /**
     * 1 - cos(x1, x2) where y = 1, max(0, cos(x1, x2) - margin) where y = -1; the cosine is taken along
     * dim 1 (dim 0 for 1-D inputs) with PyTorch's 1e-12 added to each squared norm.
     */
    static Tensor cosineEmbeddingLoss(Tensor x1, Tensor x2, Tensor target, double margin, String reduction) {
        String loss = "cosineEmbeddingLoss";
        checkReduction(loss, reduction);
        checkFloating(loss, "input1", x1);
        checkSameShape(loss, "input1", x1, "input2", x2);
        if (x1.dim() != 1 && x1.dim() != 2) {
            throw new IllegalArgumentException(loss + ": inputs must be [D] or [N, D], got " + Shapes.str(x1.shape()));
        }
        if (target == null) throw new IllegalArgumentException(loss + ": target is null");
        boolean fits = x1.dim() == 2 ? target.dim() == 1 && target.size(0) == x1.size(0) : target.dim() == 0;
        if (!fits) {
            throw new IllegalArgumentException(loss + ": target " + Shapes.str(target.shape()) + " does not fit inputs "
                    + Shapes.str(x1.shape()) + ": it needs one label (1 or -1) per pair, " + (x1.dim() == 2 ? "[" + x1.size(0) + "]" : "[]"));
        }
        int d = x1.dim() - 1;
        Tensor dot = x1.mul(x2).sum(d, false);
        Tensor norms = x1.square().sum(d, false).add(1e-12).mul(x2.square().sum(d, false).add(1e-12)).sqrt();
        Tensor cos = dot.div(norms);
        Tensor pos = cos.rsub(1).maskedFill(target.ne(1.0), 0);
        Tensor neg = cos.sub(margin).clampMin(0).maskedFill(target.ne(-1.0), 0);
        return reduce(pos.add(neg), reduction);
    }

    /** max(0, -y (x1 - x2) + margin): y = 1 asks for x1 to rank above x2 by the margin, y = -1 for below. */
    static Tensor marginRankingLoss(Tensor x1, Tensor x2, Tensor target, double margin, String reduction) {
        String loss = "marginRankingLoss";
        checkReduction(loss, reduction);
        checkFloating(loss, "input1", x1);
        checkSameShape(loss, "input1", x1, "input2", x2);
        checkSameShape(loss, "input1", x1, "target", target);
        return reduce(x1.sub(x2).mul(target).neg().add(margin).clampMin(0), reduction);
    }
}
