package dev.kindling.tensor

import io.kotest.assertions.withClue
import io.kotest.common.ExperimentalKotest
import io.kotest.matchers.shouldBe
import io.kotest.property.Arb
import io.kotest.property.PropTestConfig
import io.kotest.property.arbitrary.arbitrary
import kotlin.math.abs
import kotlin.random.Random

/**
 * The naive reference the specs compare against: an array is its values in row-major order plus a
 * shape, and every op is written as index arithmetic over that, in double precision. Nothing here
 * knows about strides, so a bug in Kindling's stride bookkeeping cannot hide in the reference too.
 */
class Ref(val shape: IntArray, val v: DoubleArray) {
    init {
        require(v.size.toLong() == numel(shape)) { "Ref: ${v.size} values for shape ${shape.contentToString()}" }
    }

    val rank get() = shape.size
    val numel get() = v.size

    operator fun get(vararg idx: Int): Double = v[flat(shape, idx)]

    fun at(idx: IntArray): Double = v[flat(shape, idx)]

    fun map(f: (Double) -> Double) = Ref(shape.clone(), DoubleArray(numel) { f(v[it]) })

    /** NumPy broadcasting, then f elementwise. */
    fun zip(other: Ref, f: (Double, Double) -> Double): Ref {
        val out = broadcastShape(shape, other.shape) ?: error("Ref.zip: ${shape.str()} and ${other.shape.str()} do not broadcast")
        return build(out) { idx -> f(at(broadcastIndex(idx, shape)), other.at(broadcastIndex(idx, other.shape))) }
    }

    fun reshape(vararg newShape: Int): Ref {
        check(numel(newShape) == numel.toLong())
        return Ref(newShape.clone(), v.clone())
    }

    fun permute(vararg dims: Int): Ref {
        val out = IntArray(rank) { shape[dims[it]] }
        return build(out) { idx ->
            val src = IntArray(rank)
            for (i in dims.indices) src[dims[i]] = idx[i]
            at(src)
        }
    }

    fun transpose(a: Int, b: Int): Ref {
        val dims = IntArray(rank) { it }
        val x = norm(a, rank); val y = norm(b, rank)
        dims[x] = y; dims[y] = x
        return permute(*dims)
    }

    fun narrow(dim: Int, start: Int, length: Int): Ref = take(dim, IntArray(length) { start + it })

    /** Python's {@code x[start:end:step]} along dim, by listing the indices it picks. */
    fun slice(dim: Int, start: Int, end: Int, step: Int): Ref = take(dim, pyRange(shape[norm(dim, rank)], start, end, step))

    /** The entries at the listed positions along dim (an index_select). */
    fun take(dim: Int, positions: IntArray): Ref {
        val d = norm(dim, rank)
        val out = shape.clone().also { it[d] = positions.size }
        return build(out) { idx -> at(idx.clone().also { it[d] = positions[idx[d]] }) }
    }

    fun select(dim: Int, index: Int): Ref {
        val d = norm(dim, rank)
        val i = if (index < 0) index + shape[d] else index
        return take(d, intArrayOf(i)).reshape(*(shape.toList().filterIndexed { k, _ -> k != d }).toIntArray())
    }

    /** Broadcast to a larger shape (-1 keeps a size). */
    fun expand(vararg target: Int): Ref {
        val lead = target.size - rank
        val out = IntArray(target.size) { if (target[it] == -1) shape[it - lead] else target[it] }
        return build(out) { idx -> at(broadcastIndex(idx, shape)) }
    }

    /** torch.unfold: windows of size along dim, spaced by step, as a new last dim. */
    fun unfold(dim: Int, size: Int, step: Int): Ref {
        val d = norm(dim, rank)
        val windows = (shape[d] - size) / step + 1
        val out = shape.clone().also { it[d] = windows } + size
        return build(out) { idx ->
            val src = idx.copyOf(rank)
            src[d] = idx[d] * step + idx[rank]
            at(src)
        }
    }

