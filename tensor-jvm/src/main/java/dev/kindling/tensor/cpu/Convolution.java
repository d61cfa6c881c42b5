package dev.kindling.tensor.cpu;

import dev.kindling.tensor.ConvParams;
import dev.kindling.tensor.NDArray;

/**
 * Convolution as GEMM over im2col columns (Chellapilla et al. 2006; Caffe's and PyTorch's CPU path),
 * for float32 and float64. Rows of a column matrix are (channel, ky, kx) and its columns are output
 * positions. Two ways to split the work, chosen by the size of one image's product:
 * <ul>
 * <li><b>Per image, threaded over the batch</b> when that product is too small for {@link ThreadedGemm}
 * to split: each core takes a share of the images, and each image's columns stay in its core's L2
 * cache from im2col through the GEMM (and col2im).</li>
 * <li><b>Slabs of images, one GEMM each</b> when one image's product is large: the columns of a slab
 * of images sit side by side ({@code [C kh kw, images * oh ow]}), {@link ThreadedGemm} splits the GEMM
 * over the threads, and the copies around it are split over images and channels.</li>
 * </ul>
 * docs/convolution.md explains the choices and their measured costs.
 */
final class Convolution {
    /**
     * Most elements one slab's work matrices hold (8 MiB each in float32): scratch memory per thread stays
     * bounded, and a slab still spans enough images for the GEMM to be large. One image always fits.
     */
    static final int SLAB_ELEMENTS = 1 << 21;

    private Convolution() {}

    /** The sizes of one convolution, in the forward sense: x [n, c, h, w] ⋆ w [o, c/groups, kh, kw] -> [n, o, oh, ow]. */
    private static final class Geometry {
        final int n, c, h, w, o, kh, kw, oh, ow, groups;
        final int sh, sw, ph, pw, dh, dw;
        /** Per group: input channels, output channels, column rows (cg kh kw); output positions per image. */
        final int cg, og, ck, l;
        /** Images per slab. */
        final int slab;
        /** Whether to thread over images with one single-threaded GEMM per image and group (see the class comment). */
        final boolean perImage;

        Geometry(int[] xs, int[] ws, int oh, int ow, ConvParams p) {
            n = xs[0];
            c = xs[1];
            h = xs[2];
            w = xs[3];
            o = ws[0];
            kh = ws[2];
            kw = ws[3];
            this.oh = oh;
            this.ow = ow;
            groups = p.groups();
            sh = p.strideH();
            sw = p.strideW();
            ph = p.padH();
            pw = p.padW();
            dh = p.dilationH();
            dw = p.dilationW();
            cg = c / groups;
            og = o / groups;
            ck = cg * kh * kw;
            l = oh * ow;
            // The column matrix (ck rows) and the product or gathered gradient (og rows) both span the slab.
            slab = (int) Math.max(1, Math.min(n, SLAB_ELEMENTS / Math.max(1L, (long) Math.max(ck, og) * l)));
            // A product ThreadedGemm would run on one thread is better threaded over the images.
            perImage = n > 1 && (long) og * ck * l < ThreadedGemm.MIN_SPLIT_MACS;
        }
    }

    // ------------------------------------------------------------------ the three convolution kernels

