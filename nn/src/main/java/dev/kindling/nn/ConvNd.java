package dev.kindling.nn;

import dev.kindling.autograd.Tensor;
import dev.kindling.nn.init.Init;
import java.util.Arrays;

/**
 * What {@link Conv1d}, {@link Conv2d} and {@link ConvTranspose2d} share (PyTorch's _ConvNd): channel
 * counts, per-dim kernel size, stride, padding (sizes, or "same" / "valid"), dilation, groups, the
 * weight and optional bias under PyTorch's names, PyTorch's initialisation, and the description.
 * Weight layout: [out, in / groups, k...] for convolutions, [in, out / groups, k...] for transposed ones.
 */
public abstract class ConvNd extends Module {
    public final int inChannels, outChannels, groups;
    public final Tensor weight;
    /** Null when built with {@code bias = false}. */
    public final Tensor bias;
    private final int[] kernelSize, stride, padding, dilation, outputPadding;
    private final String paddingName;
    private final boolean transposed;

    protected ConvNd(int dims, int inChannels, int outChannels, int[] kernelSize, int[] stride, int[] padding, String paddingName,
           int[] dilation, int groups, boolean bias, boolean transposed, int[] outputPadding) {
        String op = getClass().getSimpleName();
        if (inChannels <= 0 || outChannels <= 0 || groups <= 0) {
            throw new IllegalArgumentException(op + ": channel counts and groups must be positive, got " + inChannels + " => "
                    + outChannels + ", groups=" + groups);
        }
        if (inChannels % groups != 0 || outChannels % groups != 0) {
            throw new IllegalArgumentException(op + ": inChannels " + inChannels + " and outChannels " + outChannels
                    + " must both be divisible by groups=" + groups);
        }
        this.inChannels = inChannels;
        this.outChannels = outChannels;
        this.groups = groups;
        this.kernelSize = sizes(op, "kernel", kernelSize, dims, 1);
        this.stride = sizes(op, "stride", stride, dims, 1);
        this.dilation = sizes(op, "dilation", dilation, dims, 1);
        this.padding = paddingName == null ? sizes(op, "padding", padding, dims, 0) : new int[dims];
        this.outputPadding = sizes(op, "outputPadding", outputPadding, dims, 0);
        if (paddingName != null && !paddingName.equals("same") && !paddingName.equals("valid")) {
            throw new IllegalArgumentException(op + ": padding must be \"same\", \"valid\" or sizes, got \"" + paddingName + "\"");
        }
        if ("same".equals(paddingName) && Arrays.stream(this.stride).anyMatch(s -> s != 1)) {
            throw new IllegalArgumentException(op + ": padding=\"same\" needs stride 1, got stride " + Arrays.toString(this.stride));
        }
        this.paddingName = paddingName;
        this.transposed = transposed;
        int[] shape = new int[dims + 2];
        shape[0] = transposed ? inChannels : outChannels;
        shape[1] = (transposed ? outChannels : inChannels) / groups;
        System.arraycopy(this.kernelSize, 0, shape, 2, dims);
        this.weight = registerParameter("weight", Tensor.zeros(shape));
        this.bias = registerParameter("bias", bias ? Tensor.zeros(outChannels) : null);
        resetParameters();
    }

    /** PyTorch's checks: one value per spatial dim, each at least {@code min}. */
    private static int[] sizes(String op, String what, int[] v, int dims, int min) {
        if (v.length != dims) throw new IllegalArgumentException(op + ": " + what + " needs " + dims + " values, got " + Arrays.toString(v));
        for (int x : v) {
            if (x < min) throw new IllegalArgumentException(op + ": " + what + " must be at least " + min + ", got " + Arrays.toString(v));
        }
        return v.clone();
    }

    static int[] repeat(int v, int dims) {
        int[] r = new int[dims];
        Arrays.fill(r, v);
        return r;
    }

    /**
     * PyTorch's defaults: weight kaiming uniform with a = sqrt(5), i.e. U(-1/sqrt(fanIn), 1/sqrt(fanIn)) with
     * fanIn = weight.size(1) * kernel elements, and the bias uniform in the same bound.
     */
    public void resetParameters() {
        Init.kaimingUniform_(weight, Math.sqrt(5));
        if (bias != null) {
            int fanIn = Init.fans(weight)[0];
            double bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
            Init.uniform_(bias, -bound, bound);
        }
    }

    public int[] kernelSize() { return kernelSize.clone(); }

    public int[] stride() { return stride.clone(); }

    /** The padding sizes; zeros when padding was given by name (see {@link #paddingName()}). */
    public int[] padding() { return padding.clone(); }

    /** "same" or "valid" when padding was given by name, else null. */
    public String paddingName() { return paddingName; }

    public int[] dilation() { return dilation.clone(); }

    /** Transposed convolutions only: extra size added to one side of the output. */
    public int[] outputPadding() { return outputPadding.clone(); }

    /** Flux style: {@code Conv2d(1 => 6, kernel=5)}, then the settings that differ from the defaults. */
    @Override
    protected String describe() {
        StringBuilder sb = new StringBuilder(getClass().getSimpleName()).append('(').append(inChannels).append(" => ")
                .append(outChannels).append(", kernel=").append(str(kernelSize));
        if (Arrays.stream(stride).anyMatch(v -> v != 1)) sb.append(", stride=").append(str(stride));
        if (paddingName != null) sb.append(", padding=").append(paddingName);
        else if (Arrays.stream(padding).anyMatch(v -> v != 0)) sb.append(", padding=").append(str(padding));
        if (transposed && Arrays.stream(outputPadding).anyMatch(v -> v != 0)) sb.append(", outputPadding=").append(str(outputPadding));
        if (Arrays.stream(dilation).anyMatch(v -> v != 1)) sb.append(", dilation=").append(str(dilation));
        if (groups != 1) sb.append(", groups=").append(groups);
        if (bias == null) sb.append(", bias=false");
        return sb.append(')').toString();
    }

    /** One number when all dims agree, else a tuple: 5, (3, 5). */
    static String str(int[] v) {
        boolean same = Arrays.stream(v).allMatch(x -> x == v[0]);
        if (same) return Integer.toString(v[0]);
        StringBuilder sb = new StringBuilder("(");
        for (int i = 0; i < v.length; i++) sb.append(i > 0 ? ", " : "").append(v[i]);
        return sb.append(')').toString();
    }
}