    /** Applies f to the values of each slice over the reduced dims (all dims when dims is null). */
    fun reduce(dims: IntArray?, keepdim: Boolean, f: (DoubleArray) -> Double): Ref {
        val reduced = BooleanArray(rank) { dims == null || dims.isEmpty() || dims.any { d -> norm(d, rank) == it } }
        val kept = IntArray(rank) { if (reduced[it]) 1 else shape[it] }
        val redShape = IntArray(rank) { if (reduced[it]) shape[it] else 1 }
        val out = build(kept) { idx ->
            val values = ArrayList<Double>()
            forEachIndex(redShape) { r -> values.add(at(IntArray(rank) { if (reduced[it]) r[it] else idx[it] })) }
            f(values.toDoubleArray())
        }
        return if (keepdim) out else out.reshape(*shape.filterIndexed { i, _ -> !reduced[i] }.toIntArray())
    }

    /** Values and first indices of the max (or min) along dim; NaN counts as the extreme. */
    fun argReduce(max: Boolean, dim: Int, keepdim: Boolean): Pair<Ref, Ref> {
        val d = norm(dim, rank)
        val kept = shape.clone().also { it[d] = 1 }
        var values = build(kept) { idx -> at(idx.clone().also { it[d] = firstExtreme(max, idx, d) }) }
        var indices = build(kept) { idx -> firstExtreme(max, idx, d).toDouble() }
        if (!keepdim) {
            val s = shape.filterIndexed { i, _ -> i != d }.toIntArray()
            values = values.reshape(*s); indices = indices.reshape(*s)
        }
        return values to indices
    }

    private fun firstExtreme(max: Boolean, at: IntArray, d: Int): Int {
        var best = 0
        val p = at.clone()
        for (j in 0 until shape[d]) {
            p[d] = j
            val x = at(p)
            if (x.isNaN()) return j
            p[d] = best
            val b = at(p)
            if (if (max) x > b else x < b) best = j
        }
        return best
    }

    /** torch.matmul: 1-D operands gain a dim for the product and lose it after, batch dims broadcast. */
    fun matmul(other: Ref): Ref {
        val a = if (rank == 1) reshape(1, shape[0]) else this
        val b = if (other.rank == 1) other.reshape(other.shape[0], 1) else other
        val m = a.shape[a.rank - 2]; val k = a.shape[a.rank - 1]; val n = b.shape[b.rank - 1]
        check(k == b.shape[b.rank - 2]) { "Ref.matmul: inner sizes differ" }
        val batchA = a.shape.copyOf(a.rank - 2); val batchB = b.shape.copyOf(b.rank - 2)
        val batch = broadcastShape(batchA, batchB)!!
        val nb = batch.size
        val out = build(batch + intArrayOf(m, n)) { idx ->
            val bi = idx.copyOf(nb)
            val ia = broadcastIndex(bi, batchA); val ib = broadcastIndex(bi, batchB)
            var acc = 0.0
            for (p in 0 until k) acc += a.at(ia + intArrayOf(idx[nb], p)) * b.at(ib + intArrayOf(p, idx[nb + 1]))
            acc
        }
        var s = out.shape.toMutableList()
        if (other.rank == 1) s.removeAt(s.size - 1)
        if (rank == 1) s.removeAt(s.size - (if (other.rank == 1) 1 else 2))
        return out.reshape(*s.toIntArray())
    }

    override fun toString() = "Ref(${shape.str()}, ${v.take(8)}${if (numel > 8) "..." else ""})"

