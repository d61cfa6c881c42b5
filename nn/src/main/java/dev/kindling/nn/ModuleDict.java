package dev.kindling.nn;

import java.util.Map;

/** Modules registered under chosen names, in insertion order; it has no forward of its own. */
public class ModuleDict extends Module {
    public ModuleDict() {}

    public ModuleDict(Map<String, ? extends Module> modules) {
        modules.forEach(this::put);
    }

    public ModuleDict put(String name, Module module) {
        registerModule(name, module);
        return this;
    }

    public Module get(String name) {
        Module m = namedChildren().get(name);
        if (m == null) throw new IllegalArgumentException("ModuleDict: no module named \"" + name + "\"; it has " + namedChildren().keySet());
        return m;
    }

    public boolean containsKey(String name) { return namedChildren().containsKey(name); }

    public int size() { return namedChildren().size(); }
}