    /**
     * y = x ⋆ w + b. Per image: columns, one GEMM straight into y, the bias added in place. Per slab:
     * columns, one GEMM, then rows moved into y with the bias added on the way.
     */
    static void conv2d(NDArray x, NDArray w, NDArray bias, ConvParams p, NDArray y) {
        int[] ys = y.shapeRef();
        Geometry g = new Geometry(x.shapeRef(), w.shapeRef(), ys[2], ys[3], p);
        Object xd = CpuBackend.data(x), yd = CpuBackend.data(y), bd = bias == null ? null : CpuBackend.data(bias);
        if (g.perImage) {
            Parallel.forRange(g.n, (long) g.groups * g.og * g.ck * g.l, (from, to) -> {
                Object cols = Scratch.get(x.dtype()).array(0, (long) g.ck * g.l);
                for (int img = (int) from; img < to; img++) {
                    for (int grp = 0; grp < g.groups; grp++) {
                        im2col(xd, x.offset() + (img * g.c + grp * g.cg) * g.h * g.w, 0, g, 1, cols, Layout.slab(1, g.l), false);
                        int at = y.offset() + (img * g.o + grp * g.og) * g.l;
                        Blas.matmul(matrix(w, w.offset() + grp * g.og * g.ck, g.og, g.ck, g.ck, 1), matrix(cols, 0, g.ck, g.l, g.l, 1),
                                matrix(y, at, g.og, g.l, g.l, 1));
                        if (bd != null) {
                            for (int ch = 0; ch < g.og; ch++) Rows.copyPlus(yd, at + ch * g.l, yd, at + ch * g.l, g.l, bd, bias.offset() + grp * g.og + ch);
                        }
                    }
                }
            });
            return;
        }
        Scratch s = Scratch.get(x.dtype());
        Object cols = s.array(0, (long) g.ck * g.slab * g.l), prod = s.array(1, (long) g.og * g.slab * g.l);
        for (int n0 = 0; n0 < g.n; n0 += g.slab) {
            int images = Math.min(g.slab, g.n - n0), ld = images * g.l;
            for (int grp = 0; grp < g.groups; grp++) {
                im2col(xd, x.offset() + (n0 * g.c + grp * g.cg) * g.h * g.w, g.c * g.h * g.w, g, images, cols, Layout.slab(images, g.l), true);
                Blas.matmul(matrix(w, w.offset() + grp * g.og * g.ck, g.og, g.ck, g.ck, 1), matrix(cols, 0, g.ck, ld, ld, 1),
                        matrix(prod, 0, g.og, ld, ld, 1));
                int yBase = y.offset() + (n0 * g.o + grp * g.og) * g.l, bBase = bias == null ? 0 : bias.offset() + grp * g.og;
                Parallel.forRange((long) images * g.og, g.l, (from, to) -> {
                    for (long row = from; row < to; row++) {
                        int img = (int) (row / g.og), ch = (int) (row % g.og);
                        int dst = yBase + img * g.o * g.l + ch * g.l, src = ch * ld + img * g.l;
                        Rows.copyPlus(prod, src, yd, dst, g.l, bd, bBase + ch);
                    }
                });
            }
        }
    }

    /** gx = the adjoint of x -> x ⋆ w applied to gy: per image or slab and group, one GEMM w^T gy, then col2im. */
    static void conv2dBackwardInput(NDArray gy, NDArray w, ConvParams p, NDArray gx) {
        int[] gs = gy.shapeRef();
        Geometry g = new Geometry(gx.shapeRef(), w.shapeRef(), gs[2], gs[3], p);
        Object gxd = CpuBackend.data(gx);
        if (g.perImage) {
            Parallel.forRange(g.n, (long) g.groups * g.og * g.ck * g.l, (from, to) -> {
                Object cols = Scratch.get(gy.dtype()).array(0, (long) g.ck * g.l);
                for (int img = (int) from; img < to; img++) {
                    for (int grp = 0; grp < g.groups; grp++) {
                        NDArray wT = matrix(w, w.offset() + grp * g.og * g.ck, g.ck, g.og, 1, g.ck);
                        NDArray rows = matrix(gy, gy.offset() + (img * g.o + grp * g.og) * g.l, g.og, g.l, g.l, 1);
                        Blas.matmul(wT, rows, matrix(cols, 0, g.ck, g.l, g.l, 1));
                        col2im(cols, Layout.slab(1, g.l), g, 1, gxd, gx.offset() + (img * g.c + grp * g.cg) * g.h * g.w, 0, false);
                    }
                }
            });
            return;
        }
        Scratch s = Scratch.get(gy.dtype());
        Object cols = s.array(0, (long) g.ck * g.slab * g.l);
        for (int n0 = 0; n0 < g.n; n0 += g.slab) {
            int images = Math.min(g.slab, g.n - n0), ld = images * g.l;
            for (int grp = 0; grp < g.groups; grp++) {
                NDArray wT = matrix(w, w.offset() + grp * g.og * g.ck, g.ck, g.og, 1, g.ck);
                Blas.matmul(wT, gradientRows(gy, g, n0, images, grp, s), matrix(cols, 0, g.ck, ld, ld, 1));
                col2im(cols, Layout.slab(images, g.l), g, images, gxd, gx.offset() + (n0 * g.c + grp * g.cg) * g.h * g.w, g.c * g.h * g.w,
                        true);
            }
        }
    }

