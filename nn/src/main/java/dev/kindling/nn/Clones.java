package dev.kindling.nn;

import dev.kindling.autograd.GradMode;
import dev.kindling.autograd.Tensor;
import java.util.Map;

/** Deep copies of layers for the Transformer stacks (PyTorch's {@code _get_clones}, which deep-copies one layer N times). */
final class Clones {
    private Clones() {}

    /**
     * Gives {@code copy}, a freshly built module of the same structure as {@code original}, independent copies of
     * the original's parameter and buffer values (their dtype and device too) and its training mode; returns it.
     */
    static <M extends Module> M copyState(M original, M copy) {
        copyAll(original.namedParameters(), copy.namedParameters());
        copyAll(original.namedBuffers(), copy.namedBuffers());
        copy.train(original.isTraining());
        return copy;
    }

    private static void copyAll(Map<String, Tensor> from, Map<String, Tensor> to) {
        if (!from.keySet().equals(to.keySet())) {
            throw new IllegalStateException("Clones: the copy's tensors " + to.keySet() + " differ from the original's " + from.keySet());
        }
        try (GradMode.Scope s = GradMode.noGrad()) {
            for (Map.Entry<String, Tensor> e : from.entrySet()) to.get(e.getKey()).set_(e.getValue().detach().clone());
        }
    }
}
