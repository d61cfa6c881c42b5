package dev.kindling.nn;

import java.util.Iterator;
import java.util.List;

/** A list of modules registered as "0", "1", ...; it has no forward of its own (iterate it in yours). */
public class ModuleList extends Module implements Iterable<Module> {
    private int size;

    public ModuleList(Module... modules) {
        for (Module m : modules) add(m);
    }

    public ModuleList add(Module module) {
        registerModule(Integer.toString(size++), module);
        return this;
    }

    public Module get(int index) {
        if (index < 0) index += size;
        if (index < 0 || index >= size) throw new IndexOutOfBoundsException("ModuleList: index " + index + " of " + size + " modules");
        return namedChildren().get(Integer.toString(index));
    }

    public int size() { return size; }

    @Override
    public Iterator<Module> iterator() { return List.copyOf(children()).iterator(); }
}