    /**
     * gw = sum over the batch of gy x-columns^T: per slab and group one GEMM whose inner dim runs over the
     * slab's images. It is computed transposed, gw^T = columns gy^T ([ck, og]): OpenBLAS runs that
     * orientation about 2x faster than gy columns^T when og and ck are small (LeNet: 6 x 25 from a
     * 36864-long inner dim), and the [ck, og] result is tiny to transpose back.
     */
    static void conv2dBackwardWeight(NDArray x, NDArray gy, ConvParams p, NDArray gw) {
        int[] gs = gy.shapeRef(), ws = gw.shapeRef();
        Geometry g = new Geometry(x.shapeRef(), ws, gs[2], gs[3], p);
        Object xd = CpuBackend.data(x), gwd = CpuBackend.data(gw);
        if (g.perImage) {
            // Each share of the images sums into its own gradient, added into gw at the end under a lock.
            int size = g.groups * g.og * g.ck;
            Parallel.forRange(g.n, (long) g.groups * g.og * g.ck * g.l, (from, to) -> {
                Scratch s = Scratch.get(x.dtype());
                Object cols = s.array(0, (long) g.ck * g.l), product = s.array(1, (long) g.ck * g.og), sum = s.array(2, size);
                Rows.zero(sum, 0, size);
                for (int img = (int) from; img < to; img++) {
                    for (int grp = 0; grp < g.groups; grp++) {
                        im2col(xd, x.offset() + (img * g.c + grp * g.cg) * g.h * g.w, 0, g, 1, cols, Layout.slab(1, g.l), false);
                        NDArray rowsT = new NDArray(gy.storage(), new int[]{1, g.l, g.og}, new int[]{0, 1, g.l},
                                gy.offset() + (img * g.o + grp * g.og) * g.l);
                        Blas.matmul(matrix(cols, 0, g.ck, g.l, g.l, 1), rowsT, matrix(product, 0, g.ck, g.og, g.og, 1));
                        Rows.addTransposed(product, g.ck, g.og, sum, grp * g.og * g.ck, true);
                    }
                }
                synchronized (gw) {
                    Rows.add(sum, 0, gwd, gw.offset(), size);
                }
            });
            return;
        }
        Scratch s = Scratch.get(x.dtype());
        Object cols = s.array(0, (long) g.ck * g.slab * g.l), product = s.array(1, (long) g.og * g.ck);
        for (int n0 = 0; n0 < g.n; n0 += g.slab) {
            int images = Math.min(g.slab, g.n - n0), ld = images * g.l;
            for (int grp = 0; grp < g.groups; grp++) {
                im2col(xd, x.offset() + (n0 * g.c + grp * g.cg) * g.h * g.w, g.c * g.h * g.w, g, images, cols, Layout.slab(images, g.l), true);
                NDArray rows = gradientRows(gy, g, n0, images, grp, s);
                NDArray rowsT = new NDArray(rows.storage(), new int[]{1, ld, g.og}, new int[]{0, 1, rows.stridesRef()[1]}, rows.offset());
                Blas.matmul(matrix(cols, 0, g.ck, ld, ld, 1), rowsT, matrix(product, 0, g.ck, g.og, g.og, 1));
                // BLAS overwrites its output, so each slab's product is added (the first copied) into gw, transposed back.
                Rows.addTransposed(product, g.ck, g.og, gwd, gw.offset() + grp * g.og * g.ck, n0 > 0);
            }
        }
    }

