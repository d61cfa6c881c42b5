#include "common.cuh"
// im2col and col2im with the CPU backend's layout: rows of the column matrix are (channel, ky, kx),
// columns are output positions (oy, ox). Both are one thread per element written: col2im gathers
// the kernel taps that land on each input element instead of scattering with atomics, so its sums
// are deterministic.
typedef ${T} T;

struct Geometry { int n, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow; };

extern "C" __global__ void ${NAME}_im2col(const Geometry g, const T* x, T* cols) {
    const int plane = g.oh * g.ow, rows = g.c * g.kh * g.kw;
    const int total = g.n * rows * plane;
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < total; i += gridDim.x * blockDim.x) {
        int p = i % plane, row = (i / plane) % rows, img = i / (plane * rows);
        int ox = p % g.ow, oy = p / g.ow;
        int kx = row % g.kw, ky = (row / g.kw) % g.kh, ch = row / (g.kw * g.kh);
        int iy = oy * g.sh - g.ph + ky * g.dh, ix = ox * g.sw - g.pw + kx * g.dw;
        cols[i] = iy >= 0 && iy < g.h && ix >= 0 && ix < g.w ? x[((img * g.c + ch) * g.h + iy) * g.w + ix] : (T) 0;
    }
}

extern "C" __global__ void ${NAME}_col2im(const Geometry g, const T* cols, T* x) {
    const int plane = g.oh * g.ow, rows = g.c * g.kh * g.kw;
    const int total = g.n * g.c * g.h * g.w;
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < total; i += gridDim.x * blockDim.x) {
        int ix = i % g.w, iy = (i / g.w) % g.h, ch = (i / (g.w * g.h)) % g.c, img = i / (g.w * g.h * g.c);
        T sum = 0;
        for (int ky = 0; ky < g.kh; ky++) {
            int ty = iy + g.ph - ky * g.dh;
            if (ty < 0 || ty % g.sh != 0 || ty / g.sh >= g.oh) continue;
            for (int kx = 0; kx < g.kw; kx++) {
                int tx = ix + g.pw - kx * g.dw;
                if (tx < 0 || tx % g.sw != 0 || tx / g.sw >= g.ow) continue;
                int row = (ch * g.kh + ky) * g.kw + kx;
                sum += cols[(img * rows + row) * plane + (ty / g.sh) * g.ow + tx / g.sw];
            }
        }
        x[i] = sum;
    }
}
