package dev.kindling.samples;

import dev.kindling.util.ProgressBar;
import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.Map;

/** The samples' progress bars: redrawn in place on a terminal, one summary line otherwise (logs, CI, the smoke tests). */
final class Progress {
    private Progress() {}

    /** A bar titled {@code "epoch E/N"} over {@code steps} steps, written to {@code out}. */
    static ProgressBar epoch(int epoch, int epochs, long steps, PrintStream out) {
        return bar("epoch " + epoch + "/" + epochs, steps, out);
    }

    /** {@code name, value, name, value, ...} as a map in that order, which is the order the bar shows them in. */
    static Map<String, Double> values(Object... namesAndValues) {
        Map<String, Double> m = new LinkedHashMap<>();
        for (int i = 0; i < namesAndValues.length; i += 2) m.put((String) namesAndValues[i], ((Number) namesAndValues[i + 1]).doubleValue());
        return m;
    }

    /** A bar titled {@code title} over {@code steps} steps (0: unknown), written to {@code out}. */
    static ProgressBar bar(String title, long steps, PrintStream out) {
        return new ProgressBar(title, steps, out, out == System.out && System.console() != null, System::nanoTime);
    }
}
