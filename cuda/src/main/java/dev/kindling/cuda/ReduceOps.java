package dev.kindling.cuda;

import dev.kindling.cuda.kernels.Iteration;
import dev.kindling.cuda.kernels.KernelArgs;
import dev.kindling.cuda.kernels.KernelSource;
import dev.kindling.cuda.memory.Block;
import dev.kindling.tensor.DType;
import dev.kindling.tensor.NDArray;
import dev.kindling.tensor.ReduceOp;
import java.util.Map;
import org.bytedeco.cuda.cudart.CUfunc_st;

import static dev.kindling.cuda.Operand.ctype;

/**
 * Reductions ({@code reduce.cu}) and max/min with indices ({@code argreduce.cu}). Sums, means and
 * products of floats accumulate in double and of integers in 64 bits, as the CPU backend does, so
 * both agree to rounding. One block reduces one output element; when there are too few outputs to
 * fill the GPU (a full sum), the reduced range is split over up to 1024 blocks per output whose
 * partial results a second launch combines.
 */
final class ReduceOps {
    private static final int MAX_BLOCK = 256, CHUNK_MIN = 4096, MAX_SPLITS = 1024;

    private ReduceOps() {}

    static void reduce(ReduceOp op, NDArray x, boolean[] reduced, NDArray out) {
        CudaDevice dev = Operand.device(op.opName(), x, out);
        if (!out.isContiguous()) {
            NDArray tmp = NDArray.zeros(out.dtype(), out.device(), out.shape());
            reduce(op, x, reduced, tmp);
            ElementwiseOps.copy(tmp, out);
            return;
        }
        int[] shape = x.shapeRef(), strides = x.stridesRef();
        int kept = 0;
        for (boolean r : reduced) if (!r) kept++;
        int[] keptShape = new int[kept], keptStrides = new int[kept], redShape = new int[shape.length - kept],
                redStrides = new int[shape.length - kept];
        for (int d = 0, i = 0, j = 0; d < shape.length; d++) {
            if (reduced[d]) { redShape[j] = shape[d]; redStrides[j++] = strides[d]; }
            else { keptShape[i] = shape[d]; keptStrides[i++] = strides[d]; }
        }
        Iteration outer = Iteration.of(op.opName(), keptShape, new int[][]{keptStrides}, new int[]{0});
        Iteration inner = Iteration.of(op.opName(), redShape, new int[][]{redStrides}, new int[]{0});
        int outerN = outer.numel(), innerN = inner.numel();
        if (outerN == 0) return;
        DType in = x.dtype();
        String acc = accType(op, in);
        int target = 4 * dev.multiprocessors();
        int splits = outerN >= target ? 1 : (int) Math.min(MAX_SPLITS, Math.min((innerN + CHUNK_MIN - 1) / CHUNK_MIN,
                (target + outerN - 1) / outerN));
        splits = Math.max(splits, 1);
        long xBase = Operand.read(x).base;
        if (splits == 1) {
            launch(dev, op, ctype(in), acc, ctype(out.dtype()), finalExpr(op, out.dtype()), outer, inner, x.offset(), xBase,
                    Operand.writeAddress(out), 1, innerN);
            return;
        }
        // Partials [outer, splits] in the accumulator's type, then the same kernel reduces them.
        int accBytes = acc.equals("int") || acc.equals("float") ? 4 : 8;
        Block partial = dev.allocator().allocate((long) outerN * splits * accBytes);
        try {
            launch(dev, op, ctype(in), acc, acc, "acc", outer, inner, x.offset(), xBase, partial.address(), splits, innerN);
            Iteration rows = Iteration.of(op.opName(), new int[]{outerN}, new int[][]{{splits}}, new int[]{0});
            Iteration cols = Iteration.of(op.opName(), new int[]{splits}, new int[][]{{1}}, new int[]{0});
            launch(dev, op, acc, acc, ctype(out.dtype()), finalExpr(op, out.dtype()), rows, cols, 0, partial.address(),
                    Operand.writeAddress(out), 1, innerN);
        } finally {
            // Stream order keeps the block intact for the kernels already queued.
            dev.allocator().free(partial);
        }
    }

    private static void launch(CudaDevice dev, ReduceOp op, String in, String acc, String outType, String fin, Iteration outer,
                               Iteration inner, int xOffset, long x, long out, int splits, long count) {
        int innerN = inner.numel(), outerN = outer.numel();
        String key = "reduce " + op.name() + " " + in + ">" + acc + ">" + outType + (fin.equals("acc") ? " partial" : "")
                + " od" + outer.ndim() + " id" + inner.ndim();
        CUfunc_st fn = dev.kernels().function(key, name -> reduceSource(name, op, in, acc, outType, fin, outer.ndim(), inner.ndim()));
        int chunk = (innerN + splits - 1) / Math.max(splits, 1);
        int[] meta = new int[5 + 2 * outer.ndim() + 2 * inner.ndim()];
        meta[0] = outerN;
        meta[1] = innerN;
        meta[2] = Math.max(chunk, 1);
        meta[3] = xOffset;
        meta[4] = 0;
        int at = 5;
        for (int v : outer.sizes()) meta[at++] = v;
        for (int v : outer.strides(0)) meta[at++] = v;
        for (int v : inner.sizes()) meta[at++] = v;
        for (int v : inner.strides(0)) meta[at++] = v;
        int block = Math.min(MAX_BLOCK, Math.max(32, (Math.min(innerN, MAX_BLOCK) + 31) / 32 * 32));
        KernelArgs args = KernelArgs.begin().ints(meta).ptr(x).ptr(out).f64(count);
        dev.launch(fn, Math.min(outerN, 1 << 20), splits, block, 0, args);
    }

