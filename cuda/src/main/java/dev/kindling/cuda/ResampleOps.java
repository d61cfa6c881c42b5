package dev.kindling.cuda;

import dev.kindling.cuda.kernels.KernelArgs;
import dev.kindling.cuda.kernels.KernelSource;
import dev.kindling.tensor.ThroughFloat;
import dev.kindling.tensor.DType;
import dev.kindling.tensor.NDArray;
import dev.kindling.tensor.Resampling;
import java.util.Map;
import org.bytedeco.cuda.cudart.CUfunc_st;

import static dev.kindling.cuda.Operand.ctype;

/**
 * resample2d ({@code resample.cu}): nearest/bilinear interpolation and the pooling maps, forward and
 * backward (the backward is the same op with transposed maps). The two maps' taps travel to the device
 * per call: one int array (row starts and input indices of both axes) and one double array (weights),
 * a few hundred bytes for an upsample, uploaded through the pinned buffer. 16-bit inputs go through float32.
 */
final class ResampleOps {
    private ResampleOps() {}

    static void resample2d(NDArray x, Resampling alongH, Resampling alongW, NDArray out) {
        CudaDevice dev = Operand.device("resample2d", x, out);
        NDArray xf = ThroughFloat.widen(x).contiguous(), r = ThroughFloat.target(out);
        int[] s = xf.shapeRef();
        int h = s[s.length - 2], w = s[s.length - 1];
        int oh = alongH.outSize(), ow = alongW.outSize();
        int tapsH = alongH.tapStart(oh), tapsW = alongW.tapStart(ow);
        long n = r.numel();
        if (n > 0) {
            int[] taps = new int[oh + 1 + tapsH + ow + 1 + tapsW];
            double[] weights = new double[tapsH + tapsW];
            int at = pack(alongH, taps, 0, weights, 0);
            pack(alongW, taps, at, weights, tapsH);
            CudaStorage t = new CudaStorage(dev, DType.INT32, taps.length), wt = new CudaStorage(dev, DType.FLOAT64, weights.length);
            dev.staging().upload(taps, DType.INT32, t.address(0));
            dev.staging().upload(weights, DType.FLOAT64, wt.address(0));
            int[] g = {(int) (xf.numel() / ((long) h * w)), h, w, oh, ow, tapsH, tapsW};
            CUfunc_st fn = dev.kernels().function(key(xf.dtype()), name -> source(name, xf.dtype()));
            KernelArgs args = KernelArgs.begin().ints(g).ptr(Operand.readAddress(xf)).ptr(t.address(0)).ptr(wt.address(0))
                    .ptr(Operand.writeAddress(r));
            dev.launch(fn, dev.gridFor(n, Pointwise.BLOCK), 1, Pointwise.BLOCK, 0, args);
            t.release(); // stream order: the next user of these blocks runs after this kernel
            wt.release();
        }
        ThroughFloat.narrow(r, out);
    }

    /** Writes a map's CSR form (starts, then indices) at {@code at} and its weights at {@code wAt}; returns where the next map goes. */
    private static int pack(Resampling m, int[] taps, int at, double[] weights, int wAt) {
        int outs = m.outSize(), count = m.tapStart(outs);
        for (int o = 0; o <= outs; o++) taps[at + o] = m.tapStart(o);
        for (int k = 0; k < count; k++) {
            taps[at + outs + 1 + k] = m.index(k);
            weights[wAt + k] = m.weight(k);
        }
        return at + outs + 1 + count;
    }

    static String key(DType t) { return "resample " + ctype(t) + " resample"; }

    /** resample.cu for {@code dtype}; {@code name} ends in {@code _resample}. */
    static String source(String name, DType dtype) {
        return KernelSource.render("resample", Map.of("NAME", name.substring(0, name.length() - "_resample".length()), "T", ctype(dtype)));
    }
}
