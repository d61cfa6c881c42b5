#include "common.cuh"
// maskedSelect in two passes over blocks of 1024 elements: count the selected elements of each
// block, then (with each block's starting position, a prefix sum of the counts) write them in order.
// Within a block a warp ballot ranks each selected element among its warp, and the warps' counts
// are prefix-summed in shared memory.
typedef ${T} T;

extern "C" __global__ void ${NAME}_count(const kbool* mask, int n, int* counts) {
    int i = blockIdx.x * 1024 + threadIdx.x;
    int c = __syncthreads_count(i < n && mask[i]);
    if (threadIdx.x == 0) counts[blockIdx.x] = c;
}

extern "C" __global__ void ${NAME}_write(const T* x, const kbool* mask, int n, const int* starts, T* out) {
    __shared__ int warp_start[32];
    int i = blockIdx.x * 1024 + threadIdx.x;
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    bool take = i < n && mask[i];
    unsigned ballot = __ballot_sync(0xffffffffu, take);
    if (lane == 0) warp_start[warp] = __popc(ballot);
    __syncthreads();
    if (threadIdx.x == 0) {
        int s = 0;
        for (int w = 0; w < 32; w++) { int c = warp_start[w]; warp_start[w] = s; s += c; }
    }
    __syncthreads();
    if (take) out[starts[blockIdx.x] + warp_start[warp] + __popc(ballot & ((1u << lane) - 1u))] = x[i];
}