    static String reduceSource(String name, ReduceOp op, String in, String acc, String outType, String fin, int outerDims, int innerDims) {
        return KernelSource.render("reduce", Map.of("NAME", name, "OUTER_DIMS", Integer.toString(outerDims), "INNER_DIMS",
                Integer.toString(innerDims), "IN_T", in, "ACC_T", acc, "OUT_T", outType, "MAP", map(op), "COMBINE", combine(op),
                "IDENTITY", identity(op, acc), "FINAL", fin));
    }

    /** The accumulator's C type: wide for sums and products, the input's own for max/min of floats. */
    static String accType(ReduceOp op, DType in) {
        switch (op) {
            case ANY: case ALL: return "int";
            case MAX: case MIN: return in.isFloatingPoint() ? ctype(in) : "i64";
            default: return in.isFloatingPoint() ? "double" : "i64";
        }
    }

    private static String map(ReduceOp op) {
        return op == ReduceOp.ANY || op == ReduceOp.ALL ? "v != 0 ? 1 : 0" : "(acc_t) v";
    }

    private static String combine(ReduceOp op) {
        switch (op) {
            case PROD: return "a * b";
            // NaN wins, as on the CPU and in PyTorch.
            case MAX: return "a != a ? a : (b != b || b > a ? b : a)";
            case MIN: return "a != a ? a : (b != b || b < a ? b : a)";
            case ANY: return "a | b";
            case ALL: return "a & b";
            default: return "a + b";
        }
    }

    private static String identity(ReduceOp op, String acc) {
        boolean wide = acc.equals("i64");
        switch (op) {
            case PROD: case ALL: return "(acc_t) 1";
            case MAX: return wide ? "K_I64_MIN" : "(acc_t) -K_INF";
            case MIN: return wide ? "K_I64_MAX" : "(acc_t) K_INF";
            default: return "(acc_t) 0";
        }
    }

    static String finalExpr(ReduceOp op, DType out) {
        String t = ctype(out);
        if (op == ReduceOp.MEAN) return "from_d<" + t + ">((double) acc / divisor)";
        return out.isFloatingPoint() ? "from_d<" + t + ">((double) acc)" : "from_l<" + t + ">((i64) acc)";
    }

    static void argReduce(boolean max, NDArray x, int dim, NDArray values, NDArray indices) {
        CudaDevice dev = Operand.device(max ? "max" : "min", x, values, indices);
        if (!values.isContiguous() || !indices.isContiguous()) {
            NDArray v = NDArray.zeros(values.dtype(), values.device(), values.shape());
            NDArray i = NDArray.zeros(DType.INT64, values.device(), values.shape());
            argReduce(max, x, dim, v, i);
            ElementwiseOps.copy(v, values);
            ElementwiseOps.copy(i, indices);
            return;
        }
        int[] shape = x.shapeRef(), strides = x.stridesRef();
        int[] keptShape = new int[shape.length - 1], keptStrides = new int[shape.length - 1];
        for (int d = 0, j = 0; d < shape.length; d++) {
            if (d == dim) continue;
            keptShape[j] = shape[d];
            keptStrides[j++] = strides[d];
        }
        Iteration outer = Iteration.of(max ? "max" : "min", keptShape, new int[][]{keptStrides}, new int[]{0});
        if (outer.numel() == 0) return;
        String t = ctype(x.dtype());
        String key = (max ? "argmax " : "argmin ") + t + " od" + outer.ndim();
        CUfunc_st fn = dev.kernels().function(key, name -> argReduceSource(name, max, x.dtype(), outer.ndim()));
        int[] meta = new int[6 + 2 * outer.ndim()];
        meta[0] = outer.numel();
        meta[1] = shape[dim];
        meta[2] = strides[dim];
        meta[3] = x.offset();
        meta[4] = values.offset();
        meta[5] = indices.offset();
        int at = 6;
        for (int v : outer.sizes()) meta[at++] = v;
        for (int v : outer.strides(0)) meta[at++] = v;
        int block = Math.min(MAX_BLOCK, Math.max(32, (Math.min(shape[dim], MAX_BLOCK) + 31) / 32 * 32));
        long xBase = Operand.read(x).base;
        KernelArgs args = KernelArgs.begin().ints(meta).ptr(xBase).ptr(Operand.write(values).base).ptr(Operand.write(indices).base);
        dev.launch(fn, Math.min(outer.numel(), 1 << 20), 1, block, 0, args);
    }

    static String argReduceSource(String name, boolean max, DType dtype, int outerDims) {
        return KernelSource.render("argreduce", Map.of("NAME", name, "OUTER_DIMS", Integer.toString(outerDims), "IS_MAX", max ? "1" : "0",
                "IN_T", ctype(dtype)));
    }
}
