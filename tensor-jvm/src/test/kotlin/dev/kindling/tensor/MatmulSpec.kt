package dev.kindling.tensor

import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.kotest.property.checkAll
import kotlin.random.Random

class MatmulSpec : FunSpec({
    /**
     * An operand of the given shape laid out at random: contiguous, a transposed matrix (t() or
     * transpose(-1, -2) of a contiguous base), a column-sliced matrix, or any view chain.
     */
    fun Random.operand(shape: IntArray, dtype: DType): Sample {
        val r = shape.size
        return when (if (r < 2) 3 else nextInt(4)) {
            0 -> {
                val swapped = shape.clone().also { it[r - 1] = shape[r - 2]; it[r - 2] = shape[r - 1] }
                val base = sample(swapped, dtype, depth = 0, lo = -1.0, hi = 1.0)
                if (r == 2 && nextBoolean()) Sample(base.x.t(), base.ref.transpose(0, 1), "${base.how}.t()")
                else Sample(base.x.transpose(-1, -2), base.ref.transpose(-1, -2), "${base.how}.transpose(-1, -2)")
            }
            1 -> {
                val wider = shape.clone().also { it[r - 1] = shape[r - 1] + 3 }
                val base = sample(wider, dtype, depth = 0, lo = -1.0, hi = 1.0)
                Sample(base.x.narrow(-1, 2, shape[r - 1]), base.ref.narrow(r - 1, 2, shape[r - 1]), "${base.how}.narrow(-1, 2, ${shape[r - 1]})")
            }
            else -> sample(shape, dtype, lo = -1.0, hi = 1.0)
        }
    }

    /** Shapes for every torch.matmul case: vector and matrix operands, batches that broadcast. */
    fun Random.matmulShapes(large: Boolean): Pair<IntArray, IntArray> {
        fun dim() = if (large) nextInt(17, 41) else size(5)
        val m = dim(); val k = dim(); val n = dim()
        fun batch(): IntArray = IntArray(nextInt(0, 3)) { size(3) }
        return when (nextInt(5)) {
            0 -> intArrayOf(k) to intArrayOf(k)
            1 -> intArrayOf(k) to batch() + intArrayOf(k, n)
            2 -> batch() + intArrayOf(m, k) to intArrayOf(k)
            3 -> intArrayOf(m, k) to intArrayOf(k, n)
            else -> {
                val out = IntArray(nextInt(1, 3)) { size(3) }
                broadcastableTo(out) + intArrayOf(m, k) to broadcastableTo(out) + intArrayOf(k, n)
            }
        }
    }

    fun tolerance(dtype: DType, k: Int) = if (dtype == DType.FLOAT32) 1e-6 * (k + 1) else 1e-13 * (k + 1)

    for (dtype in FLOATS) {
        for (large in listOf(false, true)) {
            val path = if (large) "BLAS" else "Java"
            test("matmul of any torch.matmul shape combination and layout matches the reference ($dtype, $path path)") {
                checkAll(props(if (large) 40 else 120), gen {
                    val (sa, sb) = matmulShapes(large)
                    operand(sa, dtype) to operand(sb, dtype)
                }) { (a, b) ->
                    val k = a.x.shape().last()
                    val tol = tolerance(dtype, k)
                    val r = a.x.matmul(b.x)
                    r.dtype() shouldBe dtype
                    r.shouldMatch(a.ref.matmul(b.ref), rtol = tol, atol = tol, what = "$a @ $b")
                }
            }
        }
    }

    test("1-D @ 1-D is a 0-d dot product") {
        val r = NDArray.of(floatArrayOf(1f, 2f, 3f), 3).matmul(NDArray.of(floatArrayOf(4f, 5f, 6f), 3))
        r.dim() shouldBe 0
        r.item() shouldBe 32.0
    }

    for (dtype in FLOATS) {
        test("64x70 @ 70x33 through BLAS matches the reference for contiguous, transposed and sliced operands ($dtype)") {
            val rnd = Random(3)
            val a = rnd.sample(intArrayOf(64, 70), dtype, depth = 0, lo = -1.0, hi = 1.0)
            val b = rnd.sample(intArrayOf(70, 33), dtype, depth = 0, lo = -1.0, hi = 1.0)
            val expected = a.ref.matmul(b.ref)
            val tol = tolerance(dtype, 70)
            a.x.matmul(b.x).shouldMatch(expected, tol, tol, "contiguous")
            // The same matrices stored transposed, read through t() and transpose(-1, -2).
            val at = a.ref.transpose(0, 1).nd(dtype).t()
            val bt = b.ref.transpose(0, 1).nd(dtype).transpose(-1, -2)
            at.matmul(bt).shouldMatch(expected, tol, tol, "transposed")
            at.matmul(b.x).shouldMatch(expected, tol, tol, "a transposed")
            // Sliced out of larger arrays: a row stride longer than the row, and a stepped column slice.
            val aw = NDArray.zeros(dtype, 64, 80).also { it.narrow(1, 5, 70).copy_(a.x) }.narrow(1, 5, 70)
            val bs = NDArray.zeros(dtype, 70, 66).also { it.slice(1, 0, 66, 2).copy_(b.x) }.slice(1, 0, 66, 2)
            aw.matmul(bs).shouldMatch(expected, tol, tol, "sliced")
            a.x.mm(b.x).shouldMatch(expected, tol, tol, "mm")
        }
    }

    // Large enough for ThreadedGemm to cut C into slabs, one per thread: by rows when C is tall, by
    // columns when it is wide, with sizes that are no multiple of the slab alignment, operands stored
    // transposed or sliced, and batches of small products spread over the threads instead. In a batch of
    // large products the operand the slabs share is staged once when it is broadcast, per product otherwise.
    for (dtype in FLOATS) for ((name, shapes) in listOf(
        "tall, split by rows" to (intArrayOf(700, 150) to intArrayOf(150, 90)),
        "wide, split by columns" to (intArrayOf(40, 300) to intArrayOf(300, 777)),
        "a batch of large products, one b for all" to (intArrayOf(3, 300, 120) to intArrayOf(120, 250)),
        "a batch of large products, a b each" to (intArrayOf(2, 40, 240) to intArrayOf(2, 240, 900)),
        "a batch of small products" to (intArrayOf(64, 20, 30) to intArrayOf(64, 30, 25)),
    )) {
        test("products large enough to be split over threads match the reference: $name ($dtype)") {
            val rnd = Random(6)
            fun operand(shape: IntArray) = rnd.sample(shape, dtype, depth = 0, lo = -1.0, hi = 1.0)
            val a = operand(shapes.first)
            val b = operand(shapes.second)
            val expected = a.ref.matmul(b.ref)
            val tol = tolerance(dtype, shapes.first.last())
            a.x.matmul(b.x).shouldMatch(expected, tol, tol, "contiguous")
            val at = a.ref.transpose(-2, -1).nd(dtype).transpose(-1, -2)
            val bt = b.ref.transpose(-2, -1).nd(dtype).transpose(-1, -2)
            at.matmul(bt).shouldMatch(expected, tol, tol, "both transposed")
            a.x.matmul(bt).shouldMatch(expected, tol, tol, "b transposed")
            // Views whose rows are longer than the matrix and start past the storage's first element, so
            // the rows (or columns) each slab copies are runs with gaps between them.
            fun sliced(shape: IntArray): Sample {
                val r = shape.size
                val wide = operand(shape.copyOf().also { it[r - 1] += 5 })
                return Sample(wide.x.narrow(-1, 3, shape[r - 1]), wide.ref.narrow(r - 1, 3, shape[r - 1]), "sliced")
            }
            val sa = sliced(shapes.first)
            val sb = sliced(shapes.second)
            sa.x.matmul(sb.x).shouldMatch(sa.ref.matmul(sb.ref), tol, tol, "sliced")
            // b as the transpose of a slice: columns at a stride longer than the matrix is tall.
            val rb = shapes.second.size
            val sbt = sliced(shapes.second.copyOf().also { it[rb - 2] = shapes.second[rb - 1]; it[rb - 1] = shapes.second[rb - 2] })
            sa.x.matmul(sbt.x.transpose(-1, -2)).shouldMatch(sa.ref.matmul(sbt.ref.transpose(rb - 2, rb - 1)), tol, tol,
                "sliced, b a transposed slice")
        }
    }

    test("batched matmul with a broadcast batch dim and an expanded operand uses one matrix for every batch") {
        val rnd = Random(4)
        val a = rnd.sample(intArrayOf(3, 1, 20, 30), DType.FLOAT32, depth = 0, lo = -1.0, hi = 1.0)
        val b = rnd.sample(intArrayOf(30, 25), DType.FLOAT32, depth = 0, lo = -1.0, hi = 1.0)
        val bx = b.x.expand(2, 30, 25)
        val tol = tolerance(DType.FLOAT32, 30)
        a.x.matmul(bx).shouldMatch(a.ref.matmul(b.ref.expand(2, 30, 25)), tol, tol)
    }

    test("bmm multiplies matching batches") {
        val rnd = Random(5)
        val a = rnd.sample(intArrayOf(4, 3, 5), DType.FLOAT64, lo = -1.0, hi = 1.0)
        val b = rnd.sample(intArrayOf(4, 5, 2), DType.FLOAT64, lo = -1.0, hi = 1.0)
        a.x.bmm(b.x).shouldMatch(a.ref.matmul(b.ref), 1e-12, 1e-12)
    }

    test("an empty inner dim gives zeros, empty outer dims give an empty result") {
        NDArray.ones(DType.FLOAT32, 2, 0).matmul(NDArray.ones(DType.FLOAT32, 0, 3)).shouldMatch(Ref(intArrayOf(2, 3), DoubleArray(6)))
        NDArray.ones(DType.FLOAT32, 0, 4).matmul(NDArray.ones(DType.FLOAT32, 4, 3)).shape().str() shouldBe "[0, 3]"
    }

    test("a mismatched inner dim is reported with both shapes and both sizes") {
        val e = shouldThrow<IllegalArgumentException> { NDArray.zeros(DType.FLOAT32, 64, 784).matmul(NDArray.zeros(DType.FLOAT32, 128, 10)) }
        e.message shouldContain "matmul: [64, 784] @ [128, 10]: inner sizes 784 and 128 differ"
    }

    test("mm and bmm reject operands of the wrong rank, naming the shapes") {
        shouldThrow<IllegalArgumentException> { NDArray.zeros(DType.FLOAT32, 3).mm(NDArray.zeros(DType.FLOAT32, 3, 2)) }
            .message shouldContain "mm: expects two matrices, got shapes [3] and [3, 2]"
        shouldThrow<IllegalArgumentException> { NDArray.zeros(DType.FLOAT32, 2, 3, 4).bmm(NDArray.zeros(DType.FLOAT32, 3, 4, 5)) }
            .message shouldContain "[2, 3, 4] and [3, 4, 5]"
    }

    test("matmul of 0-d or integer operands is refused") {
        shouldThrow<IllegalArgumentException> { NDArray.scalar(1.0, DType.FLOAT32).matmul(NDArray.zeros(DType.FLOAT32, 2)) }
            .message shouldContain "at least 1 dim"
        shouldThrow<IllegalArgumentException> { NDArray.zeros(DType.INT64, 2, 2).matmul(NDArray.zeros(DType.INT64, 2, 2)) }
            .message shouldContain "floating point"
    }

    test("float32 @ float64 promotes to float64") {
        NDArray.ones(DType.FLOAT32, 2, 2).matmul(NDArray.ones(DType.FLOAT64, 2, 2)).dtype() shouldBe DType.FLOAT64
    }
})