    companion object {
        fun numel(shape: IntArray): Long = shape.fold(1L) { a, b -> a * b }

        fun flat(shape: IntArray, idx: IntArray): Int {
            require(idx.size == shape.size) { "index ${idx.contentToString()} for shape ${shape.str()}" }
            var f = 0
            for (d in shape.indices) {
                require(idx[d] in 0 until shape[d]) { "index ${idx.contentToString()} out of shape ${shape.str()}" }
                f = f * shape[d] + idx[d]
            }
            return f
        }

        fun norm(dim: Int, rank: Int) = if (dim < 0) dim + rank else dim

        /** Calls f with every index of shape in row-major order (the array is reused). */
        inline fun forEachIndex(shape: IntArray, f: (IntArray) -> Unit) {
            if (numel(shape) == 0L) return
            val idx = IntArray(shape.size)
            while (true) {
                f(idx)
                var d = shape.size - 1
                while (d >= 0) {
                    if (++idx[d] < shape[d]) break
                    idx[d] = 0
                    d--
                }
                if (d < 0) return
            }
        }

        fun build(shape: IntArray, f: (IntArray) -> Double): Ref {
            val v = DoubleArray(numel(shape).toInt())
            var i = 0
            forEachIndex(shape) { v[i++] = f(it.clone()) }
            return Ref(shape.clone(), v)
        }

        fun broadcastShape(a: IntArray, b: IntArray): IntArray? {
            val n = maxOf(a.size, b.size)
            return IntArray(n) { i ->
                val x = if (i < n - a.size) 1 else a[i - (n - a.size)]
                val y = if (i < n - b.size) 1 else b[i - (n - b.size)]
                if (x != y && x != 1 && y != 1) return null
                if (x == 1) y else x
            }
        }

        /** The index into an operand of shape `of` that broadcasting reads for output index idx. */
        fun broadcastIndex(idx: IntArray, of: IntArray): IntArray {
            val lead = idx.size - of.size
            return IntArray(of.size) { if (of[it] == 1) 0 else idx[it + lead] }
        }

        /** The positions Python's range(n)[start:end:step] picks, for a positive step. */
        fun pyRange(n: Int, start: Int, end: Int, step: Int): IntArray {
            val s = (if (start < 0) start + n else start).coerceIn(0, n)
            val e = (if (end < 0) end + n else end).coerceIn(0, n)
            return (s until e step step).toList().toIntArray()
        }
    }
}

fun IntArray.str(): String = contentToString()

fun NDArray.ref(): Ref = Ref(shape(), toDoubleArray())

fun Ref.nd(dtype: DType = DType.FLOAT64): NDArray = NDArray.of(v, *shape).to(dtype)

/** The reference rounded as a float32 result would be (ops whose double result rounds once to float). */
fun Ref.asFloat32(): Ref = map { it.toFloat().toDouble() }

fun close(actual: Double, expected: Double, rtol: Double, atol: Double): Boolean =
    actual == expected || (actual.isNaN() && expected.isNaN()) || abs(actual - expected) <= atol + rtol * abs(expected)

/** Same shape, and every element within atol + rtol * |expected| (NaN matches NaN). */
fun NDArray.shouldMatch(expected: Ref, rtol: Double = 0.0, atol: Double = 0.0, what: String = "") {
    withClue(what) {
        shape().str() shouldBe expected.shape.str()
        val got = toDoubleArray()
        for (i in got.indices) {
            if (!close(got[i], expected.v[i], rtol, atol)) {
                throw AssertionError("$what: element $i (row-major) of shape ${expected.shape.str()} is ${got[i]}, expected "
                        + "${expected.v[i]} (rtol $rtol, atol $atol)\n  got      ${got.take(12)}\n  expected ${expected.v.take(12)}")
            }
        }
    }
}

// ------------------------------------------------------------------ generators

/** Every property in the suite runs from a fixed seed, so a failure reproduces exactly. */
@OptIn(ExperimentalKotest::class) // PropTestConfig.iterations
fun props(iterations: Int, seed: Long = 20240611L) = PropTestConfig(seed = seed, iterations = iterations)

/** A random size, biased towards the edge cases 0 and 1. */
fun Random.size(max: Int = 4, allowZero: Boolean = true): Int = when (nextInt(10)) {
    0 -> if (allowZero) 0 else 1
    1, 2 -> 1
    else -> nextInt(2, max + 1)
}

fun Random.shape(maxRank: Int = 4, max: Int = 4, allowZero: Boolean = true, minRank: Int = 0): IntArray =
    IntArray(nextInt(minRank, maxRank + 1)) { size(max, allowZero) }

/** Values that are exact in the dtype: small integers for integer types, float-rounded otherwise. */
fun Random.values(n: Int, dtype: DType, lo: Double = -3.0, hi: Double = 3.0): DoubleArray = DoubleArray(n) {
    when (dtype) {
        DType.BOOL -> if (nextBoolean()) 1.0 else 0.0
        DType.INT32, DType.INT64 -> nextInt(lo.toInt(), hi.toInt() + 1).toDouble()
        DType.FLOAT32 -> nextDouble(lo, hi).toFloat().toDouble()
        DType.FLOAT64 -> nextDouble(lo, hi)
        DType.FLOAT16 -> HalfFloats.float16ToFloat(HalfFloats.toFloat16(nextDouble(lo, hi))).toDouble()
        DType.BFLOAT16 -> HalfFloats.bfloat16ToFloat(HalfFloats.toBfloat16(nextDouble(lo, hi))).toDouble()
    }
}

