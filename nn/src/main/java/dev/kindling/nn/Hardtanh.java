package dev.kindling.nn;

import dev.kindling.autograd.Tensor;
import dev.kindling.nn.functional.F;

/** x clamped to [minVal, maxVal] (default [-1, 1]). */
public class Hardtanh extends Module {
    public final double minVal, maxVal;

    public Hardtanh() { this(-1, 1); }

    public Hardtanh(double minVal, double maxVal) {
        if (minVal > maxVal) throw new IllegalArgumentException("Hardtanh: minVal " + minVal + " exceeds maxVal " + maxVal);
        this.minVal = minVal;
        this.maxVal = maxVal;
    }

    @Override
    public Tensor forward(Tensor x) { return F.hardtanh(x, minVal, maxVal); }

    @Override
    protected String describe() { return "Hardtanh(minVal=" + minVal + ", maxVal=" + maxVal + ")"; }
}
