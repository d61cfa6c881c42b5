package dev.kindling.cuda;

import dev.kindling.cuda.kernels.KernelArgs;
import dev.kindling.cuda.kernels.KernelSource;
import dev.kindling.tensor.DType;
import dev.kindling.tensor.NDArray;
import java.util.Map;
import org.bytedeco.cuda.cudart.CUfunc_st;

import static dev.kindling.cuda.Operand.ctype;

/**
 * im2col and col2im ({@code convolution.cu}), so convolutions built on them run on the GPU now;
 * cuDNN's convolutions replace this path in the cuDNN issue.
 */
final class ConvOps {
    private ConvOps() {}

    static void im2col(NDArray x, int kh, int kw, int sh, int sw, int ph, int pw, int dh, int dw, NDArray out) {
        CudaDevice dev = Operand.device("im2col", x, out);
        NDArray xc = x.contiguous();
        int[] s = xc.shapeRef();
        run(dev, "im2col", xc, out, geometry(s, kh, kw, sh, sw, ph, pw, dh, dw), out.numel());
    }

    static void col2im(NDArray cols, int kh, int kw, int sh, int sw, int ph, int pw, int dh, int dw, NDArray out) {
        CudaDevice dev = Operand.device("col2im", cols, out);
        NDArray cc = cols.contiguous();
        NDArray target = out.isContiguous() ? out : NDArray.zeros(out.dtype(), out.device(), out.shape());
        run(dev, "col2im", cc, target, geometry(out.shapeRef(), kh, kw, sh, sw, ph, pw, dh, dw), target.numel());
        if (target != out) ElementwiseOps.copy(target, out);
    }

    private static int[] geometry(int[] image, int kh, int kw, int sh, int sw, int ph, int pw, int dh, int dw) {
        int h = image[2], w = image[3];
        int oh = NDArray.convOut("conv2d", h, kh, sh, ph, dh), ow = NDArray.convOut("conv2d", w, kw, sw, pw, dw);
        return new int[]{image[0], image[1], h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow};
    }

    private static void run(CudaDevice dev, String which, NDArray in, NDArray out, int[] geometry, long n) {
        if (n == 0) return;
        String t = ctype(out.dtype());
        CUfunc_st fn = dev.kernels().function("convolution " + t + " " + which, name -> source(name, which, out.dtype()));
        long from = Operand.readAddress(in);
        KernelArgs args = KernelArgs.begin().ints(geometry).ptr(from).ptr(Operand.writeAddress(out));
        dev.launch(fn, dev.gridFor(n, Pointwise.BLOCK), 1, Pointwise.BLOCK, 0, args);
    }

    /** convolution.cu for {@code dtype}; {@code name} ends in {@code _which}, the kernel wanted. */
    static String source(String name, String which, DType dtype) {
        return KernelSource.render("convolution", Map.of("NAME", name.substring(0, name.length() - which.length() - 1), "T", ctype(dtype)));
    }
}
