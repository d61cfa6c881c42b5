package dev.kindling.cuda;

import dev.kindling.cuda.kernels.KernelCache;
import dev.kindling.cuda.kernels.Nvrtc;
import dev.kindling.tensor.BinaryOp;
import dev.kindling.tensor.DType;
import dev.kindling.tensor.ReduceOp;
import dev.kindling.tensor.UnaryOp;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every kernel source the backend can generate, for every op and dtype it accepts (at one or two
 * ranks: the rank only changes loop bounds). It needs no GPU, only NVRTC, so the kernel sources can
 * be compile-checked anywhere libnvrtc loads:
 * <pre>
 * java -cp ... dev.kindling.cuda.KernelCatalog [arch]      # compiles all for sm_arch (default 90)
 * </pre>
 */
public final class KernelCatalog {
    /** One kernel: its cache key, the C name of its kernel, and its full source. */
    public record Entry(String key, String name, String source) {}

    /** The dtypes with kernels of their own; float16/bfloat16 have only conversions (copy, fill) and go through float32 otherwise. */
    private static final DType[] ALL = {DType.BOOL, DType.INT32, DType.INT64, DType.FLOAT32, DType.FLOAT64};
    private static final DType[] FLOATS = {DType.FLOAT32, DType.FLOAT64};
    private static final DType[] INTEGRAL = {DType.INT32, DType.INT64, DType.BOOL};

    private KernelCatalog() {}

    public static List<Entry> all() {
        List<Entry> out = new ArrayList<>();
        collect(out);
        // A reduction whose input already has the accumulator's type shares its combining pass's kernel.
        Map<String, Entry> unique = new LinkedHashMap<>();
        for (Entry e : out) unique.putIfAbsent(e.key(), e);
        return new ArrayList<>(unique.values());
    }

    private static void collect(List<Entry> out) {
        for (DType from : DType.values()) for (DType to : DType.values()) add(out, ElementwiseOps.copyKernel(from, to), 1, 3);
        for (DType t : DType.values()) add(out, ElementwiseOps.fillKernel(t), 2);
        for (DType t : ALL) {
            add(out, ElementwiseOps.whereKernel(t), 2);
            add(out, IndexOps.gatherKernel("gather", t), 2);
            add(out, IndexOps.scatterKernel(t, false), 2);
            add(out, IndexOps.scatterKernel(t, true), 2);
            add(out, IndexOps.indexAddKernel(t), 2);
            if (t != DType.BOOL) add(out, ElementwiseOps.clampKernel(t), 1);
            String key = "maskedSelect " + Operand.ctype(t) + " write";
            String name = KernelCache.kernelName(key);
            out.add(new Entry(key, name, IndexOps.maskedSelectSource(name, "_write", t)));
        }
        for (UnaryOp op : UnaryOp.values()) {
            if (op == UnaryOp.LOGICAL_NOT) {
                add(out, ElementwiseOps.unaryKernel(op, DType.BOOL, DType.BOOL), 1);
                continue;
            }
            for (DType t : FLOATS) add(out, ElementwiseOps.unaryKernel(op, t, t), 1);
            if (!op.floatResult()) for (DType t : INTEGRAL) add(out, ElementwiseOps.unaryKernel(op, t, t), 1);
        }
        for (BinaryOp op : BinaryOp.values()) {
            for (DType t : ALL) {
                if (!t.isFloatingPoint() && op.kind() == BinaryOp.Kind.FLOAT_RESULT) continue;
                if (op.kind() == BinaryOp.Kind.LOGICAL && t != DType.BOOL) continue;
                DType result = op.boolResult() ? DType.BOOL : t;
                add(out, ElementwiseOps.binaryKernel(op, t, result), 1);
                add(out, ElementwiseOps.scalarKernel(op, t, result, false), 1);
                add(out, ElementwiseOps.scalarKernel(op, t, result, true), 1);
            }
        }
        for (ReduceOp op : ReduceOp.values()) {
            for (DType t : ALL) {
                DType in = t, result;
                switch (op) {
                    case SUM: case PROD: in = t.isIntegral() ? DType.INT64 : t; result = in; break;
                    case MEAN: if (!t.isFloatingPoint()) continue; result = t; break;
                    case ANY: case ALL: result = DType.BOOL; break;
                    default: result = t;
                }
                String acc = ReduceOps.accType(op, in);
                addReduce(out, op, Operand.ctype(in), acc, Operand.ctype(result), ReduceOps.finalExpr(op, result), 1, 1);
                addReduce(out, op, Operand.ctype(in), acc, acc, "acc", 3, 2);
                addReduce(out, op, acc, acc, Operand.ctype(result), ReduceOps.finalExpr(op, result), 1, 1);
            }
        }
        for (DType t : new DType[]{DType.FLOAT32, DType.FLOAT64, DType.INT32, DType.INT64}) {
            for (boolean max : new boolean[]{true, false}) {
                String key = (max ? "argmax " : "argmin ") + Operand.ctype(t) + " od2";
                String name = KernelCache.kernelName(key);
                out.add(new Entry(key, name, ReduceOps.argReduceSource(name, max, t, 2)));
            }
        }
        String countName = KernelCache.kernelName("maskedSelect count");
        out.add(new Entry("maskedSelect count", countName, IndexOps.maskedSelectSource(countName, "_count", DType.BOOL)));
        for (DType t : FLOATS) {
            for (String which : new String[]{"im2col", "col2im"}) {
                String key = "convolution " + Operand.ctype(t) + " " + which;
                String name = KernelCache.kernelName(key);
                out.add(new Entry(key, name, ConvOps.source(name, which, t)));
            }
            for (String which : new String[]{"max_forward", "max_backward"}) {
                String key = "pooling " + Operand.ctype(t) + " " + which;
                String name = KernelCache.kernelName(key);
                out.add(new Entry(key, name, PoolOps.source(name, which, t)));
            }
            String key = ResampleOps.key(t), name = KernelCache.kernelName(key);
            out.add(new Entry(key, name, ResampleOps.source(name, t)));
        }
    }

    private static void add(List<Entry> out, Pointwise k, int... ranks) {
        for (int nd : ranks) {
            String key = k.key() + " nd" + nd;
            String name = KernelCache.kernelName(key);
            out.add(new Entry(key, name, k.source(name, nd)));
        }
    }

    private static void addReduce(List<Entry> out, ReduceOp op, String in, String acc, String result, String fin, int od, int id) {
        String key = "reduce " + op.name() + " " + in + ">" + acc + ">" + result + (fin.equals("acc") ? " partial" : "") + " od" + od + " id" + id;
        String name = KernelCache.kernelName(key);
        out.add(new Entry(key, name, ReduceOps.reduceSource(name, op, in, acc, result, fin, od, id)));
    }

    /** Compiles every kernel for {@code sm_<arch>} (default 90) and prints failures; exit status 1 if any. */
    public static void main(String[] args) {
        int arch = args.length > 0 ? Integer.parseInt(args[0]) : 90;
        List<Entry> all = all();
        System.out.println("NVRTC " + Nvrtc.version() + ": compiling " + all.size() + " kernels for sm_" + arch);
        long t0 = System.nanoTime();
        int failed = 0;
        for (Entry e : all) {
            try {
                Nvrtc.compile(e.source(), e.name() + ".cu", arch);
            } catch (CudaException ex) {
                failed++;
                System.out.println("FAILED " + e.key() + ": " + ex.getMessage());
            }
        }
        System.out.printf("%d of %d kernels compiled in %.1f s%n", all.size() - failed, all.size(), (System.nanoTime() - t0) / 1e9);
        if (failed > 0) System.exit(1);
    }
}