    /**
     * The gradient rows of one slab and group as a matrix [og, images * l]: a view of gy itself for a
     * single image, else gathered into scratch (an image's rows are o * l apart in gy).
     */
    private static NDArray gradientRows(NDArray gy, Geometry g, int n0, int images, int grp, Scratch s) {
        int base = gy.offset() + (n0 * g.o + grp * g.og) * g.l, ld = images * g.l;
        if (images == 1) return matrix(gy, base, g.og, g.l, g.l, 1);
        Object gyd = CpuBackend.data(gy), rows = s.array(2, (long) g.og * ld);
        Parallel.forRange((long) images * g.og, g.l, (from, to) -> {
            for (long r = from; r < to; r++) {
                int img = (int) (r / g.og), ch = (int) (r % g.og);
                Rows.copy(gyd, base + img * g.o * g.l + ch * g.l, rows, ch * ld + img * g.l, g.l);
            }
        });
        return matrix(rows, 0, g.og, ld, ld, 1);
    }

    /** A [1, rows, cols] view of a raw array for {@link Blas#matmul}; strides in elements. */
    private static NDArray matrix(Object array, int offset, int rows, int cols, int rowStride, int colStride) {
        return new NDArray(new CpuStorage(array), new int[]{1, rows, cols}, new int[]{0, rowStride, colStride}, offset);
    }

    private static NDArray matrix(NDArray a, int offset, int rows, int cols, int rowStride, int colStride) {
        return new NDArray(a.storage(), new int[]{1, rows, cols}, new int[]{0, rowStride, colStride}, offset);
    }

    // ------------------------------------------------------------------ im2col and col2im over a slab

    /**
     * Where the columns of several images go: entry (row, img, pos) of the column matrix is at
     * {@code base + row * ld + img * imageStride + pos}. A slab puts images side by side
     * (ld = images * l, imageStride = l); the Backend's im2col stacks them ([N, ck, l]: ld = l, imageStride = ck * l).
     */
    private record Layout(int base, int ld, int imageStride) {
        static Layout slab(int images, int l) { return new Layout(0, images * l, l); }
    }

    /**
     * Writes the columns of {@code images} images (cg channels each, from xBase, xImageStride apart) into
     * dst: row (ch, ky, kx), position oy * ow + ox. Padding is written as zeros, so dst needs no clearing.
     * The geometry is copied into locals: the JIT cannot keep fields in registers across the array copies.
     */
    private static void im2col(Object x, int xBase, int xImageStride, Geometry g, int images, Object dst, Layout at, boolean parallel) {
        int[] lo = new int[g.kw], hi = new int[g.kw];
        validRange(g.w, g.ow, g.kw, g.sw, g.pw, g.dw, lo, hi);
        int cg = g.cg, kh = g.kh, kw = g.kw, h = g.h, w = g.w, oh = g.oh, ow = g.ow, sh = g.sh, sw = g.sw, ph = g.ph, pw = g.pw;
        int dh = g.dh, dw = g.dw, base = at.base, ld = at.ld, imageStride = at.imageStride;
        planes(parallel, (long) images * cg, (long) kh * kw * g.l, (from, to) -> {
            for (long plane = from; plane < to; plane++) {
                int img = (int) (plane / cg), ch = (int) (plane % cg);
                int src = xBase + img * xImageStride + ch * h * w;
                for (int ky = 0; ky < kh; ky++) {
                    for (int kx = 0; kx < kw; kx++) {
                        int a = lo[kx], b = hi[kx], shift = src + kx * dw - pw + a * sw;
                        int d = base + ((ch * kh + ky) * kw + kx) * ld + img * imageStride;
                        for (int oy = 0; oy < oh; oy++, d += ow) {
                            int iy = oy * sh - ph + ky * dh;
                            if (iy < 0 || iy >= h || a >= b) {
                                Rows.zero(dst, d, ow);
                                continue;
                            }
                            if (a > 0) Rows.zero(dst, d, a);
                            Rows.gather(x, shift + iy * w, sw, dst, d + a, b - a);
                            if (b < ow) Rows.zero(dst, d + b, ow - b);
                        }
                    }
                }
            }
        });
    }

