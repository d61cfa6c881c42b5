package dev.kindling.data;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Applies several transforms in order, each to the previous one's output (torchvision's {@code Compose}).
 * The steps' types are only checked as the samples flow: a step that gets the wrong kind of value is
 * reported by its position and name.
 * <pre>{@code
 * Transform<Image, Tensor> t = new Compose<>(new ToTensor(), new RandomCrop(28, 4),
 *         new Normalize(new double[]{0.1307}, new double[]{0.3081}));
 * }</pre>
 */
public final class Compose<I, O> implements Transform<I, O> {
    private final List<Transform<?, ?>> steps;

    public Compose(Transform<?, ?>... steps) {
        List<Transform<?, ?>> list = new ArrayList<>(steps.length);
        for (int i = 0; i < steps.length; i++) {
            if (steps[i] == null) throw new IllegalArgumentException("Compose: step " + i + " is null");
            list.add(steps[i]);
        }
        this.steps = Collections.unmodifiableList(list);
    }

    public List<Transform<?, ?>> steps() { return steps; }

    @Override
    @SuppressWarnings("unchecked")
    public O apply(I input) {
        Object x = input;
        for (int i = 0; i < steps.size(); i++) {
            Transform<Object, Object> step = (Transform<Object, Object>) steps.get(i);
            try {
                x = step.apply(x);
            } catch (ClassCastException e) {
                // Erased generics let a mis-ordered chain (Normalize before ToTensor) through to here.
                throw new IllegalArgumentException("Compose: step " + i + " (" + step + ") cannot take its input of type "
                        + (x == null ? "null" : x.getClass().getSimpleName()), e);
            }
        }
        return (O) x;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("Compose(");
        for (int i = 0; i < steps.size(); i++) sb.append(i == 0 ? "" : ", ").append(steps.get(i));
        return sb.append(')').toString();
    }
}
