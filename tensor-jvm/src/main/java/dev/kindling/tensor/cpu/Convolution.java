package dev.kindling.tensor.cpu;

import dev.kindling.tensor.DType;
import dev.kindling.tensor.NDArray;

/**
 * im2col and col2im: a convolution becomes one GEMM per image by laying every receptive field out as
 * a column (Chellapilla et al. 2006, the approach of Caffe and PyTorch's CPU path). Rows of the
 * column matrix are (channel, ky, kx); columns are output positions. Work splits over images and
 * channels, which never write to the same place.
 */
final class Convolution {
    private Convolution() {}

    static void im2col(NDArray x, int kh, int kw, int sh, int sw, int ph, int pw, int dh, int dw, NDArray out) {
        NDArray xc = x.contiguous();
        int[] s = xc.shape();
        int n = s[0], c = s[1], h = s[2], w = s[3];
        int oh = (h + 2 * ph - dh * (kh - 1) - 1) / sh + 1, ow = (w + 2 * pw - dw * (kw - 1) - 1) / sw + 1;
        int xOff = xc.offset(), oOff = out.offset();
        boolean f32 = x.dtype() == DType.FLOAT32;
        float[] xf = f32 ? (float[]) CpuBackend.data(xc) : null, of = f32 ? (float[]) CpuBackend.data(out) : null;
        Buf xb = Buf.of(CpuBackend.data(xc)), ob = Buf.of(CpuBackend.data(out));
        Parallel.forRange((long) n * c, (long) kh * kw * oh * ow, (from, to) -> {
            for (long plane = from; plane < to; plane++) {
                int img = (int) (plane / c), ch = (int) (plane % c);
                int src = xOff + (img * c + ch) * h * w;
                for (int ky = 0; ky < kh; ky++) {
                    for (int kx = 0; kx < kw; kx++) {
                        int row = (ch * kh + ky) * kw + kx;
                        int dst = oOff + (img * c * kh * kw + row) * oh * ow;
                        for (int oy = 0; oy < oh; oy++) {
                            int iy = oy * sh - ph + ky * dh;
                            if (iy < 0 || iy >= h) continue; // the padding row stays zero
                            int srcRow = src + iy * w, dstRow = dst + oy * ow;
                            for (int ox = 0; ox < ow; ox++) {
                                int ix = ox * sw - pw + kx * dw;
                                if (ix < 0 || ix >= w) continue;
                                if (f32) of[dstRow + ox] = xf[srcRow + ix];
                                else ob.setD(dstRow + ox, xb.getD(srcRow + ix));
                            }
                        }
                    }
                }
            }
        });
    }

    static void col2im(NDArray cols, int kh, int kw, int sh, int sw, int ph, int pw, int dh, int dw, NDArray out) {
        NDArray cc = cols.contiguous();
        int[] s = out.shape();
        int n = s[0], c = s[1], h = s[2], w = s[3];
        int oh = (h + 2 * ph - dh * (kh - 1) - 1) / sh + 1, ow = (w + 2 * pw - dw * (kw - 1) - 1) / sw + 1;
        int cOff = cc.offset(), oOff = out.offset();
        boolean f32 = out.dtype() == DType.FLOAT32;
        float[] cf = f32 ? (float[]) CpuBackend.data(cc) : null, of = f32 ? (float[]) CpuBackend.data(out) : null;
        Buf cb = Buf.of(CpuBackend.data(cc)), ob = Buf.of(CpuBackend.data(out));
        Parallel.forRange((long) n * c, (long) kh * kw * oh * ow, (from, to) -> {
            for (long plane = from; plane < to; plane++) {
                int img = (int) (plane / c), ch = (int) (plane % c);
                int dst = oOff + (img * c + ch) * h * w;
                for (int ky = 0; ky < kh; ky++) {
                    for (int kx = 0; kx < kw; kx++) {
                        int row = (ch * kh + ky) * kw + kx;
                        int src = cOff + (img * c * kh * kw + row) * oh * ow;
                        for (int oy = 0; oy < oh; oy++) {
                            int iy = oy * sh - ph + ky * dh;
                            if (iy < 0 || iy >= h) continue;
                            int dstRow = dst + iy * w, srcRow = src + oy * ow;
                            for (int ox = 0; ox < ow; ox++) {
                                int ix = ox * sw - pw + kx * dw;
                                if (ix < 0 || ix >= w) continue;
                                if (f32) of[dstRow + ix] += cf[srcRow + ox];
                                else ob.setD(dstRow + ix, ob.getD(dstRow + ix) + cb.getD(srcRow + ox));
                            }
                        }
                    }
                }
            }
        });
    }
}