    /** The adjoint of {@link #im2col}: adds every column entry back onto the input pixel it was read from. */
    private static void col2im(Object cols, Layout at, Geometry g, int images, Object x, int xBase, int xImageStride, boolean parallel) {
        int[] lo = new int[g.kw], hi = new int[g.kw];
        validRange(g.w, g.ow, g.kw, g.sw, g.pw, g.dw, lo, hi);
        int cg = g.cg, kh = g.kh, kw = g.kw, h = g.h, w = g.w, oh = g.oh, ow = g.ow, sh = g.sh, sw = g.sw, ph = g.ph, pw = g.pw;
        int dh = g.dh, dw = g.dw, base = at.base, ld = at.ld, imageStride = at.imageStride;
        planes(parallel, (long) images * cg, (long) kh * kw * g.l, (from, to) -> {
            for (long plane = from; plane < to; plane++) {
                int img = (int) (plane / cg), ch = (int) (plane % cg);
                int dst = xBase + img * xImageStride + ch * h * w;
                for (int ky = 0; ky < kh; ky++) {
                    for (int kx = 0; kx < kw; kx++) {
                        int a = lo[kx], b = hi[kx], shift = dst + kx * dw - pw + a * sw;
                        if (a >= b) continue;
                        int s = base + ((ch * kh + ky) * kw + kx) * ld + img * imageStride + a;
                        for (int oy = 0; oy < oh; oy++, s += ow) {
                            int iy = oy * sh - ph + ky * dh;
                            if (iy >= 0 && iy < h) Rows.scatterAdd(cols, s, x, shift + iy * w, sw, b - a);
                        }
                    }
                }
            }
        });
    }

    /** Runs body over [0, n), split over cores or, inside a task that is already one core's share, on this thread. */
    private static void planes(boolean parallel, long n, long cost, Parallel.Range body) {
        if (parallel) Parallel.forRange(n, cost, body);
        else if (n > 0) body.run(0, n);
    }

    /**
     * For each kernel column kx, the output columns [lo, hi) whose input column ox * stride - pad + kx * dilation
     * lies inside [0, in): the rest read padding.
     */
    private static void validRange(int in, int out, int k, int stride, int pad, int dilation, int[] lo, int[] hi) {
        for (int kx = 0; kx < k; kx++) {
            int shift = kx * dilation - pad; // input column of output column 0
            lo[kx] = shift >= 0 ? 0 : Math.min(out, (-shift + stride - 1) / stride);
            int last = in - 1 - shift;       // the largest ox * stride allowed
            hi[kx] = last < 0 ? 0 : Math.min(out, last / stride + 1);
            if (hi[kx] < lo[kx]) hi[kx] = lo[kx];
        }
    }

    // ------------------------------------------------------------------ the Backend's im2col / col2im ([N, C kh kw, oh ow])

    static void im2col(NDArray x, int kh, int kw, int sh, int sw, int ph, int pw, int dh, int dw, NDArray out) {
        NDArray xc = x.contiguous();
        int[] s = xc.shapeRef();
        Geometry g = perImage(s, kh, kw, sh, sw, ph, pw, dh, dw);
        im2col(CpuBackend.data(xc), xc.offset(), s[1] * s[2] * s[3], g, g.n, CpuBackend.data(out),
                new Layout(out.offset(), g.l, g.ck * g.l), true);
    }

    static void col2im(NDArray cols, int kh, int kw, int sh, int sw, int ph, int pw, int dh, int dw, NDArray out) {
        NDArray cc = cols.contiguous();
        int[] s = out.shapeRef();
        Geometry g = perImage(s, kh, kw, sh, sw, ph, pw, dh, dw);
        col2im(CpuBackend.data(cc), new Layout(cc.offset(), g.l, g.ck * g.l), g, g.n, CpuBackend.data(out), out.offset(),
                s[1] * s[2] * s[3], true);
    }

    /** im2col's geometry as a one-group convolution with a [1, C, kh, kw] kernel. */
    private static Geometry perImage(int[] s, int kh, int kw, int sh, int sw, int ph, int pw, int dh, int dw) {
        int oh = (s[2] + 2 * ph - dh * (kh - 1) - 1) / sh + 1, ow = (s[3] + 2 * pw - dw * (kw - 1) - 1) / sw + 1;
        return new Geometry(s, new int[]{1, s[1], kh, kw}, oh, ow, new ConvParams(sh, sw, ph, pw, dh, dw, 1));
    }
}
