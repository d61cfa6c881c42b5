package dev.kindling.nn;

import dev.kindling.autograd.Tensor;

/** Merges dims startDim..endDim (default 1..-1, keeping the batch dim): [N, C, H, W] -> [N, C*H*W]. */
public class Flatten extends Module {
    public final int startDim, endDim;

    public Flatten() { this(1, -1); }

    public Flatten(int startDim, int endDim) {
        this.startDim = startDim;
        this.endDim = endDim;
    }

    @Override
    public Tensor forward(Tensor x) { return x.flatten(startDim, endDim); }

    @Override
    protected String describe() { return "Flatten(startDim=" + startDim + ", endDim=" + endDim + ")"; }
}
