package dev.kindling.cuda;

import dev.kindling.tensor.DType;
import dev.kindling.tensor.NDArray;

/**
 * One operand of a kernel as the backend sees it: where its storage starts on the device, its
 * element offset and strides, and its C type. The check that every operand lives on the op's
 * device is here, so a CPU tensor reaching the CUDA backend is an error naming the op, not a
 * ClassCastException.
 */
final class Operand {
    final long base;
    final int offset;
    final int[] strides;
    final DType dtype;

    Operand(long base, int offset, int[] strides, DType dtype) {
        this.base = base;
        this.offset = offset;
        this.strides = strides;
        this.dtype = dtype;
    }

    /** An operand the kernel reads (or reads and updates): a storage still owed its zero-fill gets it now. */
    static Operand read(NDArray x) {
        CudaStorage s = (CudaStorage) x.storage();
        s.materialize();
        return new Operand(s.address(0), x.offset(), x.stridesRef(), x.dtype());
    }

    /**
     * An operand the kernel writes in every element and never reads. When it spans its whole storage,
     * the storage's pending zero-fill is dropped instead of done: the kernel overwrites it all. Take
     * the read operands first, so an in-place op reads the zeros it was owed.
     */
    static Operand write(NDArray x) {
        CudaStorage s = (CudaStorage) x.storage();
        if (x.coversStorage()) s.overwritten();
        else s.materialize();
        return new Operand(s.address(0), x.offset(), x.stridesRef(), x.dtype());
    }

    /** The device address of x's first element, for a read. */
    static long readAddress(NDArray x) { return read(x).elementAddress(); }

    /** The device address of x's first element, for a write of every element. */
    static long writeAddress(NDArray x) { return write(x).elementAddress(); }

    private long elementAddress() { return base + (long) offset * dtype.itemSize(); }

    /** The same operand with the stride of {@code dim} replaced (0 for a dim an index walks instead). */
    Operand withStride(int dim, int stride) {
        int[] st = strides.clone();
        st[dim] = stride;
        return new Operand(base, offset, st, dtype);
    }

    /** The storage's device, checked against the op's; null-safe for the first operand. */
    static CudaDevice device(String op, NDArray... arrays) {
        CudaDevice dev = null;
        for (NDArray a : arrays) {
            if (!(a.storage() instanceof CudaStorage s)) {
                throw new IllegalArgumentException(op + ": tensors are on different devices, "
                        + (dev == null ? "cuda" : dev.device()) + " and " + a.device() + "; move one with to(Device) first");
            }
            if (dev == null) dev = s.cudaDevice();
            else if (dev != s.cudaDevice()) {
                throw new IllegalArgumentException(op + ": tensors are on different devices, " + dev.device() + " and "
                        + s.device() + "; move one with to(Device) first");
            }
        }
        return dev;
    }

    /** The C type a kernel uses for a dtype (common.cuh's names). */
    static String ctype(DType t) {
        switch (t) {
            case FLOAT32: return "float";
            case FLOAT64: return "double";
            case INT64: return "i64";
            case INT32: return "i32";
            case FLOAT16: return "khalf";
            case BFLOAT16: return "kbf16";
            case BOOL: return "kbool";
            default: throw new IllegalStateException(t.name());
        }
    }
}
