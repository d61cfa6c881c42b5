package dev.kindling.cuda;

import dev.kindling.cuda.kernels.KernelArgs;
import dev.kindling.cuda.kernels.KernelSource;
import dev.kindling.cuda.memory.Block;
import dev.kindling.tensor.DType;
import dev.kindling.tensor.NDArray;
import java.util.Map;
import org.bytedeco.cuda.cudart.CUfunc_st;

import static dev.kindling.cuda.Operand.ctype;

/**
 * indexSelect, gather, scatter, indexAdd and maskedSelect. The first four are elementwise kernels
 * in which the indexed operand's stride along {@code dim} is set to 0 and the index supplies that
 * coordinate instead: {@code x[o + j * step]} with {@code j = index[...]} (negative j counts from
 * the end, as NDArray allows). For indexSelect and indexAdd the 1-D index is walked as a broadcast
 * view that moves only along {@code dim}. Accumulating writes use atomic adds, so their float sums
 * may round differently run to run, as PyTorch's do on the GPU.
 */
final class IndexOps {
    private static final String LOAD_J = "i64 j = idx[o[%d]]; if (j < 0) j += size; ";

    private IndexOps() {}

    /** The 1-D index as a view of {@code shape} that steps only along dim. */
    private static Operand indexAlong(NDArray index, int dim, int rank) {
        Operand idx = Operand.read(index);
        int[] strides = new int[rank];
        strides[dim] = index.stridesRef()[0];
        return new Operand(idx.base, idx.offset, strides, idx.dtype);
    }

    static void indexSelect(NDArray x, int dim, NDArray index, NDArray out) {
        CudaDevice dev = Operand.device("indexSelect", x, index, out);
        int size = x.shapeRef()[dim], step = x.stridesRef()[dim];
        Operand xs = Operand.read(x).withStride(dim, 0), idx = indexAlong(index, dim, out.dim());
        gatherKernel("indexSelect", x.dtype()).run(dev, "indexSelect", out.shapeRef(), new Operand[]{Operand.write(out), xs, idx},
                a -> a.i32(size).i32(step));
    }

    static void gather(NDArray x, int dim, NDArray index, NDArray out) {
        CudaDevice dev = Operand.device("gather", x, index, out);
        int size = x.dim() == 0 ? 1 : x.shapeRef()[dim], step = x.dim() == 0 ? 0 : x.stridesRef()[dim];
        Operand xs = x.dim() == 0 ? Operand.read(x) : Operand.read(x).withStride(dim, 0), idx = Operand.read(index);
        gatherKernel("gather", x.dtype()).run(dev, "gather", index.shapeRef(), new Operand[]{Operand.write(out), xs, idx},
                a -> a.i32(size).i32(step));
    }

    /** out[o] = x[o' + j * step] with j read from the index operand: indexSelect and gather. */
    static Pointwise gatherKernel(String op, DType dtype) {
        String t = ctype(dtype);
        return new Pointwise(op + " " + t, 3, ", " + t + "* out, const " + t + "* x, const i64* idx", ", int size, int step",
                String.format(LOAD_J, 2) + "out[o[0]] = x[o[1] + (int) j * step];");
    }

    static void scatter(NDArray target, int dim, NDArray index, NDArray src, boolean accumulate) {
        String op = accumulate ? "scatterAdd" : "scatter";
        CudaDevice dev = Operand.device(op, target, index, src);
        int size = target.dim() == 0 ? 1 : target.shapeRef()[dim], step = target.dim() == 0 ? 0 : target.stridesRef()[dim];
        // The target is read as well as written: only the indexed elements change.
        Operand ts = target.dim() == 0 ? Operand.read(target) : Operand.read(target).withStride(dim, 0);
        scatterKernel(target.dtype(), accumulate).run(dev, op, index.shapeRef(), new Operand[]{ts, Operand.read(index), Operand.read(src)},
                a -> a.i32(size).i32(step));
    }

    static Pointwise scatterKernel(DType dtype, boolean accumulate) {
        String t = ctype(dtype);
        String write = accumulate ? "k_atomic_add(&t[o[0] + (int) j * step], src[o[2]]);" : "t[o[0] + (int) j * step] = src[o[2]];";
        return new Pointwise((accumulate ? "scatterAdd " : "scatter ") + t, 3, ", " + t + "* t, const i64* idx, const " + t + "* src",
                ", int size, int step", String.format(LOAD_J, 1) + write);
    }

    static void indexAdd(NDArray target, int dim, NDArray index, NDArray src) {
        CudaDevice dev = Operand.device("indexAdd", target, index, src);
        int size = target.shapeRef()[dim], step = target.stridesRef()[dim];
        indexAddKernel(target.dtype()).run(dev, "indexAdd", src.shapeRef(),
                new Operand[]{Operand.read(target).withStride(dim, 0), Operand.read(src), indexAlong(index, dim, src.dim())},
                a -> a.i32(size).i32(step));
    }

    static Pointwise indexAddKernel(DType dtype) {
        String t = ctype(dtype);
        return new Pointwise("indexAdd " + t, 3, ", " + t + "* t, const " + t + "* src, const i64* idx", ", int size, int step",
                String.format(LOAD_J, 2) + "k_atomic_add(&t[o[0] + (int) j * step], src[o[1]]);");
    }

    /**
     * The selected elements, in row-major order. The result's length must be known on the host
     * before it can be allocated, so the per-block counts come back to the host (4 bytes per 1024
     * elements), as PyTorch's masked_select synchronises too.
     */
    static NDArray maskedSelect(NDArray x, NDArray mask) {
        CudaDevice dev = Operand.device("maskedSelect", x, mask);
        NDArray xc = x.contiguous(), mc = mask.contiguous();
        int n = (int) xc.numel();
        int blocks = Math.max(1, (n + 1023) / 1024);
        String t = ctype(x.dtype());
        CUfunc_st count = dev.kernels().function("maskedSelect count", name -> maskedSelectSource(name, "_count", DType.BOOL));
        CUfunc_st write = dev.kernels().function("maskedSelect " + t + " write", name -> maskedSelectSource(name, "_write", x.dtype()));
        Block counts = dev.allocator().allocate(4L * blocks);
        try {
            if (n > 0) {
                dev.launch(count, blocks, 1, 1024, 0, KernelArgs.begin().ptr(Operand.readAddress(mc)).i32(n).ptr(counts.address()));
            }
            int[] perBlock = n > 0 ? (int[]) dev.staging().download(counts.address(), DType.INT32, blocks) : new int[0];
            int[] starts = new int[blocks];
            int total = 0;
            for (int b = 0; b < perBlock.length; b++) {
                starts[b] = total;
                total += perBlock[b];
            }
            NDArray out = NDArray.zeros(x.dtype(), x.device(), total);
            if (total > 0) {
                dev.staging().upload(starts, DType.INT32, counts.address());
                dev.launch(write, blocks, 1, 1024, 0, KernelArgs.begin().ptr(Operand.readAddress(xc)).ptr(Operand.readAddress(mc))
                        .i32(n).ptr(counts.address()).ptr(Operand.writeAddress(out)));
            }
            return out;
        } finally {
            dev.allocator().free(counts);
        }
    }

    /** masked_select.cu for element type {@code dtype}; {@code name} ends in the suffix of the kernel wanted. */
    static String maskedSelectSource(String name, String suffix, DType dtype) {
        return KernelSource.render("masked_select", Map.of("NAME", name.substring(0, name.length() - suffix.length()), "T", ctype(dtype)));
    }
}
