package dev.kindling.data;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Map;

/** Where downloaded datasets live: {@code $KINDLING_DATA}, or {@code ~/.kindling/data} when it is unset. */
public final class Datasets {
    private Datasets() {}

    /** The data root; each dataset keeps its files in a subdirectory ({@code mnist}, {@code fashion-mnist}). */
    public static Path root() { return root(System.getenv(), System.getProperty("user.home")); }

    static Path root(Map<String, String> env, String userHome) {
        String dir = env.get("KINDLING_DATA");
        if (dir != null && !dir.isBlank()) return Paths.get(dir);
        return Paths.get(userHome, ".kindling", "data");
    }
}
