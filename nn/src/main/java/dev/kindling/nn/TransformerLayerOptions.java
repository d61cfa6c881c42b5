package dev.kindling.nn;

import dev.kindling.autograd.Tensor;
import dev.kindling.nn.functional.F;
import java.util.function.UnaryOperator;

/**
 * The keyword arguments PyTorch's TransformerEncoderLayer, TransformerDecoderLayer and Transformer share,
 * with its defaults: dimFeedforward 2048, dropout 0.1, activation "relu", layerNormEps 1e-5, batchFirst
 * false, normFirst false (post-norm, as the original paper), bias true. Set by chained calls:
 * <pre>{@code
 * var opts = new TransformerLayerOptions().dimFeedforward(256).dropout(0.0).activation("gelu").batchFirst(true);
 * var layer = new TransformerEncoderLayer(64, 4, opts);
 * }</pre>
 */
public final class TransformerLayerOptions {
    private int dimFeedforward = 2048;
    private double dropout = 0.1;
    private String activationName = "relu";
    private UnaryOperator<Tensor> activation = F::relu;
    private double layerNormEps = 1e-5;
    private boolean batchFirst, normFirst, bias = true;

    public TransformerLayerOptions() {}

    private TransformerLayerOptions(TransformerLayerOptions o) {
        dimFeedforward = o.dimFeedforward;
        dropout = o.dropout;
        activationName = o.activationName;
        activation = o.activation;
        layerNormEps = o.layerNormEps;
        batchFirst = o.batchFirst;
        normFirst = o.normFirst;
        bias = o.bias;
    }

    /** The hidden size of the feed-forward block (linear1: dModel to dimFeedforward, linear2: back). */
    public TransformerLayerOptions dimFeedforward(int dimFeedforward) {
        if (dimFeedforward <= 0) {
            throw new IllegalArgumentException("TransformerLayerOptions: dimFeedforward must be positive, got " + dimFeedforward);
        }
        this.dimFeedforward = dimFeedforward;
        return this;
    }

    /** Dropout after attention, inside and after the feed-forward block, and on the attention weights. */
    public TransformerLayerOptions dropout(double dropout) {
        if (!(dropout >= 0 && dropout <= 1)) {
            throw new IllegalArgumentException("TransformerLayerOptions: dropout must be in [0, 1], got " + dropout);
        }
        this.dropout = dropout;
        return this;
    }

    /** "relu" or "gelu" (exact), as PyTorch's string argument. */
    public TransformerLayerOptions activation(String activation) {
        switch (activation) {
            case "relu": this.activation = F::relu; break;
            case "gelu": this.activation = F::gelu; break;
            default: throw new IllegalArgumentException("TransformerLayerOptions: activation should be \"relu\" or \"gelu\", not \""
                    + activation + "\" (pass a function for others)");
        }
        this.activationName = activation;
        return this;
    }

    /** Any elementwise function, as PyTorch's callable argument (e.g. {@code F::silu}); it must hold no parameters. */
    public TransformerLayerOptions activation(UnaryOperator<Tensor> activation) {
        this.activation = java.util.Objects.requireNonNull(activation, "activation");
        this.activationName = "custom";
        return this;
    }

    public TransformerLayerOptions layerNormEps(double layerNormEps) { this.layerNormEps = layerNormEps; return this; }

    /** Inputs and outputs as [N, L, E] rather than [L, N, E]. */
    public TransformerLayerOptions batchFirst(boolean batchFirst) { this.batchFirst = batchFirst; return this; }

    /** Pre-norm: x + block(norm(x)) instead of norm(x + block(x)). */
    public TransformerLayerOptions normFirst(boolean normFirst) { this.normFirst = normFirst; return this; }

    /** Biases in the linear layers, the attention and the layer norms. */
    public TransformerLayerOptions bias(boolean bias) { this.bias = bias; return this; }

    public int dimFeedforward() { return dimFeedforward; }

    public double dropout() { return dropout; }

    public UnaryOperator<Tensor> activation() { return activation; }

    /** "relu", "gelu" or "custom". */
    public String activationName() { return activationName; }

    public double layerNormEps() { return layerNormEps; }

    public boolean batchFirst() { return batchFirst; }

    public boolean normFirst() { return normFirst; }

    public boolean bias() { return bias; }

    /** A snapshot, so a layer is unaffected by later changes to the options it was built with. */
    TransformerLayerOptions copy() { return new TransformerLayerOptions(this); }
}
