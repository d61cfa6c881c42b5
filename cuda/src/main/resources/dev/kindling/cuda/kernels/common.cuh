// Shared by every Kindling kernel. Sources are compiled at run time by NVRTC, so no system headers:
// the few limits and helpers needed are defined here.
typedef unsigned char kbool;            // Kindling's bool storage: one byte, 0 or 1
typedef long long i64;
typedef int i32;

#define K_INF __longlong_as_double(0x7ff0000000000000LL)
#define K_NAN __longlong_as_double(0x7ff8000000000000LL)
#define K_I64_MAX 9223372036854775807LL
#define K_I64_MIN (-K_I64_MAX - 1LL)
#define K_I32_MAX 2147483647
#define K_I32_MIN (-K_I32_MAX - 1)

// float16 and bfloat16 as raw bits (NVRTC gets no headers, so cuda_fp16.h's types are not used). Kernels only
// convert them: widening is exact, narrowing rounds once from double to nearest even, as HalfFloats on the CPU.
// Arithmetic on them goes through float32 kernels (CudaBackend), accumulating in float as cuBLAS/cuDNN do.
__device__ __forceinline__ unsigned short k_narrow16(double v, int mb, int eb) {
    unsigned short sign = signbit(v) ? 0x8000 : 0;
    int expAll = (1 << eb) - 1, bias = expAll >> 1, minExp = 1 - bias;
    if (v != v) return sign | (expAll << mb) | (1 << (mb - 1));
    double a = fabs(v);
    if (a == 0) return sign;
    int ea = ilogb(a);
    int e = ea < minExp ? minExp : ea;                  // below the normal range the quantum stays 2^(minExp - mb)
    if (e > bias) return sign | (expAll << mb);          // beyond the largest binade (inf included)
    long long m = (long long) rint(scalbn(a, mb - e));   // exact scaling, one rounding, ties to even
    if (ea < minExp) return sign | (unsigned short) m;   // subnormal; m == 2^mb encodes the smallest normal
    int biased = e + bias;
    if (m == (2LL << mb)) { m = 1LL << mb; biased++; }
    if (biased >= expAll) return sign | (expAll << mb);
    return sign | (unsigned short) (biased << mb) | (unsigned short) (m - (1LL << mb));
}
struct khalf {
    unsigned short bits;
    __device__ __forceinline__ operator double() const {
        int sign = (bits & 0x8000) << 16, e = (bits >> 10) & 0x1f, m = bits & 0x3ff;
        if (e == 0x1f) return (double) __int_as_float(sign | 0x7f800000 | (m << 13));
        if (e != 0) return (double) __int_as_float(sign | ((e - 15 + 127) << 23) | (m << 13));
        double s = m * 5.9604644775390625e-8;            // m * 2^-24
        return sign ? -s : s;
    }
};
struct kbf16 {
    unsigned short bits;
    __device__ __forceinline__ operator double() const { return (double) __int_as_float(((int) bits) << 16); }
};

// Conversions as the CPU backend's Java casts do them: floating to integer truncates toward zero,
// saturates, and maps NaN to 0; anything to bool tests for non-zero.
template <typename T> __device__ __forceinline__ T from_d(double v);
template <> __device__ __forceinline__ float from_d<float>(double v) { return (float) v; }
template <> __device__ __forceinline__ double from_d<double>(double v) { return v; }
template <> __device__ __forceinline__ i64 from_d<i64>(double v) {
    return v != v ? 0LL : v >= 9.2233720368547758e18 ? K_I64_MAX : v <= -9.2233720368547758e18 ? K_I64_MIN : (i64) v;
}
template <> __device__ __forceinline__ i32 from_d<i32>(double v) {
    return v != v ? 0 : v >= 2147483647.0 ? K_I32_MAX : v <= -2147483648.0 ? K_I32_MIN : (i32) v;
}
template <> __device__ __forceinline__ kbool from_d<kbool>(double v) { return v != 0.0 ? 1 : 0; }
template <> __device__ __forceinline__ khalf from_d<khalf>(double v) { khalf h; h.bits = k_narrow16(v, 10, 5); return h; }
template <> __device__ __forceinline__ kbf16 from_d<kbf16>(double v) { kbf16 h; h.bits = k_narrow16(v, 7, 8); return h; }

template <typename T> __device__ __forceinline__ T from_l(i64 v);
template <> __device__ __forceinline__ float from_l<float>(i64 v) { return (float) v; }
template <> __device__ __forceinline__ double from_l<double>(i64 v) { return (double) v; }
template <> __device__ __forceinline__ i64 from_l<i64>(i64 v) { return v; }
template <> __device__ __forceinline__ i32 from_l<i32>(i64 v) { return (i32) v; }
template <> __device__ __forceinline__ kbool from_l<kbool>(i64 v) { return v != 0 ? 1 : 0; }

// Python's % and torch.remainder: the result takes the divisor's sign.
__device__ __forceinline__ double k_remainder(double a, double b) {
    double r = fmod(a, b);
    return r != 0 && ((r < 0) != (b < 0)) ? r + b : r;
}
__device__ __forceinline__ float k_remainder(float a, float b) {
    float r = fmodf(a, b);
    return r != 0 && ((r < 0) != (b < 0)) ? r + b : r;
}
__device__ __forceinline__ i64 k_remainder(i64 a, i64 b) {
    if (b == 0) return 0;                 // the CPU throws; a kernel cannot
    i64 r = a % b;
    return r != 0 && ((r < 0) != (b < 0)) ? r + b : r;
}
__device__ __forceinline__ i64 k_ipow(i64 a, i64 b) {
    if (b < 0) return 0;                  // the CPU throws; a kernel cannot
    i64 r = 1;
    for (i64 base = a, e = b; e > 0; e >>= 1, base *= base) if (e & 1) r *= base;
    return r;
}
// maximum/minimum propagate NaN, as torch.maximum does.
template <typename T> __device__ __forceinline__ T k_max(T a, T b) { return a != a || b != b ? a + b : (a > b ? a : b); }
template <typename T> __device__ __forceinline__ T k_min(T a, T b) { return a != a || b != b ? a + b : (a < b ? a : b); }
template <typename T> __device__ __forceinline__ T k_sign(T x) { return x > 0 ? (T) 1 : x < 0 ? (T) -1 : x; }
__device__ __forceinline__ float k_sigmoid(float x) {
    if (x >= 0) return 1.0f / (1.0f + expf(-x));
    float e = expf(x);
    return e / (1.0f + e);
}
__device__ __forceinline__ double k_sigmoid(double x) {
    if (x >= 0) return 1.0 / (1.0 + exp(-x));
    double e = exp(x);
    return e / (1.0 + e);
}
// Accumulating stores for scatterAdd and indexAdd, where several threads may hit one element.
__device__ __forceinline__ void k_atomic_add(float* p, float v) { atomicAdd(p, v); }
__device__ __forceinline__ void k_atomic_add(double* p, double v) { atomicAdd(p, v); }
__device__ __forceinline__ void k_atomic_add(i32* p, i32 v) { atomicAdd(p, v); }
__device__ __forceinline__ void k_atomic_add(i64* p, i64 v) {
    atomicAdd((unsigned long long*) p, (unsigned long long) v);   // two's complement: the same bits
}
__device__ __forceinline__ void k_atomic_add(kbool* p, kbool v) { if (v) *p = 1; }   // bool sums saturate: a logical or
