#include "common.cuh"
// Reduces x over its reduced dims: block (blockIdx.x = e) produces output element e, or with
// gridDim.y > 1 one partial result per slice of the reduced range (a second launch of this kernel
// combines them). Kept and reduced dims are walked with their own strides, so any layout works.
#define OD ${OUTER_DIMS}
#define ID ${INNER_DIMS}
typedef ${IN_T} in_t;
typedef ${ACC_T} acc_t;
typedef ${OUT_T} out_t;

struct Meta {
    int outer, inner, chunk, x_offset, out_offset;
    int outer_sizes[OD], outer_strides[OD];
    int inner_sizes[ID], inner_strides[ID];
};

__device__ __forceinline__ acc_t k_map(in_t v) { return ${MAP}; }
__device__ __forceinline__ acc_t k_combine(acc_t a, acc_t b) { return ${COMBINE}; }

extern "C" __global__ void ${NAME}(const Meta m, const in_t* x, out_t* out, double divisor) {
    __shared__ acc_t warp_results[32];
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = (blockDim.x + 31) >> 5;
    for (int e = blockIdx.x; e < m.outer; e += gridDim.x) {
        int base = m.x_offset, rest = e;
#pragma unroll
        for (int d = OD - 1; d > 0; d--) {
            base += (rest % m.outer_sizes[d]) * m.outer_strides[d];
            rest /= m.outer_sizes[d];
        }
        base += rest * m.outer_strides[0];
        const int from = blockIdx.y * m.chunk, to = min(m.inner, from + m.chunk);
        acc_t acc = ${IDENTITY};
        for (int j = from + threadIdx.x; j < to; j += blockDim.x) {
            int off = base, r = j;
#pragma unroll
            for (int d = ID - 1; d > 0; d--) {
                off += (r % m.inner_sizes[d]) * m.inner_strides[d];
                r /= m.inner_sizes[d];
            }
            off += r * m.inner_strides[0];
            acc = k_combine(acc, k_map(x[off]));
        }
#pragma unroll
        for (int s = 16; s > 0; s >>= 1) acc = k_combine(acc, __shfl_down_sync(0xffffffffu, acc, s));
        if (lane == 0) warp_results[warp] = acc;
        __syncthreads();
        if (warp == 0) {
            acc = lane < warps ? warp_results[lane] : ${IDENTITY};
#pragma unroll
            for (int s = 16; s > 0; s >>= 1) acc = k_combine(acc, __shfl_down_sync(0xffffffffu, acc, s));
            if (lane == 0) out[m.out_offset + e * gridDim.y + blockIdx.y] = ${FINAL};
        }
        __syncthreads();
    }
}
