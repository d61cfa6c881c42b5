#include "common.cuh"
// One thread per element of an iteration space of NDIM dims (already coalesced on the host) over
// NOPS operands, each with its own strides and offset, so broadcast views (stride 0), transposes
// and slices need no copy. The body reads and writes through o[k], operand k's element offset.
#define NDIM ${NDIM}
#define NOPS ${NOPS}

struct Meta {
    int n;
    int sizes[NDIM];
    int offsets[NOPS];
    int strides[NOPS][NDIM];
};

extern "C" __global__ void ${NAME}(const Meta m${PARAMS}) {
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < m.n; i += gridDim.x * blockDim.x) {
        int o[NOPS];
#pragma unroll
        for (int k = 0; k < NOPS; k++) o[k] = m.offsets[k];
        int rest = i;
#pragma unroll
        for (int d = NDIM - 1; d > 0; d--) {
            int c = rest % m.sizes[d];
            rest /= m.sizes[d];
#pragma unroll
            for (int k = 0; k < NOPS; k++) o[k] += c * m.strides[k][d];
        }
#pragma unroll
        for (int k = 0; k < NOPS; k++) o[k] += rest * m.strides[k][0];
        ${BODY}
    }
}
