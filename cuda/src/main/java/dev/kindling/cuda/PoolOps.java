package dev.kindling.cuda;

import dev.kindling.cuda.kernels.KernelArgs;
import dev.kindling.cuda.kernels.KernelSource;
import dev.kindling.tensor.ThroughFloat;
import dev.kindling.tensor.DType;
import dev.kindling.tensor.NDArray;
import java.util.Map;
import org.bytedeco.cuda.cudart.CUfunc_st;

import static dev.kindling.cuda.Operand.ctype;

/** Max pooling with indices and its backward ({@code pooling.cu}); 16-bit inputs go through float32. */
final class PoolOps {
    private PoolOps() {}

    static void maxPool2d(NDArray x, int kh, int kw, int sh, int sw, int ph, int pw, int dh, int dw, NDArray values, NDArray indices) {
        CudaDevice dev = Operand.device("maxPool2d", x, values, indices);
        NDArray xf = ThroughFloat.widen(x).contiguous(), r = ThroughFloat.target(values);
        int[] s = xf.shapeRef(), o = r.shapeRef();
        int[] g = {s[0] * s[1], s[2], s[3], o[2], o[3], kh, kw, sh, sw, ph, pw, dh, dw};
        long n = r.numel();
        if (n > 0) {
            CUfunc_st fn = function(dev, "max_forward", xf.dtype());
            long from = Operand.readAddress(xf);
            KernelArgs args = KernelArgs.begin().ints(g).ptr(from).ptr(Operand.writeAddress(r)).ptr(Operand.writeAddress(indices));
            dev.launch(fn, dev.gridFor(n, Pointwise.BLOCK), 1, Pointwise.BLOCK, 0, args);
        }
        ThroughFloat.narrow(r, values);
    }

    static void maxPool2dBackward(NDArray gy, NDArray indices, NDArray out) {
        CudaDevice dev = Operand.device("maxPool2d backward", gy, indices, out);
        NDArray gf = ThroughFloat.widen(gy).contiguous(), r = ThroughFloat.target(out);
        int[] s = r.shapeRef(), o = gf.shapeRef();
        int[] g = {s[0] * s[1], s[2], s[3], o[2], o[3], 0, 0, 0, 0, 0, 0, 0, 0};
        long n = gf.numel();
        if (n > 0) {
            CUfunc_st fn = function(dev, "max_backward", gf.dtype());
            long from = Operand.readAddress(gf), idx = Operand.readAddress(indices.contiguous());
            KernelArgs args = KernelArgs.begin().ints(g).ptr(from).ptr(idx).ptr(Operand.readAddress(r)); // read: accumulates into zeros
            dev.launch(fn, dev.gridFor(n, Pointwise.BLOCK), 1, Pointwise.BLOCK, 0, args);
        }
        ThroughFloat.narrow(r, out);
    }

    private static CUfunc_st function(CudaDevice dev, String which, DType t) {
        return dev.kernels().function("pooling " + ctype(t) + " " + which, name -> source(name, which, t));
    }

    /** pooling.cu for {@code dtype}; {@code name} ends in {@code _which}, the kernel wanted. */
    static String source(String name, String which, DType dtype) {
        return KernelSource.render("pooling", Map.of("NAME", name.substring(0, name.length() - which.length() - 1), "T", ctype(dtype)));
    }
}
