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
        this(array, DType.ofArray("CpuStorage", array), java.lang.reflect.Array.getLength(array));
    }

    /** For arrays whose dtype and length the caller knows: working them out was 10 of the 35 ns NDArray.zeros took for a [4]. */
    private CpuStorage(Object array, DType dtype, int size) {
        this.dtype = dtype;
        this.array = array;
        this.size = size;
        Allocations.record(this);
    }

    static CpuStorage allocate(DType dtype, int size) {
        switch (dtype) {
            case FLOAT32: return new CpuStorage(new float[size], dtype, size);
            case FLOAT64: return new CpuStorage(new double[size], dtype, size);
            case INT64: return new CpuStorage(new long[size], dtype, size);
            case INT32: return new CpuStorage(new int[size], dtype, size);
            case FLOAT16: return new CpuStorage(new short[size], dtype, size);
            case BFLOAT16: return new CpuStorage(new char[size], dtype, size);
            case BOOL: return new CpuStorage(new boolean[size], dtype, size);
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
