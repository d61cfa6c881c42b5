package dev.kindling.cuda.kernels;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Kernel sources are {@code .cu} resources next to this class with {@code ${NAME}} placeholders; a
 * kernel is one rendering of a template with its types, dims and expressions filled in. {@code
 * #include "x.cuh"} lines are inlined from the same folder, so NVRTC gets one self-contained source
 * (and the cache key covers everything the kernel depends on).
 */
public final class KernelSource {
    private static final Pattern INCLUDE = Pattern.compile("(?m)^#include \"([A-Za-z0-9_.]+)\"\\s*$");
    private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([A-Z0-9_]+)}");
    private static final Map<String, String> RESOURCES = new ConcurrentHashMap<>();

    private KernelSource() {}

    /** The template {@code name}.cu with its includes inlined and every placeholder replaced. */
    public static String render(String name, Map<String, String> values) {
        String text = resolveIncludes(resource(name + ".cu"));
        Matcher m = PLACEHOLDER.matcher(text);
        StringBuilder out = new StringBuilder(text.length() + 256);
        while (m.find()) {
            String v = values.get(m.group(1));
            if (v == null) {
                throw new IllegalArgumentException("kernel template " + name + ".cu needs a value for ${" + m.group(1) + "}, given "
                        + values.keySet());
            }
            m.appendReplacement(out, Matcher.quoteReplacement(v));
        }
        m.appendTail(out);
        return out.toString();
    }

    private static String resolveIncludes(String text) {
        Matcher m = INCLUDE.matcher(text);
        StringBuilder out = new StringBuilder(text.length() + 4096);
        while (m.find()) m.appendReplacement(out, Matcher.quoteReplacement(resource(m.group(1))));
        m.appendTail(out);
        return out.toString();
    }

    static String resource(String file) {
        return RESOURCES.computeIfAbsent(file, f -> {
            try (InputStream in = KernelSource.class.getResourceAsStream(f)) {
                if (in == null) throw new IllegalStateException("kernel source " + f + " is missing from the kindling-cuda jar");
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new IllegalStateException("cannot read kernel source " + f, e);
            }
        });
    }
}
