package dev.kindling.nn.functional;

import dev.kindling.autograd.Tensor;
import dev.kindling.tensor.NDArray;
import dev.kindling.tensor.cpu.CpuStorage;

/**
 * Element access for the fused CPU normalisation kernels ({@link FusedLayerNorm}, {@link FusedBatchNorm}):
 * a CPU array's backing float[] or double[], read and written as double, so one loop serves both dtypes.
 */
final class RawArrays {
    private RawArrays() {}

    static Object array(NDArray a) { return ((CpuStorage) a.storage()).array(); }

    static double get(Object a, int i) { return a instanceof float[] f ? f[i] : ((double[]) a)[i]; }

    static void set(Object a, int i, double v) {
        if (a instanceof float[] f) f[i] = (float) v;
        else ((double[]) a)[i] = v;
    }

    /** A weight or bias as doubles, or null. */
    static double[] vector(Tensor t) { return t == null ? null : t.data().toDoubleArray(); }
}
