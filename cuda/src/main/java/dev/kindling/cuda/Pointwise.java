package dev.kindling.cuda;

import dev.kindling.cuda.kernels.Iteration;
import dev.kindling.cuda.kernels.KernelArgs;
import dev.kindling.cuda.kernels.KernelSource;
import java.util.Map;
import java.util.function.Consumer;
import org.bytedeco.cuda.cudart.CUfunc_st;

/**
 * A kernel of the {@code elementwise.cu} template: the op supplies its parameters and loop body, the
 * template the index arithmetic, and the rank of the (merged) iteration space is fixed per compiled
 * kernel. The key names the kernel without rendering it, so a cached launch builds no source text.
 *
 * @param key           names the op and types ({@code "binary ADD float->float"}); the rank is appended
 * @param operands      how many operands the body indexes through {@code o[k]}
 * @param pointerParams one pointer parameter per operand, in order ({@code ", float* out, const float* a"})
 * @param extraParams   scalar parameters after the pointers ({@code ", double s"}), or ""
 * @param body          C statements run per element
 */
record Pointwise(String key, int operands, String pointerParams, String extraParams, String body) {
    static final int BLOCK = 256;

    /** The kernel's CUDA source for an iteration space of {@code ndim} dims, its kernel called {@code name}. */
    String source(String name, int ndim) {
        return KernelSource.render("elementwise", Map.of("NAME", name, "NDIM", Integer.toString(ndim), "NOPS", Integer.toString(operands),
                "PARAMS", pointerParams + extraParams, "BODY", body));
    }

    /**
     * Runs the body for every element of {@code shape}, operand k at {@code operands[k]}; {@code extra}
     * appends the values of {@code extraParams}.
     */
    void run(CudaDevice dev, String op, int[] shape, Operand[] ops, Consumer<KernelArgs> extra) {
        int[][] strides = new int[ops.length][];
        int[] offsets = new int[ops.length];
        for (int k = 0; k < ops.length; k++) {
            strides[k] = ops[k].strides;
            offsets[k] = ops[k].offset;
        }
        Iteration it = Iteration.of(op, shape, strides, offsets);
        if (it.numel() == 0) return;
        CUfunc_st fn = dev.kernels().function(key + " nd" + it.ndim(), name -> source(name, it.ndim()));
        KernelArgs args = KernelArgs.begin().ints(it.meta());
        for (Operand o : ops) args.ptr(o.base);
        if (extra != null) extra.accept(args);
        dev.launch(fn, dev.gridFor(it.numel(), BLOCK), 1, BLOCK, 0, args);
    }
}
