package dev.kindling.samples;

import java.util.HashMap;
import java.util.Map;

/** {@code --name value} command-line options with defaults; an unknown option is an error that lists the known ones. */
final class Args {
    private final Map<String, String> values = new HashMap<>();

    Args(String sample, String[] args, Map<String, String> defaults) {
        values.putAll(defaults);
        for (int i = 0; i < args.length; i++) {
            String key = args[i].startsWith("--") ? args[i].substring(2) : null;
            if (key == null || !defaults.containsKey(key) || i + 1 == args.length) {
                throw new IllegalArgumentException(sample + ": cannot use '" + args[i] + "'; options (with defaults): " + defaults);
            }
            values.put(key, args[++i]);
        }
    }

    String string(String key) { return values.get(key); }

    int integer(String key) { return Integer.parseInt(values.get(key)); }

    double number(String key) { return Double.parseDouble(values.get(key)); }

    long seed() { return Long.parseLong(values.get("seed")); }
}
