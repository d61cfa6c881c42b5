package dev.kindling.tensor.cpu

import dev.kindling.tensor.DType
import dev.kindling.tensor.Generator
import dev.kindling.tensor.NDArray
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import java.util.concurrent.atomic.AtomicBoolean
import kotlin.math.abs
import kotlin.math.max

/**
 * Products on the Java arrays themselves (HeapBlas, JNI critical access) against the staged path and
 * against a product summed here in double, for every layout BLAS reads, for the split and the batched
 * paths of Blas.matmul, and while another thread makes the garbage collector run.
 */
class HeapBlasSpec : FunSpec({
    val onLinuxX64 = System.getProperty("os.name").startsWith("Linux") && System.getProperty("os.arch") == "amd64"

    test("the heap GEMM library is built and loaded on Linux x86-64") {
        if (onLinuxX64 && System.getProperty("kindling.heapBlas") == null) {
            HeapBlas.status() shouldBe "on the heap arrays"
            HeapBlas.AVAILABLE shouldBe true
        }
    }

    /** [batch, rows, cols] operands of the layouts BLAS reads without a copy, filled with random values. */
    fun layouts(g: Generator, dtype: DType, batch: Int, rows: Int, cols: Int): Map<String, NDArray> {
        fun rand(vararg shape: Int) = NDArray.rand(g, dtype, *shape)
        return mapOf(
            "contiguous" to rand(batch, rows, cols),
            "offset slice with a wider row" to rand(batch + 1, rows + 3, cols + 5).narrow(0, 1, batch).narrow(1, 2, rows).narrow(2, 3, cols),
            "transposed" to rand(batch, cols, rows).transpose(1, 2),
            "transposed slice" to rand(batch, cols + 2, rows + 4).narrow(1, 1, cols).narrow(2, 4, rows).transpose(1, 2),
            "broadcast over the batch" to rand(1, rows, cols).expand(batch, rows, cols),
        )
    }

    fun reference(a: NDArray, b: NDArray): DoubleArray {
        val (batch, m, k) = a.shape().let { Triple(it[0], it[1], it[2]) }
        val n = b.shape()[2]
        val x = a.contiguous().toDoubleArray()
        val y = b.contiguous().toDoubleArray()
        val out = DoubleArray(batch * m * n)
        for (t in 0 until batch) for (i in 0 until m) for (p in 0 until k) {
            val xv = x[(t * m + i) * k + p]
            for (j in 0 until n) out[(t * m + i) * n + j] += xv * y[(t * k + p) * n + j]
        }
        return out
    }

    fun product(a: NDArray, b: NDArray, onHeap: Boolean): DoubleArray {
        val out = NDArray.zeros(a.dtype(), a.shape()[0], a.shape()[1], b.shape()[2])
        Blas.matmul(a, b, out, onHeap)
        return out.toDoubleArray()
    }

    fun close(got: DoubleArray, want: DoubleArray, tolerance: Double) {
        got.size shouldBe want.size
        for (i in want.indices) {
            if (abs(got[i] - want[i]) > tolerance * max(1.0, abs(want[i]))) {
                throw AssertionError("element $i: got ${got[i]}, want ${want[i]}")
            }
        }
    }

    // Split by rows (m > n) and by columns, with m, k and n apart so that mixing up leading dimensions
    // shows; then three small products run whole; then matrix-vector shapes.
    val sizes = mapOf(
        "split by rows" to intArrayOf(1, 304, 176, 208),
        "split by columns" to intArrayOf(1, 208, 176, 304),
        "batched" to intArrayOf(3, 21, 19, 23),
        "row vector times matrix" to intArrayOf(1, 1, 600, 40),
        "matrix times column vector" to intArrayOf(1, 50, 600, 1),
    )
    for (dtype in listOf(DType.FLOAT32, DType.FLOAT64)) {
        for ((path, size) in sizes) {
            val (batch, m, k, n) = size.toList()
            val g = Generator(7)
            val tolerance = if (dtype == DType.FLOAT32) 1e-5 else 1e-12
            for ((aName, a) in layouts(g, dtype, batch, m, k)) {
                for ((bName, b) in layouts(g, dtype, batch, k, n)) {
                    test("$dtype $path: A $aName, B $bName") {
                        if (!HeapBlas.AVAILABLE) return@test
                        val want = reference(a, b)
                        close(product(a, b, onHeap = true), want, tolerance)
                        close(product(a, b, onHeap = false), want, tolerance)
                    }
                }
            }
        }
    }

    test("a result at an offset in its array is written there and nowhere else") {
        if (!HeapBlas.AVAILABLE) return@test
        val g = Generator(5)
        val a = NDArray.rand(g, DType.FLOAT32, 1, 304, 176)
        val b = NDArray.rand(g, DType.FLOAT32, 1, 176, 208)
        val whole = NDArray.zeros(DType.FLOAT32, 3, 304, 208)
        Blas.matmul(a, b, whole.narrow(0, 1, 1), true)
        close(whole.narrow(0, 1, 1).toDoubleArray(), reference(a, b), 1e-5)
        whole.narrow(0, 0, 1).toDoubleArray().all { it == 0.0 } shouldBe true
        whole.narrow(0, 2, 1).toDoubleArray().all { it == 0.0 } shouldBe true
    }

    test("a call that would reach outside an array is refused before native code runs") {
        val a = FloatArray(4 * 5)
        val b = FloatArray(5 * 6)
        shouldThrow<IllegalStateException> {
            HeapBlas.sgemm(false, false, 4, 6, 5, a, 0, 5, b, 0, 6, FloatArray(4 * 6 - 1), 0, 6)
        }.message shouldContain "C stored as [4, 6] with leading dimension 6 from offset 0 does not fit its array of 23 elements"
        shouldThrow<IllegalStateException> {
            HeapBlas.sgemm(false, true, 4, 6, 5, a, 0, 5, b, 1, 5, FloatArray(4 * 6), 0, 6)
        }.message shouldContain "B stored as [6, 5]"
        shouldThrow<IllegalStateException> {
            HeapBlas.dgemm(true, false, 4, 6, 5, DoubleArray(20), 0, 3, DoubleArray(30), 0, 6, DoubleArray(24), 0, 6)
        }.message shouldContain "A stored as [5, 4] with leading dimension 3"
        shouldThrow<IllegalStateException> {
            HeapBlas.sgemm(false, false, 4, 6, 5, a, -1, 5, b, 0, 6, FloatArray(24), 0, 6)
        }.message shouldContain "from offset -1"
    }

    test("products stay right while another thread keeps the garbage collector busy") {
        if (!HeapBlas.AVAILABLE) return@test
        val g = Generator(11)
        // Large enough to be cut into slabs, each in a critical region of its own on the same arrays.
        val a = NDArray.rand(g, DType.FLOAT32, 1, 304, 176)
        val b = NDArray.rand(g, DType.FLOAT32, 1, 176, 208)
        val want = reference(a, b)
        val stop = AtomicBoolean(false)
        val churn = Thread {
            var keep: Any? = null
            while (!stop.get()) keep = arrayOfNulls<Any>(1 shl 14).also { it[0] = keep.hashCode() }
        }
        churn.start()
        try {
            repeat(100) { close(product(a, b, onHeap = true), want, 1e-5) }
        } finally {
            stop.set(true)
            churn.join()
        }
    }
})
