package dev.kindling.nn;

import dev.kindling.autograd.Tensor;
import dev.kindling.nn.functional.F;
import dev.kindling.nn.init.Init;

/**
 * A lookup table: int64 indices of any shape to rows of a [num, dim] weight initialised N(0, 1), with
 * the paddingIdx row zeroed and kept out of training, as PyTorch. maxNorm rescales looked-up rows.
 */
public class Embedding extends Module {
    public final int numEmbeddings, embeddingDim;
    /** The padding row (from 0), or -1 when there is none. */
    public final int paddingIdx;
    /** NaN when there is none. */
    public final double maxNorm;
    public final Tensor weight;

    public Embedding(int numEmbeddings, int embeddingDim) { this(numEmbeddings, embeddingDim, null, null); }

    /**
     * {@code paddingIdx} (null for none; negative counts from the end, as in PyTorch) and {@code maxNorm}
     * (null for none).
     */
    public Embedding(int numEmbeddings, int embeddingDim, Integer paddingIdx, Double maxNorm) {
        if (numEmbeddings <= 0 || embeddingDim <= 0) {
            throw new IllegalArgumentException("Embedding: sizes must be positive, got " + numEmbeddings + " x " + embeddingDim);
        }
        if (paddingIdx != null && (paddingIdx >= numEmbeddings || paddingIdx < -numEmbeddings)) {
            throw new IllegalArgumentException("Embedding: paddingIdx " + paddingIdx + " is outside [" + (-numEmbeddings) + ", "
                    + (numEmbeddings - 1) + "]");
        }
        this.numEmbeddings = numEmbeddings;
        this.embeddingDim = embeddingDim;
        this.paddingIdx = paddingIdx == null ? -1 : paddingIdx < 0 ? paddingIdx + numEmbeddings : paddingIdx;
        this.maxNorm = maxNorm == null ? Double.NaN : maxNorm;
        this.weight = registerParameter("weight", Tensor.zeros(numEmbeddings, embeddingDim));
        resetParameters();
    }

    public void resetParameters() {
        Init.normal_(weight, 0, 1);
        if (paddingIdx >= 0) {
            try (var s = dev.kindling.autograd.GradMode.noGrad()) {
                weight.select(0, paddingIdx).fill_(0);
            }
        }
    }

    @Override
    public Tensor forward(Tensor indices) { return F.embedding(indices, weight, paddingIdx, maxNorm); }

    @Override
    protected String describe() {
        return "Embedding(" + numEmbeddings + ", " + embeddingDim + (paddingIdx >= 0 ? ", paddingIdx=" + paddingIdx : "")
                + (Double.isNaN(maxNorm) ? "" : ", maxNorm=" + maxNorm) + ")";
    }
}
