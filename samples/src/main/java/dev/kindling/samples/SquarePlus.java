package dev.kindling.samples;

import dev.kindling.autograd.Function;
import dev.kindling.autograd.FunctionContext;
import dev.kindling.autograd.Tensor;

/**
 * A user-defined differentiable op: squareplus (Barron, 2021), a smooth ReLU made only of a square root,
 * {@code f(x) = (x + sqrt(x^2 + b)) / 2}, with derivative {@code f'(x) = (1 + x / sqrt(x^2 + b)) / 2}. With
 * b = 4 it stays within 0.5 of softplus; as b -> 0 it becomes ReLU. Forward runs without recording;
 * backward is written with {@link Tensor} ops, so second derivatives work too.
 * <pre>{@code
 * Tensor y = new SquarePlus(4).apply(x);
 * }</pre>
 */
public final class SquarePlus extends Function {
    private final double b;

    public SquarePlus(double b) {
        if (!(b > 0)) throw new IllegalArgumentException("SquarePlus: b must be > 0, got " + b);
        this.b = b;
    }

    @Override
    public Tensor forward(FunctionContext ctx, Tensor... inputs) {
        Tensor x = inputs[0];
        ctx.saveForBackward(x);
        return x.add(x.mul(x).add(b).sqrt()).mul(0.5);
    }

    @Override
    public Tensor[] backward(FunctionContext ctx, Tensor gradOutput) {
        Tensor x = ctx.savedTensors()[0];
        Tensor slope = x.div(x.mul(x).add(b).sqrt()).add(1.0).mul(0.5);
        return new Tensor[]{gradOutput.mul(slope)};
    }
}