/** An array, the reference holding the same values, and how the array was made (for failure messages). */
class Sample(val x: NDArray, val ref: Ref, val how: String) {
    override fun toString() = "$how -> shape ${x.shape().str()} strides ${x.strides().str()} offset ${x.offset()}"
}

/**
 * An array of the given shape that is, at random, contiguous or a view of a view of a larger array:
 * permuted, sliced with a step, narrowed or expanded (zero strides). The reference applies the same
 * chain of views by index arithmetic to the base's values. A writable sample is never expanded, so
 * each of its elements has its own memory location and in-place ops are well defined.
 */
fun Random.sample(shape: IntArray, dtype: DType, depth: Int = 2, lo: Double = -3.0, hi: Double = 3.0, writable: Boolean = false): Sample {
    val kind = if (depth == 0) 0 else nextInt(if (shape.isEmpty()) 2 else 8).let { if (writable && it == 1) 0 else it }
    when (kind) {
        1 -> { // expand: some dims come from size 1, leading dims may be new
            val drop = nextInt(shape.size + 1)
            val inner = IntArray(shape.size - drop) { i -> if (nextInt(3) == 0) 1 else shape[i + drop] }
            val s = sample(inner, dtype, depth - 1, lo, hi, writable)
            val target = IntArray(shape.size) { i -> if (i >= drop && inner[i - drop] == shape[i] && nextBoolean()) -1 else shape[i] }
            return Sample(s.x.expand(*target), s.ref.expand(*target), "${s.how}.expand(${target.str()})")
        }
        2, 3, 6 -> { // permute
            val dims = (0 until shape.size).shuffled(this).toIntArray()
            val inner = IntArray(shape.size)
            for (i in dims.indices) inner[dims[i]] = shape[i]
            val s = sample(inner, dtype, depth - 1, lo, hi, writable)
            return Sample(s.x.permute(*dims), s.ref.permute(*dims), "${s.how}.permute(${dims.str()})")
        }
        4, 7 -> { // slice with a step; bounds given at random as negative or past the end
            val d = nextInt(shape.size)
            val n = shape[d]
            val step = nextInt(1, 4)
            val start = nextInt(0, 3)
            val end = start + if (n == 0) 0 else (n - 1) * step + 1
            val size = end + nextInt(0, 3)
            val s = sample(shape.clone().also { it[d] = size }, dtype, depth - 1, lo, hi, writable)
            val st = if (nextBoolean()) start - size else start
            val en = when {
                end == size && nextBoolean() -> size + 5
                end < size && nextBoolean() -> end - size
                else -> end
            }
            return Sample(s.x.slice(d, st, en, step), s.ref.slice(d, st, en, step), "${s.how}.slice($d, $st, $en, $step)")
        }
        5 -> { // narrow
            val d = nextInt(shape.size)
            val start = nextInt(0, 3)
            val inner = shape.clone().also { it[d] = start + shape[d] + nextInt(0, 3) }
            val s = sample(inner, dtype, depth - 1, lo, hi, writable)
            return Sample(s.x.narrow(d, start, shape[d]), s.ref.narrow(d, start, shape[d]), "${s.how}.narrow($d, $start, ${shape[d]})")
        }
        else -> {
            val v = values(Ref.numel(shape).toInt(), dtype, lo, hi)
            // Sometimes the array starts at a non-zero offset into its storage.
            val x = if (nextInt(4) == 0) {
                NDArray.of(doubleArrayOf(99.0) + v, v.size + 1).to(dtype).narrow(0, 1, v.size).view(*shape)
            } else {
                NDArray.of(v, *shape).to(dtype)
            }
            return Sample(x, Ref(shape.clone(), v), "of(${shape.str()}, offset ${x.offset()})")
        }
    }
}

/** An Arb from a plain function of a kotlin.random.Random. */
fun <T> gen(f: Random.() -> T): Arb<T> = arbitrary { rs -> rs.random.f() }

/** A shape that broadcasts to target: some dims become 1, some leading dims are dropped. */
fun Random.broadcastableTo(target: IntArray): IntArray {
    val drop = nextInt(target.size + 1)
    return IntArray(target.size - drop) { i -> if (nextInt(3) == 0) 1 else target[i + drop] }
}

val FLOATS = listOf(DType.FLOAT32, DType.FLOAT64)
