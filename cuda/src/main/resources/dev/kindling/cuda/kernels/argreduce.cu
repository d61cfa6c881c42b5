#include "common.cuh"
// max/min along one dim with the index of the first extreme element; NaN counts as the extreme, as
// on the CPU. One block per output element; (value, index) pairs combine by a rule that is
// associative and commutative, so the tree order cannot change which index wins.
#define OD ${OUTER_DIMS}
#define IS_MAX ${IS_MAX}
typedef ${IN_T} in_t;

struct Meta {
    int outer, size, step, x_offset, v_offset, i_offset;
    int outer_sizes[OD], outer_strides[OD];
};

// Should (vb, ib) replace (va, ia)? An index of -1 marks "no element yet".
__device__ __forceinline__ bool k_better(in_t va, int ia, in_t vb, int ib) {
    if (ib < 0) return false;
    if (ia < 0) return true;
    bool an = va != va, bn = vb != vb;
    if (an || bn) return bn && (!an || ib < ia);
    if (vb == va) return ib < ia;
    return IS_MAX ? vb > va : vb < va;
}

extern "C" __global__ void ${NAME}(const Meta m, const in_t* x, in_t* values, i64* indices) {
    __shared__ in_t warp_v[32];
    __shared__ int warp_i[32];
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = (blockDim.x + 31) >> 5;
    for (int e = blockIdx.x; e < m.outer; e += gridDim.x) {
        int base = m.x_offset, rest = e;
#pragma unroll
        for (int d = OD - 1; d > 0; d--) {
            base += (rest % m.outer_sizes[d]) * m.outer_strides[d];
            rest /= m.outer_sizes[d];
        }
        base += rest * m.outer_strides[0];
        in_t best = x[base];
        int best_i = -1;
        for (int j = threadIdx.x; j < m.size; j += blockDim.x) {
            in_t v = x[base + j * m.step];
            if (k_better(best, best_i, v, j)) { best = v; best_i = j; }
        }
#pragma unroll
        for (int s = 16; s > 0; s >>= 1) {
            in_t v = __shfl_down_sync(0xffffffffu, best, s);
            int i = __shfl_down_sync(0xffffffffu, best_i, s);
            if (lane + s < 32 && k_better(best, best_i, v, i)) { best = v; best_i = i; }
        }
        if (lane == 0) { warp_v[warp] = best; warp_i[warp] = best_i; }
        __syncthreads();
        if (warp == 0) {
            best = warp_v[0];
            best_i = lane < warps ? warp_i[lane] : -1;
            if (lane < warps) best = warp_v[lane];
#pragma unroll
            for (int s = 16; s > 0; s >>= 1) {
                in_t v = __shfl_down_sync(0xffffffffu, best, s);
                int i = __shfl_down_sync(0xffffffffu, best_i, s);
                if (lane + s < 32 && k_better(best, best_i, v, i)) { best = v; best_i = i; }
            }
            if (lane == 0) {
                values[m.v_offset + e] = best;
                indices[m.i_offset + e] = best_i;
            }
        }
        __syncthreads();
    }
}
