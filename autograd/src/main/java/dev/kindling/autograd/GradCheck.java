package dev.kindling.autograd;

import dev.kindling.tensor.DType;
import dev.kindling.tensor.Generator;
import dev.kindling.tensor.NDArray;
import dev.kindling.tensor.Shapes;
import java.util.ArrayList;
import java.util.List;

/**
 * Checks backward against finite differences, as torch.autograd.gradcheck does. For every input
 * that requires grad and every element of it, the central difference (f(x+eps) - f(x-eps)) / 2eps
 * gives one column of the Jacobian; backward with a one-hot output gradient gives one row. They
 * must agree within {@code atol + rtol * |numerical|} everywhere, or a {@link GradcheckError}
 * names the input, the element and both values where they disagree most. Inputs must be float64:
 * in float32 the differences drown in rounding.
 * <pre>{@code
 * Tensor x = Tensor.randn(DType.FLOAT64, 3, 4).requiresGrad_(true);
 * GradCheck.gradcheck(in -> in[0].tanh().sum(1, false), x);   // true, or throws
 * }</pre>
 */
public final class GradCheck {
    public static final double EPS = 1e-6, ATOL = 1e-5, RTOL = 1e-3;

    private GradCheck() {}

    public static boolean gradcheck(java.util.function.Function<Tensor[], Tensor> fn, Tensor... inputs) {
        return gradcheck(fn, EPS, ATOL, RTOL, inputs);
    }

    public static boolean gradcheck(java.util.function.Function<Tensor[], Tensor> fn, double eps, double atol, double rtol,
                                    Tensor... inputs) {
        checkInputs("gradcheck", inputs);
        Tensor[] xs = inputs.clone();
        Tensor y = fn.apply(xs);
        if (!y.dtype().isFloatingPoint()) {
            throw new IllegalArgumentException("gradcheck: the function must return a floating point tensor, got " + y.dtype());
        }
        int outputs = (int) y.numel();
        List<Tensor> wrt = new ArrayList<>();
        for (Tensor x : xs) if (x.requiresGrad()) wrt.add(x);
        double[][][] analytical = analyticalRows(y, wrt, outputs);
        for (int i = 0, w = 0; i < xs.length; i++) {
            if (!xs[i].requiresGrad()) continue;
            double[][] numerical = numericalColumns(fn, xs, i, eps, outputs);
            compare("gradcheck", i, xs[i], numerical, analytical[w++], atol, rtol);
        }
        return true;
    }

    /**
     * Checks second derivatives: gradcheck of the function (inputs, v) -> d(fn(inputs) . v)/d(inputs),
     * with a fixed random v, so the derivative of every backward formula is checked in turn.
     */
    public static boolean gradgradcheck(java.util.function.Function<Tensor[], Tensor> fn, Tensor... inputs) {
        return gradgradcheck(fn, EPS, ATOL, RTOL, inputs);
    }

    public static boolean gradgradcheck(java.util.function.Function<Tensor[], Tensor> fn, double eps, double atol, double rtol,
                                        Tensor... inputs) {
        checkInputs("gradgradcheck", inputs);
        int[] outShape = fn.apply(inputs).shape();
        Generator gen = new Generator(0x6A09E667L);   // fixed, so checks repeat and the global generator is untouched
        Tensor v = Tensor.wrap(NDArray.randn(gen, DType.FLOAT64, outShape)).requiresGrad_(true);
        int n = inputs.length;
        Tensor[] all = new Tensor[n + 1];
        System.arraycopy(inputs, 0, all, 0, n);
        all[n] = v;
        return gradcheck(args -> vectorJacobianProduct(fn, args, n), eps, atol, rtol, all);
    }

    /**
     * d(fn(x) . v)/dx for every x that requires grad, flattened into one vector, recorded so it can be
     * differentiated. The numerical pass calls it under no-grad, so it turns recording back on.
     */
    private static Tensor vectorJacobianProduct(java.util.function.Function<Tensor[], Tensor> fn, Tensor[] args, int n) {
        try (GradMode.Scope on = GradMode.enableGrad()) {
            Tensor[] xs = java.util.Arrays.copyOf(args, n);
            List<Tensor> wrt = new ArrayList<>();
            for (Tensor x : xs) if (x.requiresGrad()) wrt.add(x);
            Tensor y = fn.apply(xs);
            if (!y.requiresGrad()) return Tensor.wrap(NDArray.zeros(DType.FLOAT64, totalSize(wrt)));
            Tensor[] grads = Autograd.grad(new Tensor[]{y}, wrt.toArray(new Tensor[0]), new Tensor[]{args[n]}, true, true, true);
            List<Tensor> flat = new ArrayList<>();
            for (int k = 0; k < grads.length; k++) {
                Tensor g = grads[k] != null ? grads[k] : Tensor.wrap(NDArray.zeros(DType.FLOAT64, wrt.get(k).shape()));
                flat.add(g.reshape(-1));
            }
            return Tensor.cat(flat, 0);
        }
    }

