package dev.kindling.io;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A safetensors file that cannot be read as one: truncated, a corrupt header, an unknown dtype, data
 * offsets that do not fit the shapes or each other. The message starts with the file and, when one
 * tensor is at fault, names it: {@code model.safetensors: tensor "fc1.weight": data_offsets [0, 24]
 * span 24 bytes but F32 [2, 2] needs 16}.
 */
public class SafetensorsException extends IOException {
    private static final long serialVersionUID = 1L;

    private final transient Path path;
    private final String key;

    public SafetensorsException(Path path, String key, String problem) {
        super(path + ": " + (key == null ? "" : "tensor \"" + key + "\": ") + problem);
        this.path = path;
        this.key = key;
    }

    public SafetensorsException(Path path, String problem) { this(path, null, problem); }

    /** The file that failed to read. */
    public Path path() { return path; }

    /** The tensor at fault, or null when the problem is the file as a whole. */
    public String key() { return key; }
}
