package dev.kindling.autograd;

import dev.kindling.tensor.NDArray;
import dev.kindling.tensor.Shapes;
import java.util.ArrayList;
import java.util.List;

/** Joining and splitting along a dim, and constant padding, with their derivatives. */
final class JoinOps {
    private JoinOps() {}

    /** Each input's gradient is its own stretch of the output gradient. */
    static Tensor cat(List<Tensor> tensors, int dim) {
        List<NDArray> arrays = new ArrayList<>(tensors.size());
        for (Tensor t : tensors) arrays.add(t.data());
        Tensor out = Tensor.wrap(NDArray.cat(arrays, dim));
        Tensor[] inputs = tensors.toArray(new Tensor[0]);
        if (!Graph.records(inputs)) return out;
        int d = Shapes.dim("cat", dim, out.dim());
        int[] starts = new int[inputs.length], lengths = new int[inputs.length];
        boolean[] need = new boolean[inputs.length];
        for (int i = 0, at = 0; i < inputs.length; i++) {
            starts[i] = at;
            lengths[i] = inputs[i].shape()[d];
            need[i] = inputs[i].requiresGrad();
            at += lengths[i];
        }
        return Graph.record("CatBackward", out, g -> {
            Tensor[] grads = new Tensor[inputs.length];
            for (int i = 0; i < grads.length; i++) if (need[i]) grads[i] = g.narrow(d, starts[i], lengths[i]);
            return grads;
        }, inputs);
    }

    static Tensor stack(List<Tensor> tensors, int dim) {
        List<NDArray> arrays = new ArrayList<>(tensors.size());
        for (Tensor t : tensors) arrays.add(t.data());
        Tensor out = Tensor.wrap(NDArray.stack(arrays, dim));
        Tensor[] inputs = tensors.toArray(new Tensor[0]);
        if (!Graph.records(inputs)) return out;
        int d = Shapes.dim("stack", dim, out.dim());
        boolean[] need = new boolean[inputs.length];
        for (int i = 0; i < inputs.length; i++) need[i] = inputs[i].requiresGrad();
        return Graph.record("StackBackward", out, g -> {
            Tensor[] grads = new Tensor[inputs.length];
            for (int i = 0; i < grads.length; i++) if (need[i]) grads[i] = g.select(d, i);
            return grads;
        }, inputs);
    }

    /** Pieces as {@link Tensor#narrow} views, so each piece's gradient flows back on its own. */
    static List<Tensor> pieces(Tensor a, List<NDArray> parts, int dim) {
        int d = Shapes.dim("split", dim, a.dim());
        List<Tensor> out = new ArrayList<>(parts.size());
        int at = 0;
        for (NDArray p : parts) {
            int len = p.shapeRef()[d];
            out.add(ViewOps.narrow(a, d, at, len));
            at += len;
        }
        return out;
    }

    /** Negative pads crop, so the gradient of pad(p) is pad(-p) of the output gradient. */
    static Tensor pad(Tensor a, int[] pads, double value) {
        Tensor out = Tensor.wrap(a.data().pad(pads, value));
        if (!Graph.records(a)) return out;
        int[] back = new int[pads.length];
        for (int i = 0; i < pads.length; i++) back[i] = -pads[i];
        return Graph.record("PadBackward", out, g -> new Tensor[]{g.pad(back, 0)}, a);
    }
}
