package dev.kindling.util;

import java.io.Flushable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Locale;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * A console progress report for one pass over the data (an epoch): steps done, throughput, the running
 * values of the loss and any metric, and the time left.
 * <p>On a terminal it is one line that redraws itself in place (a carriage return, no newline) at most
 * {@link #REFRESHES_PER_SECOND} times a second, however fast the steps come:
 * <pre>
 * epoch 1/3  40/100 [########            ]  40%  3,108 samples/s  loss 0.4213  accuracy 0.8906  ETA 0:02
 * </pre>
 * When the output is not a terminal (a CI log, a file) it writes nothing while running and one plain line
 * when the pass ends, so logs get a line per epoch instead of thousands of redraws:
 * <pre>
 * epoch 1/3: 100 steps, 6,400 samples in 2.1 s (3,048 samples/s)  loss 0.4213  accuracy 0.8906  val_loss 0.3920
 * </pre>
 * <pre>{@code
 * ProgressBar bar = new ProgressBar("epoch 1/3", loader.size());
 * for (Tensor[] batch : loader) {
 *     double loss = trainStep(batch);
 *     bar.step(batch[0].size(0), Map.of("loss", runningMeanLoss));
 * }
 * bar.finish(Map.of("val_loss", validationLoss));
 * }</pre>
 */
public final class ProgressBar {
    /** The most redraws per second of the terminal line. */
    public static final int REFRESHES_PER_SECOND = 5;
    private static final long MIN_REFRESH_NANOS = 1_000_000_000L / REFRESHES_PER_SECOND;
    private static final int BAR_WIDTH = 20;

    private final String title;
    private final long total;
    private final Appendable out;
    private final boolean terminal;
    private final LongSupplier nanoClock;
    private final long startNanos;
    private long steps, samples;
    private Map<String, Double> values = Map.of();
    private long lastDrawNanos;
    private boolean drawn, finished;
    /** Length of the last terminal line, so a shorter redraw can blank the rest of it. */
    private int lastLength;

    /**
     * A report on {@code System.out}, redrawn in place when the JVM has a console
     * ({@code System.console() != null}), else summarised in one line at the end.
     *
     * @param title what the pass is, e.g. {@code "epoch 1/3"}
     * @param total the number of steps in the pass, or 0 (or less) when unknown: no bar, no ETA
     */
    public ProgressBar(String title, long total) {
        this(title, total, System.out, System.console() != null, System::nanoTime);
    }

    /**
     * A report on {@code out}: redrawn in place when {@code terminal}, else one line at the end. The
     * clock (nanoseconds, as {@link System#nanoTime()}) times throughput, ETA and redraws.
     */
    public ProgressBar(String title, long total, Appendable out, boolean terminal, LongSupplier nanoClock) {
        if (title == null || out == null || nanoClock == null) {
            throw new IllegalArgumentException("ProgressBar: title, out and nanoClock must not be null");
        }
        this.title = title;
        this.total = Math.max(0, total);
        this.out = out;
        this.terminal = terminal;
        this.nanoClock = nanoClock;
        this.startNanos = nanoClock.getAsLong();
    }

    /**
     * Records one finished step that processed {@code stepSamples} samples (0 when samples are not
     * counted: throughput is then in steps per second), with the values to show (running loss and
     * metrics, in the map's order). Redraws the terminal line unless it was drawn less than
     * 1/{@link #REFRESHES_PER_SECOND} s ago.
     */
    public void step(long stepSamples, Map<String, Double> currentValues) {
        if (finished) throw new IllegalStateException("ProgressBar.step: \"" + title + "\" has already finished");
        steps++;
        samples += Math.max(0, stepSamples);
        if (currentValues != null) values = currentValues;
        if (!terminal) return;
        long now = nanoClock.getAsLong();
        if (!drawn || now - lastDrawNanos >= MIN_REFRESH_NANOS) {
            draw(runningLine(now), false);
            lastDrawNanos = now;
            drawn = true;
        }
    }

    /**
     * Ends the pass: on a terminal the line is drawn a last time with the elapsed time and a newline;
     * otherwise the summary line is written. {@code extra} values (validation results) follow the
     * running ones. Calling it again does nothing.
     */
    public void finish(Map<String, Double> extra) {
        if (finished) return;
        finished = true;
        long now = nanoClock.getAsLong();
        double seconds = (now - startNanos) / 1e9;
        StringBuilder line = new StringBuilder(title);
        if (terminal) {
            line.append("  ").append(progress());
            line.append("  ").append(rate(seconds));
            appendValues(line, values);
            appendValues(line, extra);
            line.append("  ").append(duration(seconds));
        } else {
            line.append(": ").append(String.format(Locale.ROOT, "%,d steps", steps));
            if (samples > 0) line.append(String.format(Locale.ROOT, ", %,d samples", samples));
            line.append(" in ").append(duration(seconds)).append(" (").append(rate(seconds)).append(')');
            appendValues(line, values);
            appendValues(line, extra);
        }
        draw(line.toString(), true);
    }

    /** Steps done so far. */
    public long steps() { return steps; }

    private String runningLine(long now) {
        double seconds = (now - startNanos) / 1e9;
        StringBuilder line = new StringBuilder(title).append("  ").append(progress());
        line.append("  ").append(rate(seconds));
        appendValues(line, values);
        if (total > 0 && steps < total && steps > 0) {
            line.append("  ETA ").append(clock(seconds / steps * (total - steps)));
        }
        return line.toString();
    }

    /** {@code 40/100 [########            ]  40%}, or {@code 40 steps} when the total is unknown. */
    private String progress() {
        if (total == 0) return String.format(Locale.ROOT, "%,d steps", steps);
        long done = Math.min(steps, total);
        int filled = (int) (BAR_WIDTH * done / total);
        return String.format(Locale.ROOT, "%d/%d [%s%s] %3d%%", steps, total, "#".repeat(filled), " ".repeat(BAR_WIDTH - filled),
                100 * done / total);
    }

    private String rate(double seconds) {
        double per = seconds > 0 ? 1 / seconds : 0;
        return samples > 0 ? String.format(Locale.ROOT, "%,.0f samples/s", samples * per)
                : String.format(Locale.ROOT, "%,.2f steps/s", steps * per);
    }

    private static void appendValues(StringBuilder line, Map<String, Double> values) {
        if (values == null) return;
        for (Map.Entry<String, Double> e : values.entrySet()) line.append("  ").append(e.getKey()).append(' ').append(number(e.getValue()));
    }

    /** Four decimals in the usual range, scientific notation outside it (a loss of 3e-6 still shows). */
    static String number(Double v) {
        if (v == null || v.isNaN()) return "nan";
        double a = Math.abs(v);
        if (a != 0 && (a < 1e-3 || a >= 1e5)) return String.format(Locale.ROOT, "%.3e", v);
        return String.format(Locale.ROOT, "%.4f", v);
    }

    /** {@code 2.1 s} under a minute, else {@link #clock}. */
    private static String duration(double seconds) {
        return seconds < 60 ? String.format(Locale.ROOT, "%.1f s", seconds) : clock(seconds);
    }

    /** {@code m:ss}, or {@code h:mm:ss} from an hour. */
    private static String clock(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600 ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
                : String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
    }

    private void draw(String line, boolean last) {
        try {
            if (terminal) {
                out.append('\r').append(line);
                // Blank what is left of a longer previous line: a carriage return does not erase.
                if (line.length() < lastLength) out.append(" ".repeat(lastLength - line.length()));
                lastLength = line.length();
                if (last) out.append('\n');
            } else {
                out.append(line).append('\n');
            }
            if (out instanceof Flushable) ((Flushable) out).flush();
        } catch (IOException e) {
            throw new UncheckedIOException("ProgressBar: cannot write the progress line", e);
        }
    }
}
