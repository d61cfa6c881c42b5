package dev.kindling.tensor;

import java.util.stream.Collectors;

/**
 * Finds the user's line in a stack: the frames outside Kindling's own op code. Anomaly detection and
 * the allocation tracker report it. Tests share the framework's packages, so a class named *Spec or
 * *Test (or their Kotlin file classes) counts as user code; samples and notebooks are user code too.
 */
public final class CallSites {
    private static final String[] FRAMEWORK_PACKAGES = {
            "dev.kindling.tensor.", "dev.kindling.autograd.", "dev.kindling.nn.", "dev.kindling.optim.", "dev.kindling.data.",
            "dev.kindling.io.", "dev.kindling.cuda.", "dev.kindling.dsl.", "dev.kindling.Memory", "dev.kindling.Random"};
    private static final StackWalker WALKER = StackWalker.getInstance();

    private CallSites() {}

    /** The first {@code limit} user frames, innermost first, joined by " <- "; "(unknown)" if there are none. */
    public static String userFrames(int limit) {
        String s = WALKER.walk(frames -> frames
                .filter(f -> !isFramework(f.getClassName()))
                .limit(limit)
                .map(f -> f.getClassName() + "." + f.getMethodName() + "(" + f.getFileName() + ":" + f.getLineNumber() + ")")
                .collect(Collectors.joining(" <- ")));
        return s.isEmpty() ? "(unknown)" : s;
    }

    static boolean isFramework(String name) {
        if (name.startsWith("java.") || name.startsWith("jdk.") || name.startsWith("kotlin.")) return true;
        boolean ours = false;
        for (String p : FRAMEWORK_PACKAGES) ours |= name.startsWith(p);
        if (!ours) return false;
        String outer = name.contains("$") ? name.substring(0, name.indexOf('$')) : name;
        if (outer.endsWith("Kt")) outer = outer.substring(0, outer.length() - 2);
        return !(outer.endsWith("Spec") || outer.endsWith("Test"));
    }
}
