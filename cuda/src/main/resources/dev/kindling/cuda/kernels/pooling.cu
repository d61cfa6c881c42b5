#include "common.cuh"
// Max pooling with the CPU backend's conventions: one thread per output element, the first maximum
// in row-major window order wins, NaN counts as the maximum, indices are flat positions iy * W + ix
// in the input plane. (PyTorch's own CUDA max_pool2d is a native kernel like this, not cuDNN: cuDNN's
// pooling gives no indices.) The backward scatters with atomicAdd, since windows may overlap.
typedef ${T} T;

struct Pool { int planes, h, w, oh, ow, kh, kw, sh, sw, ph, pw, dh, dw; };

extern "C" __global__ void ${NAME}_max_forward(const Pool g, const T* x, T* values, i64* indices) {
    const int total = g.planes * g.oh * g.ow;
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < total; i += gridDim.x * blockDim.x) {
        int ox = i % g.ow, oy = (i / g.ow) % g.oh, plane = i / (g.ow * g.oh);
        const T* src = x + (i64) plane * g.h * g.w;
        T best = 0;
        int at = -1;
        for (int ky = 0; ky < g.kh; ky++) {
            int iy = oy * g.sh - g.ph + ky * g.dh;
            if (iy < 0 || iy >= g.h) continue;
            for (int kx = 0; kx < g.kw; kx++) {
                int ix = ox * g.sw - g.pw + kx * g.dw;
                if (ix < 0 || ix >= g.w) continue;
                T v = src[iy * g.w + ix];
                if (at < 0 || v > best || (v != v && best == best)) { best = v; at = iy * g.w + ix; }
            }
        }
        values[i] = best;
        indices[i] = at;
    }
}

extern "C" __global__ void ${NAME}_max_backward(const Pool g, const T* gy, const i64* indices, T* gx) {
    const int total = g.planes * g.oh * g.ow;
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < total; i += gridDim.x * blockDim.x) {
        int plane = i / (g.ow * g.oh);
        i64 at = indices[i];
        if (at >= 0) atomicAdd(gx + (i64) plane * g.h * g.w + at, gy[i]);
    }
}
