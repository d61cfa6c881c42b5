package dev.kindling.io;

import dev.kindling.autograd.Tensor;
import dev.kindling.nn.Module;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One safetensors file holding everything needed to resume training: the model's state dict, the state
 * of any number of named {@link Stateful} parts (optimizer, scheduler, ...) and the caller's metadata
 * (epoch, best score, git hash: strings). Saving is atomic, as {@link Safetensors#save}.
 * <pre>{@code
 * Checkpoint ckpt = new Checkpoint(model).add("optimizer", optimizer).add("scheduler", scheduler);
 * ckpt.save(Path.of("run/last.safetensors"), Map.of("epoch", "7"));
 * ...
 * Map<String, String> meta = ckpt.load(Path.of("run/last.safetensors"));   // restores all three
 * int epoch = Integer.parseInt(meta.get("epoch"));
 * }</pre>
 * <p><b>Layout</b> (readable by any safetensors reader): tensors are stored as {@code model.<key>} and
 * {@code <part>.<key>}; the {@code __metadata__} holds {@code kindling.checkpoint = 1}, {@code kindling.parts}
 * (the part names, comma-separated), each part's extra state as {@code <part>.<key>} and the caller's
 * metadata as {@code user.<key>}.
 * <p><b>Loading</b> restores the model strictly (every key and shape must match, else nothing changes) and
 * then each registered part. A part registered here but absent from the file is an error, raised before
 * anything changes; a part in the file that is not registered is skipped, so a training checkpoint also
 * loads for inference with just {@code new Checkpoint(model).load(path)}.
 */
public final class Checkpoint {
    private static final String MARKER = "kindling.checkpoint";
    private static final String PARTS = "kindling.parts";
    private static final String MODEL = "model";
    private static final String USER = "user";

    private final Module model;
    private final Map<String, Stateful> parts = new LinkedHashMap<>();

    /** A checkpoint of {@code model} alone; add optimizers and schedulers with {@link #add}. */
    public Checkpoint(Module model) {
        if (model == null) throw new IllegalArgumentException("Checkpoint: the model is null");
        this.model = model;
    }

    /** Includes {@code part} under {@code name} (non-empty, no '.', not "model", "user" or "kindling"); returns this. */
    public Checkpoint add(String name, Stateful part) {
        if (name == null || name.isEmpty() || name.contains(".") || name.contains(",") || name.equals(MODEL) || name.equals(USER)
                || name.equals("kindling")) {
            throw new IllegalArgumentException("Checkpoint.add: a part name must be non-empty, contain no '.' or ',' and not be"
                    + " \"model\", \"user\" or \"kindling\", got \"" + name + "\"");
        }
        if (part == null) throw new IllegalArgumentException("Checkpoint.add(\"" + name + "\"): the part is null");
        if (parts.containsKey(name)) throw new IllegalArgumentException("Checkpoint.add: a part named \"" + name + "\" was already added");
        parts.put(name, part);
        return this;
    }

    public void save(Path path) throws IOException { save(path, Map.of()); }

    /** Writes the model, every part and {@code metadata} to {@code path}, replacing it atomically. */
    public void save(Path path, Map<String, String> metadata) throws IOException {
        if (metadata == null) throw new IllegalArgumentException("Checkpoint.save: metadata is null; pass Map.of() for none");
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put(MARKER, "1");
        meta.put(PARTS, String.join(",", parts.keySet()));
        for (Map.Entry<String, Tensor> e : model.stateDict().entrySet()) tensors.put(MODEL + "." + e.getKey(), e.getValue());
        for (Map.Entry<String, Stateful> p : parts.entrySet()) {
            for (Map.Entry<String, Tensor> e : p.getValue().tensorState().entrySet()) tensors.put(p.getKey() + "." + e.getKey(), e.getValue());
            for (Map.Entry<String, String> e : p.getValue().extraState().entrySet()) meta.put(p.getKey() + "." + e.getKey(), e.getValue());
        }
        for (Map.Entry<String, String> e : metadata.entrySet()) meta.put(USER + "." + e.getKey(), e.getValue());
        Safetensors.save(tensors, path, meta);
    }

    /**
     * Restores the model and every registered part from {@code path}; returns the caller's metadata.
     * Throws IllegalArgumentException naming the file when it is not a checkpoint, lacks a registered
     * part, or does not fit the model (every key and shape listed; the model then stays unchanged).
     */
    public Map<String, String> load(Path path) throws IOException {
        Safetensors.Contents c = Safetensors.read(path);
        Map<String, String> meta = c.metadata();
        if (!"1".equals(meta.get(MARKER))) {
            throw new IllegalArgumentException(path + ": not a Kindling checkpoint (its metadata lacks " + MARKER + " = 1);"
                    + " for a plain state dict use Module.load or Safetensors.load");
        }
        List<String> inFile = meta.get(PARTS) == null || meta.get(PARTS).isEmpty() ? List.of() : List.of(meta.get(PARTS).split(","));
        List<String> missing = new ArrayList<>();
        for (String name : parts.keySet()) if (!inFile.contains(name)) missing.add(name);
        if (!missing.isEmpty()) {
            throw new IllegalArgumentException(path + ": the checkpoint has no state for " + missing + " (it holds "
                    + (inFile.isEmpty() ? "only the model" : "the model and " + inFile) + "); nothing was loaded");
        }
        try {
            model.loadStateDict(withPrefix(c.tensors(), MODEL), true);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(path + ": " + e.getMessage(), e);
        }
        for (Map.Entry<String, Stateful> p : parts.entrySet()) {
            p.getValue().loadState(withPrefix(c.tensors(), p.getKey()), withPrefix(meta, p.getKey()));
        }
        return withPrefix(meta, USER);
    }

    /** The caller's metadata of a checkpoint file, reading only its header. */
    public static Map<String, String> metadata(Path path) throws IOException {
        return withPrefix(Safetensors.metadata(path), USER);
    }

    /** The entries under {@code prefix + "."}, with the prefix removed, in file order. */
    private static <V> Map<String, V> withPrefix(Map<String, V> all, String prefix) {
        Map<String, V> out = new LinkedHashMap<>();
        String p = prefix + ".";
        for (Map.Entry<String, V> e : all.entrySet()) if (e.getKey().startsWith(p)) out.put(e.getKey().substring(p.length()), e.getValue());
        return out;
    }
}
