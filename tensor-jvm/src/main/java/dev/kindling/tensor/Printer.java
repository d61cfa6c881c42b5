package dev.kindling.tensor;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.List;

/**
 * PyTorch's tensor printing (torch/_tensor_str.py with default print options: precision 4, threshold
 * 1000, edgeitems 3, linewidth 80), so a value in the debugger reads the same as in a Python session.
 */
public final class Printer {
    private static final int PRECISION = 4, THRESHOLD = 1000, EDGE = 3, LINEWIDTH = 80;

    private Printer() {}

    /** Formats x; {@code extraSuffixes} (e.g. {@code gradFn=<MulBackward>}) follow the dtype and device. */
    public static String format(NDArray x, List<String> extraSuffixes) {
        String prefix = "tensor(";
        int indent = prefix.length();
        List<String> suffixes = new ArrayList<>();
        if (!x.device().isCpu()) suffixes.add("device='" + x.device() + "'");
        String body;
        if (x.numel() == 0) {
            if (x.dim() != 1) suffixes.add("size=" + tuple(x.shape()));
            if (x.dtype() != DType.FLOAT32) suffixes.add("dtype=" + x.dtype().torchName());
            body = "[]";
        } else {
            if (x.dtype() != DType.FLOAT32 && x.dtype() != DType.INT64 && x.dtype() != DType.BOOL) {
                suffixes.add("dtype=" + x.dtype().torchName());
            }
            NDArray host = x.to(Device.CPU);
            boolean summarize = x.numel() > THRESHOLD;
            Formatter f = new Formatter(host, summarize ? summarized(host) : host);
            body = tensorStr(host, indent, summarize, f);
        }
        if (extraSuffixes != null) suffixes.addAll(extraSuffixes);
        return addSuffixes(prefix + body, suffixes, indent);
    }

    private static String tuple(int[] shape) {
        if (shape.length == 1) return "(" + shape[0] + ",)";
        StringBuilder b = new StringBuilder("(");
        for (int i = 0; i < shape.length; i++) b.append(i == 0 ? "" : ", ").append(shape[i]);
        return b.append(")").toString();
    }

    private static String addSuffixes(String s, List<String> suffixes, int indent) {
        StringBuilder b = new StringBuilder(s);
        int lastLineLen = s.length() - s.lastIndexOf('\n') + 1;
        for (String suffix : suffixes) {
            if (lastLineLen + suffix.length() + 2 > LINEWIDTH) {
                b.append(",\n").append(" ".repeat(indent)).append(suffix);
                lastLineLen = indent + suffix.length();
            } else {
                b.append(", ").append(suffix);
                lastLineLen += suffix.length() + 2;
            }
        }
        return b.append(")").toString();
    }

    /** The elements that summarised printing shows: EDGE from each end of every dim. */
    private static NDArray summarized(NDArray x) {
        if (x.dim() == 0) return x;
        if (x.dim() == 1) {
            if (x.size(0) <= 2 * EDGE) return x;
            return NDArray.cat(List.of(x.narrow(0, 0, EDGE), x.narrow(0, x.size(0) - EDGE, EDGE)), 0);
        }
        List<NDArray> parts = new ArrayList<>();
        int n = x.size(0);
        if (n > 2 * EDGE) {
            for (int i = 0; i < EDGE; i++) parts.add(summarized(x.select(0, i)));
            for (int i = n - EDGE; i < n; i++) parts.add(summarized(x.select(0, i)));
        } else {
            for (int i = 0; i < n; i++) parts.add(summarized(x.select(0, i)));
        }
        return NDArray.stack(parts, 0);
    }

    private static String tensorStr(NDArray x, int indent, boolean summarize, Formatter f) {
        if (x.dim() == 0) return f.format(x, 0);
        if (x.dim() == 1) return vectorStr(x, indent, summarize, f);
        int n = x.size(0);
        List<String> slices = new ArrayList<>();
        if (summarize && n > 2 * EDGE) {
            for (int i = 0; i < EDGE; i++) slices.add(tensorStr(x.select(0, i), indent + 1, true, f));
            slices.add("...");
            for (int i = n - EDGE; i < n; i++) slices.add(tensorStr(x.select(0, i), indent + 1, true, f));
        } else {
            for (int i = 0; i < n; i++) slices.add(tensorStr(x.select(0, i), indent + 1, summarize, f));
        }
        String sep = "," + "\n".repeat(x.dim() - 1) + " ".repeat(indent + 1);
        return "[" + String.join(sep, slices) + "]";
    }

