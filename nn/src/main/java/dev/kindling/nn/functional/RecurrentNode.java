package dev.kindling.nn.functional;

import dev.kindling.autograd.Autograd;
import dev.kindling.autograd.FunctionContext;
import dev.kindling.autograd.MultiOutputFunction;
import dev.kindling.autograd.Tensor;
import dev.kindling.tensor.cpu.RecurrentKernels.Cell;
import dev.kindling.tensor.cpu.RecurrentKernels.Steps;
import java.util.ArrayList;
import java.util.List;

/**
 * What the two autograd nodes of one recurrent layer share: {@link RecurrentLayer} on Kindling's kernels and
 * {@link DnnlRecurrentLayer} on oneDNN. Inputs: x [N, in], both directions' W_ih stacked [D*G*H, in], then per
 * direction W_hh [G*H, H], b_ih and b_hh [G*H] (null without bias), then h0 [D, B, H] and, for LSTM, c0
 * [D, B, H]. Outputs: out [N, D*H], h_n [D, B, H] and, for LSTM, c_n [D, B, H]. Their fused backwards are
 * first-order; under createGraph both differentiate the layer's Tensor-op form instead.
 */
abstract class RecurrentNode extends MultiOutputFunction {
    final Cell cell;
    final Steps steps;
    final int hidden, directions;

    RecurrentNode(Cell cell, Steps steps, int hidden, int directions) {
        this.cell = cell;
        this.steps = steps;
        this.hidden = hidden;
        this.directions = directions;
    }

    /** Where the state inputs start: after x, W_ih and three weights per direction. */
    int stateInput() { return 2 + 3 * directions; }

    /** createGraph: differentiates the Tensor-op form of this layer, recomputed from the saved inputs. */
    Tensor[] differentiableBackward(FunctionContext ctx, Tensor[] in, Tensor[] grads) {
        return gradientsOf(ctx, in, RecurrentComposite.layer(cell, steps, hidden, directions, in), grads);
    }

    /**
     * The gradients, as a differentiable graph, of a node's inputs {@code in} from the outputs {@code outs}
     * of its Tensor-op recomputation, seeded with the node's output gradients; null where none is needed.
     */
    static Tensor[] gradientsOf(FunctionContext ctx, Tensor[] in, Tensor[] outs, Tensor[] grads) {
        List<Tensor> wrt = new ArrayList<>();
        List<Integer> slots = new ArrayList<>();
        for (int i = 0; i < in.length; i++) {
            if (ctx.needsInputGrad(i)) {
                wrt.add(in[i]);
                slots.add(i);
            }
        }
        List<Tensor> roots = new ArrayList<>(), seeds = new ArrayList<>();
        for (int i = 0; i < outs.length; i++) {
            if (outs[i].requiresGrad()) {
                roots.add(outs[i]);
                seeds.add(grads[i]);
            }
        }
        Tensor[] g = Autograd.grad(roots.toArray(new Tensor[0]), wrt.toArray(new Tensor[0]), seeds.toArray(new Tensor[0]),
                true, true, true);
        Tensor[] result = new Tensor[in.length];
        for (int i = 0; i < g.length; i++) result[slots.get(i)] = g[i];
        return result;
    }

    @Override
    protected String name() { return Recurrent.backwardName(cell); }

    /**
     * The fused backwards return arrays they have just made (W_hh's 1 MiB gradient in the LSTM step). The
     * createGraph path may return its gradient outputs, but the engine owns nothing when it records.
     */
    @Override
    protected boolean backwardReturnsFreshTensors() { return true; }
}
