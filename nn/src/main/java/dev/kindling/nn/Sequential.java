package dev.kindling.nn;

import dev.kindling.autograd.Tensor;
import java.util.List;

/** Runs its children in order, each on the previous one's output; they are registered as "0", "1", ... as in PyTorch. */
public class Sequential extends Module {
    private int size;

    public Sequential(Module... modules) {
        for (Module m : modules) add(m);
    }

    /** Appends a module under the next index; returns this. */
    public Sequential add(Module module) {
        registerModule(Integer.toString(size++), module);
        return this;
    }

    public Module get(int index) {
        if (index < 0) index += size;
        if (index < 0 || index >= size) throw new IndexOutOfBoundsException("Sequential: index " + index + " of " + size + " modules");
        return namedChildren().get(Integer.toString(index));
    }

    public int size() { return size; }

    @Override
    public Tensor forward(Tensor x) {
        List<Module> layers = children();
        for (Module m : layers) x = m.forward(x);
        return x;
    }
}