    private static int totalSize(List<Tensor> ts) {
        long n = 0;
        for (Tensor t : ts) n += t.numel();
        return (int) n;
    }

    private static void checkInputs(String op, Tensor[] inputs) {
        boolean any = false;
        for (int i = 0; i < inputs.length; i++) {
            if (!inputs[i].requiresGrad()) continue;
            any = true;
            if (inputs[i].dtype() != DType.FLOAT64) {
                throw new IllegalArgumentException(op + ": input " + i + " is " + inputs[i].dtype() + "; finite differences"
                        + " need float64 inputs (convert with to(DType.FLOAT64) before requiresGrad_(true))");
            }
        }
        if (!any) throw new IllegalArgumentException(op + ": no input requires grad, so there is nothing to check");
    }

    /** numerical[j][k]: d output k / d element j of input i, by central differences on a private copy of the input. */
    private static double[][] numericalColumns(java.util.function.Function<Tensor[], Tensor> fn, Tensor[] xs, int i, double eps,
                                               int outputs) {
        Tensor original = xs[i];
        NDArray work = original.data().copy();
        NDArray flat = work.reshape(-1);
        Tensor[] args = xs.clone();
        args[i] = Tensor.wrap(work).requiresGrad_(true);
        double[][] columns = new double[(int) work.numel()][];
        try (GradMode.Scope s = GradMode.noGrad()) {
            for (int j = 0; j < columns.length; j++) {
                double v = flat.get(j);
                flat.narrow(0, j, 1).fill_(v + eps);
                double[] plus = values(fn.apply(args), outputs);
                flat.narrow(0, j, 1).fill_(v - eps);
                double[] minus = values(fn.apply(args), outputs);
                flat.narrow(0, j, 1).fill_(v);
                double[] col = new double[outputs];
                for (int k = 0; k < outputs; k++) col[k] = (plus[k] - minus[k]) / (2 * eps);
                columns[j] = col;
            }
        }
        return columns;
    }

    private static double[] values(Tensor y, int outputs) {
        if (y.numel() != outputs) {
            throw new IllegalStateException("gradcheck: the function returned " + y.numel() + " elements for perturbed input"
                    + " but " + outputs + " before; it must be deterministic in shape");
        }
        return y.data().toDoubleArray();
    }

    /**
     * analytical[w][j][k]: the same derivative for the w-th input in {@code wrt}, from backward with a
     * one-hot gradient on output k; one backward per output serves every input.
     */
    private static double[][][] analyticalRows(Tensor y, List<Tensor> wrt, int outputs) {
        double[][][] rows = new double[wrt.size()][][];
        for (int w = 0; w < rows.length; w++) rows[w] = new double[(int) wrt.get(w).numel()][outputs];
        if (!y.requiresGrad()) return rows;
        Tensor[] inputs = wrt.toArray(new Tensor[0]);
        for (int k = 0; k < outputs; k++) {
            NDArray oneHot = NDArray.zeros(y.dtype(), y.device(), outputs);
            oneHot.narrow(0, k, 1).fill_(1);
            Tensor[] g = Autograd.grad(new Tensor[]{y}, inputs, new Tensor[]{Tensor.wrap(oneHot.reshape(y.shape()))},
                    true, false, true);
            for (int w = 0; w < g.length; w++) {
                if (g[w] == null) continue;
                double[] d = g[w].data().toDoubleArray();
                for (int j = 0; j < d.length; j++) rows[w][j][k] = d[j];
            }
        }
        return rows;
    }

    private static void compare(String op, int input, Tensor x, double[][] numerical, double[][] analytical, double atol,
                                double rtol) {
        double worstExcess = 0;
        int wj = -1, wk = -1;
        for (int j = 0; j < numerical.length; j++) {
            for (int k = 0; k < numerical[j].length; k++) {
                double n = numerical[j][k], a = analytical[j][k];
                double excess = a == n || (Double.isNaN(a) && Double.isNaN(n)) ? 0
                        : Math.abs(a - n) - (atol + rtol * Math.abs(n));
                if (Double.isNaN(excess)) excess = Double.POSITIVE_INFINITY;
                if (excess > worstExcess) {
                    worstExcess = excess;
                    wj = j;
                    wk = k;
                }
            }
        }
        if (wj < 0) return;
        double n = numerical[wj][wk], a = analytical[wj][wk];
        throw new GradcheckError(op + ": backward disagrees with finite differences for input " + input + " ("
                + x.dtype() + " " + Shapes.str(x.shape()) + "): worst at input element " + wj + ", output element " + wk
                + ": numerical " + n + ", analytical " + a + " (|difference| " + Math.abs(a - n) + " > atol " + atol
                + " + rtol " + rtol + " * |numerical|)");
    }
}