    private static String vectorStr(NDArray x, int indent, boolean summarize, Formatter f) {
        int elementLength = f.width + 2;
        int perLine = Math.max(1, (LINEWIDTH - indent) / elementLength);
        List<String> data = new ArrayList<>();
        int n = x.size(0);
        if (summarize && n > 2 * EDGE) {
            for (int i = 0; i < EDGE; i++) data.add(f.format(x, i));
            data.add(" ...");
            for (int i = n - EDGE; i < n; i++) data.add(f.format(x, i));
        } else {
            for (int i = 0; i < n; i++) data.add(f.format(x, i));
        }
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < data.size(); i += perLine) {
            lines.add(String.join(", ", data.subList(i, Math.min(data.size(), i + perLine))));
        }
        return "[" + String.join(",\n" + " ".repeat(indent + 1), lines) + "]";
    }

    /** Chooses integer, fixed or scientific notation and a common width from the values shown. */
    private static final class Formatter {
        final boolean floating;
        boolean intMode = true, sciMode;
        int width = 1;

        Formatter(NDArray all, NDArray shown) {
            floating = all.dtype().isFloatingPoint();
            if (!floating) {
                for (String s : plain(shown)) width = Math.max(width, s.length());
                return;
            }
            double[] v = shown.toDoubleArray();
            double min = Double.POSITIVE_INFINITY, max = 0;
            int count = 0;
            for (double d : v) {
                if (!Double.isFinite(d) || d == 0) continue;
                count++;
                min = Math.min(min, Math.abs(d));
                max = Math.max(max, Math.abs(d));
                if (d != Math.ceil(d)) intMode = false;
            }
            if (count == 0) return;
            if (intMode) {
                sciMode = max / min > 1000.0 || max > 1.0e8;
            } else {
                sciMode = max / min > 1000.0 || max > 1.0e8 || min < 1.0e-4;
            }
            for (double d : v) {
                if (!Double.isFinite(d) || d == 0) continue;
                String s = sciMode ? sci(d) : intMode ? fixed(d, 0) : fixed(d, PRECISION);
                width = Math.max(width, s.length() + (intMode && !sciMode ? 1 : 0));
            }
        }

        private static List<String> plain(NDArray x) {
            List<String> out = new ArrayList<>();
            if (x.dtype() == DType.BOOL) for (boolean b : x.toBooleanArray()) out.add(b ? "True" : "False");
            else for (long l : x.toLongArray()) out.add(Long.toString(l));
            return out;
        }

        String format(NDArray x, int i) {
            NDArray e = x.dim() == 0 ? x : x.select(0, i);
            String s;
            if (!floating) {
                s = x.dtype() == DType.BOOL ? (e.item() != 0 ? "True" : "False") : Long.toString((long) e.item());
            } else {
                double d = e.item();
                if (Double.isNaN(d)) s = "nan";
                else if (Double.isInfinite(d)) s = d > 0 ? "inf" : "-inf";
                else if (sciMode) s = sci(d);
                else if (intMode) s = fixed(d, 0) + ".";
                else s = fixed(d, PRECISION);
            }
            return " ".repeat(Math.max(0, width - s.length())) + s;
        }

        /** Python's "{:.Nf}": exact binary value, round half to even. */
        static String fixed(double d, int digits) {
            String s = new BigDecimal(d).setScale(digits, RoundingMode.HALF_EVEN).toPlainString();
            boolean negZero = d == 0 && 1 / d < 0;
            if ((negZero || d < 0) && !s.startsWith("-")) s = "-" + s;
            return s;
        }

        /** Python's "{:.4e}": d.dddde+XX with at least two exponent digits. */
        static String sci(double d) {
            if (d == 0) return (1 / d < 0 ? "-" : "") + "0." + "0".repeat(PRECISION) + "e+00";
            BigDecimal b = new BigDecimal(d).round(new MathContext(PRECISION + 1, RoundingMode.HALF_EVEN));
            int exp = b.precision() - b.scale() - 1;
            BigDecimal mant = b.movePointLeft(exp).setScale(PRECISION, RoundingMode.HALF_EVEN);
            String e = Integer.toString(Math.abs(exp));
            return mant.toPlainString() + "e" + (exp < 0 ? "-" : "+") + (e.length() < 2 ? "0" + e : e);
        }
    }
}
