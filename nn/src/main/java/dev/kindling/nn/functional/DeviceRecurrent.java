package dev.kindling.nn.functional;

import dev.kindling.autograd.FunctionContext;
import dev.kindling.autograd.GradMode;
import dev.kindling.autograd.MultiOutputFunction;
import dev.kindling.autograd.Tensor;
import dev.kindling.tensor.NDArray;
import dev.kindling.tensor.RecurrentNetwork;
import dev.kindling.tensor.cpu.RecurrentKernels.Steps;
import java.util.ArrayList;
import java.util.List;

/**
 * A whole recurrent stack computed by the device's {@link RecurrentNetwork} (cuDNN on CUDA), as one
 * autograd node. Inputs: x [N, in] (packed rows), h0 [L*D, B, H], for LSTM c0, then the weights in
 * PyTorch's flat order; outputs: out [N, D*H], h_n and for LSTM c_n [L*D, B, H]. Backward asks the
 * library for the input, state and (when any weight needs one) weight gradients, so gradients reach
 * the module's named parameters.
 *
 * <p>The library's backward is first-order. Under createGraph the node recomputes the stack with
 * Tensor ops from its saved inputs and differentiates that, as {@link RecurrentLayer} does on the CPU;
 * that is exact only without dropout (the library's masks cannot be drawn again), so createGraph
 * through a training-mode stack with dropout is an error.
 */
final class DeviceRecurrent extends MultiOutputFunction {
    private final RecurrentNetwork network;
    private final RecurrentNetwork.Spec spec;
    private final boolean lstm;

    DeviceRecurrent(RecurrentNetwork network, RecurrentNetwork.Spec spec) {
        this.network = network;
        this.spec = spec;
        this.lstm = spec.mode().equals("LSTM");
    }

    /** The node's inputs: x, h0, c0 (LSTM only), then the weights. */
    static Tensor[] inputs(Tensor x, Tensor h0, Tensor c0, List<Tensor> weights) {
        List<Tensor> in = new ArrayList<>(List.of(x, h0));
        if (c0 != null) in.add(c0);
        in.addAll(weights);
        return in.toArray(new Tensor[0]);
    }

    /** Where the weights start among the inputs. */
    private int firstWeight() { return lstm ? 3 : 2; }

    @Override
    public Tensor[] forward(FunctionContext ctx, Tensor... in) {
        List<NDArray> weights = new ArrayList<>();
        for (int i = firstWeight(); i < in.length; i++) weights.add(in[i].data().contiguous());
        boolean keep = false;
        for (int i = 0; i < in.length; i++) keep |= ctx.needsInputGrad(i);
        RecurrentNetwork.Forward f = network.forward(spec, in[0].data().contiguous(), in[1].data().contiguous(),
                lstm ? in[2].data().contiguous() : null, weights, keep);
        if (keep) {
            ctx.put("trace", f.trace());
            ctx.saveForBackward(in);
        }
        Tensor out = Tensor.wrap(f.output()), h = Tensor.wrap(f.hN());
        return lstm ? new Tensor[]{out, h, Tensor.wrap(f.cN())} : new Tensor[]{out, h};
    }

    @Override
    public Tensor[] backward(FunctionContext ctx, Tensor... grads) {
        if (GradMode.isEnabled()) return differentiableBackward(ctx, grads);
        int count = firstWeight() + weightCount();
        boolean weights = false;
        for (int i = firstWeight(); i < count; i++) weights |= ctx.needsInputGrad(i);
        RecurrentNetwork.Gradients g = network.backward(spec, ctx.get("trace"), grads[0].data().contiguous(),
                grads[1].data().contiguous(), lstm ? grads[2].data().contiguous() : null, weights);
        Tensor[] result = new Tensor[count];
        if (ctx.needsInputGrad(0)) result[0] = Tensor.wrap(g.input());
        if (ctx.needsInputGrad(1)) result[1] = Tensor.wrap(g.h0());
        if (lstm && ctx.needsInputGrad(2)) result[2] = Tensor.wrap(g.c0());
        for (int i = firstWeight(); i < result.length; i++) {
            if (ctx.needsInputGrad(i)) result[i] = Tensor.wrap(g.weights().get(i - firstWeight()));
        }
        return result;
    }

    /** Weights per layer and direction: W_ih, W_hh and, with biases, b_ih, b_hh. */
    private int weightCount() { return spec.numLayers() * spec.directions() * (spec.hasBiases() ? 4 : 2); }

    /** createGraph: the Tensor-op form of the stack, recomputed from the saved inputs and differentiated. */
    private Tensor[] differentiableBackward(FunctionContext ctx, Tensor[] grads) {
        if (spec.dropout() > 0) {
            throw new UnsupportedOperationException(spec.mode() + " on " + ctx.savedTensors()[0].device() + ": createGraph"
                    + " (double backward) needs the Tensor-op form of the network, which cannot redraw the dropout masks of"
                    + " the device library (dropout=" + spec.dropout() + " in training); use dropout 0, eval(), or the CPU");
        }
        Tensor[] in = ctx.savedTensors();
        List<Tensor> weights = List.of(in).subList(firstWeight(), in.length);
        Tensor[] outs = Recurrent.layers(Recurrent.cell(spec.mode()), Steps.packed(spec.batchSizes()), in[0], in[1],
                lstm ? in[2] : null, weights, spec.hasBiases(), spec.numLayers(), 0, false, spec.directions());
        return RecurrentLayer.gradientsOf(ctx, in, outs, grads);
    }

    @Override
    protected String name() { return Recurrent.backwardName(Recurrent.cell(spec.mode())); }
}
