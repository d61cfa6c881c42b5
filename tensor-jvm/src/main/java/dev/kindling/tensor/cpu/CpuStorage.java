package dev.kindling.tensor.cpu;

import dev.kindling.tensor.Allocations;
import dev.kindling.tensor.DType;
import dev.kindling.tensor.Device;
import dev.kindling.tensor.Storage;

/**
 * CPU storage is a plain Java array (float[], double[], int[], long[], boolean[]; short[] and char[]
 * hold float16 and bfloat16 bits, see {@link dev.kindling.tensor.HalfFloats}) on the heap: the
 * garbage collector frees it, so nothing can leak and nobody calls free, and C2 vectorises loops over
 * it. Native BLAS reads it through staging buffers (see {@link Blas}). docs/storage.md has the
 * measurements behind this choice.
 */
public final class CpuStorage extends Storage {
    final Object array;
    private final DType dtype;
    private final int size;

    CpuStorage(Object array) {
        this.array = array;
        if (array instanceof float[]) { dtype = DType.FLOAT32; size = ((float[]) array).length; }
        else if (array instanceof double[]) { dtype = DType.FLOAT64; size = ((double[]) array).length; }
        else if (array instanceof long[]) { dtype = DType.INT64; size = ((long[]) array).length; }
        else if (array instanceof int[]) { dtype = DType.INT32; size = ((int[]) array).length; }
        else if (array instanceof boolean[]) { dtype = DType.BOOL; size = ((boolean[]) array).length; }
        else if (array instanceof short[]) { dtype = DType.FLOAT16; size = ((short[]) array).length; }
        else if (array instanceof char[]) { dtype = DType.BFLOAT16; size = ((char[]) array).length; }
        else throw new IllegalArgumentException("unsupported array type " + array.getClass().getSimpleName()
                    + " (use float[], double[], int[], long[], boolean[], short[] (float16 bits) or char[] (bfloat16 bits))");
        Allocations.record(this);
    }

    static CpuStorage allocate(DType dtype, int size) {
        switch (dtype) {
            case FLOAT32: return new CpuStorage(new float[size]);
            case FLOAT64: return new CpuStorage(new double[size]);
            case INT64: return new CpuStorage(new long[size]);
            case INT32: return new CpuStorage(new int[size]);
            case FLOAT16: return new CpuStorage(new short[size]);
            case BFLOAT16: return new CpuStorage(new char[size]);
            case BOOL: return new CpuStorage(new boolean[size]);
            default: throw new IllegalStateException(dtype.name());
        }
    }

    /** The backing array; writes through it bypass the version counter, so callers must bump it. */
    public Object array() { return array; }

    @Override
    public Device device() { return Device.CPU; }

    @Override
    public DType dtype() { return dtype; }

    @Override
    public int size() { return size; }
}
