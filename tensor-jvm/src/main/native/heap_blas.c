/*
 * OpenBLAS's GEMM on the Java arrays themselves, for dev.kindling.tensor.cpu.HeapBlas.
 *
 * JavaCPP copies a whole Java array in and out on every call it is passed to, and staging through
 * off-heap buffers still copies each operand's elements once per product (12-20% of the training
 * steps' products). JNI's critical access hands native code the array's own memory instead: the
 * garbage collector waits (it may not move or free the arrays) until the region ends, which is the
 * length of one product. Nothing else may happen inside a region, so each call enters, runs one
 * GEMM and leaves.
 *
 * The GEMM is reached through the address JavaCPP's loader found for cblas_sgemm or cblas_dgemm in
 * the OpenBLAS library it loaded, so this library links against nothing but libc. HeapBlas.java checks
 * every offset and extent before calling: here they are trusted.
 */
#include <jni.h>
#include <stdint.h>

enum { ROW_MAJOR = 101, NO_TRANS = 111, TRANS = 112 };

typedef void (*sgemm_fn)(int, int, int, int, int, int, float, const float *, int, const float *, int, float,
                         float *, int);
typedef void (*dgemm_fn)(int, int, int, int, int, int, double, const double *, int, const double *, int, double,
                         double *, int);

/* After a failed GetPrimitiveArrayCritical: the JVM may already have thrown; if not, say which array. */
static void out_of_memory(JNIEnv *env, const char *what) {
    if ((*env)->ExceptionCheck(env)) return;
    jclass e = (*env)->FindClass(env, "java/lang/OutOfMemoryError");
    if (e != NULL) (*env)->ThrowNew(env, e, what);
}

/*
 * Whether this JVM hands native code a copy of an array rather than the array itself. The slabs of a split
 * product write one C array from several threads, each releasing its own critical view: copies would each
 * be written back whole, over the other slabs' results. HotSpot under -Xcheck:jni copies and still says it
 * did not (isCopy is false), so the test is two views of one array at once: the array itself is one address.
 */
JNIEXPORT jboolean JNICALL Java_dev_kindling_tensor_cpu_HeapBlas_copiesArrays0(JNIEnv *env, jclass cls, jfloatArray probe) {
    (void) cls;
    jboolean copied = JNI_FALSE;
    void *first = (*env)->GetPrimitiveArrayCritical(env, probe, &copied);
    if (first == NULL) return JNI_TRUE;
    void *second = (*env)->GetPrimitiveArrayCritical(env, probe, NULL);
    if (second != NULL) (*env)->ReleasePrimitiveArrayCritical(env, probe, second, JNI_ABORT);
    (*env)->ReleasePrimitiveArrayCritical(env, probe, first, JNI_ABORT);
    return copied || second != first;
}

/* One product's scalars, and the GEMM that runs it on the arrays' own memory. */
typedef struct {
    jlong fn;
    int transA, transB, m, n, k, aOff, lda, bOff, ldb, cOff, ldc;
} product;

static void run_sgemm(const product *p, void *a, void *b, void *c) {
    ((sgemm_fn) (intptr_t) p->fn)(ROW_MAJOR, p->transA, p->transB, p->m, p->n, p->k, 1.0f, (float *) a + p->aOff, p->lda,
                                  (float *) b + p->bOff, p->ldb, 0.0f, (float *) c + p->cOff, p->ldc);
}

static void run_dgemm(const product *p, void *a, void *b, void *c) {
    ((dgemm_fn) (intptr_t) p->fn)(ROW_MAJOR, p->transA, p->transB, p->m, p->n, p->k, 1.0, (double *) a + p->aOff, p->lda,
                                  (double *) b + p->bOff, p->ldb, 0.0, (double *) c + p->cOff, p->ldc);
}

/*
 * Enters critical regions on C, A and B, runs the product, and leaves them in reverse order: C is written
 * back (mode 0), A and B are only read (JNI_ABORT). Nothing else happens inside the regions.
 */
static void with_arrays(JNIEnv *env, jarray a, jarray b, jarray c, const product *p,
                        void (*run)(const product *, void *, void *, void *)) {
    void *pc = (*env)->GetPrimitiveArrayCritical(env, c, NULL);
    if (pc == NULL) { out_of_memory(env, "heap_blas: no critical access to C"); return; }
    void *pa = (*env)->GetPrimitiveArrayCritical(env, a, NULL);
    void *pb = pa == NULL ? NULL : (*env)->GetPrimitiveArrayCritical(env, b, NULL);
    if (pb != NULL) {
        run(p, pa, pb, pc);
        (*env)->ReleasePrimitiveArrayCritical(env, b, pb, JNI_ABORT);
    }
    if (pa != NULL) (*env)->ReleasePrimitiveArrayCritical(env, a, pa, JNI_ABORT);
    (*env)->ReleasePrimitiveArrayCritical(env, c, pc, 0);
    if (pb == NULL) out_of_memory(env, "heap_blas: no critical access to A or B");
}

/* One entry point for both element types: critical access takes any primitive array, and doubles picks the GEMM. */
JNIEXPORT void JNICALL Java_dev_kindling_tensor_cpu_HeapBlas_gemm0(
        JNIEnv *env, jclass cls, jlong fn, jboolean doubles, jboolean ta, jboolean tb, jint m, jint n, jint k,
        jarray a, jint aOff, jint lda, jarray b, jint bOff, jint ldb, jarray c, jint cOff, jint ldc) {
    (void) cls;
    product p = {fn, ta ? TRANS : NO_TRANS, tb ? TRANS : NO_TRANS, m, n, k, aOff, lda, bOff, ldb, cOff, ldc};
    with_arrays(env, a, b, c, &p, doubles ? run_dgemm : run_sgemm);
}
