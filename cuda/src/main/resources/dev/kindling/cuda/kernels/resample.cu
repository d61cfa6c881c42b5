#include "common.cuh"
// resample2d: out[p] = A x[p] B^T for every plane p, with A (rows) and B (columns) sparse maps in CSR
// form (tensor-jvm's Resampling): nearest and bilinear interpolation, average and adaptive pooling.
// One thread per output element gathers its few taps, so no atomics are needed; the backward is the
// same kernel with the transposed maps (NDArray passes them), as on the CPU. Sums are in double and
// rounded once, like the CPU backend's float path within float32 bounds.
typedef ${T} T;

struct Resample { int planes, h, w, oh, ow, tapsH, tapsW; };

extern "C" __global__ void ${NAME}_resample(const Resample g, const T* x, const int* taps, const double* weights, T* out) {
    const int* startH = taps;
    const int* indexH = startH + g.oh + 1;
    const int* startW = indexH + g.tapsH;
    const int* indexW = startW + g.ow + 1;
    const double* weightH = weights;
    const double* weightW = weights + g.tapsH;
    const int total = g.planes * g.oh * g.ow;
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < total; i += gridDim.x * blockDim.x) {
        int ox = i % g.ow, oy = (i / g.ow) % g.oh, plane = i / (g.ow * g.oh);
        const T* src = x + (i64) plane * g.h * g.w;
        double acc = 0;
        for (int a = startH[oy]; a < startH[oy + 1]; a++) {
            const T* row = src + (i64) indexH[a] * g.w;
            double sum = 0;
            for (int b = startW[ox]; b < startW[ox + 1]; b++) sum += weightW[b] * (double) row[indexW[b]];
            acc += weightH[a] * sum;
        }
        out[i] = (T) acc;
    }
}
