package dev.kindling.tensor

import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.booleans.shouldBeFalse
import io.kotest.matchers.booleans.shouldBeTrue
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.kotest.matchers.types.shouldBeSameInstanceAs
import io.kotest.property.checkAll
import kotlin.random.Random

class ViewsSpec : FunSpec({
    fun anySample(maxRank: Int = 4, minRank: Int = 0) = gen { sample(shape(maxRank, minRank = minRank), DType.FLOAT32) }

    /** A random shape with the same number of elements as `shape` (regrouping its factors). */
    fun Random.regroup(shape: IntArray): IntArray {
        val n = Ref.numel(shape).toInt()
        if (n == 0) return intArrayOf(0, *IntArray(nextInt(3)) { nextInt(1, 4) }).also { it.shuffle(this) }
        val factors = ArrayList<Int>()
        var m = n
        var p = 2
        while (m > 1) {
            while (m % p == 0) { factors.add(p); m /= p }
            p++
        }
        factors.shuffle(this)
        val out = ArrayList<Int>()
        for (f in factors) if (out.isEmpty() || nextBoolean()) out.add(f) else out[out.size - 1] *= f
        repeat(nextInt(2)) { out.add(nextInt(out.size + 1), 1) }
        return out.toIntArray()
    }

    test("reshape keeps the row-major order of any view, copying only when it must") {
        checkAll(props(80), gen { sample(shape(), DType.FLOAT32).let { it to regroup(it.x.shape()) } }) { (s, to) ->
            val r = s.x.reshape(*to)
            r.shouldMatch(s.ref.reshape(*to), what = "$s.reshape(${to.str()})")
            if (s.x.isContiguous()) r.sharesStorage(s.x).shouldBeTrue()
        }
    }

    test("reshape infers one -1 dim") {
        val x = NDArray.arange(0.0, 24.0, 1.0, DType.FLOAT32)
        x.reshape(2, -1, 4).shape().str() shouldBe "[2, 3, 4]"
        x.reshape(-1).shape().str() shouldBe "[24]"
    }

    test("view of a contiguous array shares storage, and writes through it reach the base") {
        checkAll(props(60), gen { sample(shape(), DType.FLOAT32, depth = 0).let { it to regroup(it.x.shape()) } }) { (s, to) ->
            val v = s.x.view(*to)
            v.sharesStorage(s.x).shouldBeTrue()
            v.shouldMatch(s.ref.reshape(*to))
            if (v.numel() > 0) {
                v.fill_(7.0)
                s.x.shouldMatch(s.ref.map { 7.0 })
            }
        }
    }

    test("view either shares storage with the right values or refuses, for any view chain") {
        checkAll(props(80), gen { sample(shape(), DType.FLOAT64).let { it to regroup(it.x.shape()) } }) { (s, to) ->
            val v = try { s.x.view(*to) } catch (e: IllegalArgumentException) {
                e.message shouldContain "view"
                e.message shouldContain "reshape"
                null
            }
            if (v != null) {
                v.sharesStorage(s.x).shouldBeTrue()
                v.shouldMatch(s.ref.reshape(*to), what = "$s.view(${to.str()})")
            }
        }
    }

    test("view of a transposed matrix is refused; reshape copies and keeps the transposed order") {
        val x = NDArray.arange(0.0, 6.0, 1.0, DType.FLOAT32).reshape(2, 3).t()
        shouldThrow<IllegalArgumentException> { x.view(6) }.message shouldContain "view"
        val r = x.reshape(6)
        r.sharesStorage(x).shouldBeFalse()
        r.toDoubleArray().toList() shouldBe listOf(0.0, 3.0, 1.0, 4.0, 2.0, 5.0)
    }

    test("permute matches the reference") {
        checkAll(props(60), gen { sample(shape(), DType.FLOAT32).let { it to (0 until it.x.dim()).shuffled(this).toIntArray() } }) { (s, dims) ->
            val p = s.x.permute(*dims)
            p.sharesStorage(s.x).shouldBeTrue()
            p.shouldMatch(s.ref.permute(*dims), what = "$s.permute(${dims.str()})")
            // Negative dims name the same permutation.
            s.x.permute(*IntArray(dims.size) { dims[it] - dims.size }).shouldMatch(s.ref.permute(*dims))
        }
    }

    test("transpose swaps two dims, negative dims counting from the end") {
        checkAll(props(60), gen {
            val s = sample(shape(minRank = 1), DType.FLOAT32)
            val r = s.x.dim()
            Triple(s, nextInt(-r, r), nextInt(-r, r))
        }) { (s, a, b) ->
            s.x.transpose(a, b).shouldMatch(s.ref.transpose(a, b), what = "$s.transpose($a, $b)")
        }
    }

    test("expand broadcasts size-1 dims and adds leading dims without copying") {
        checkAll(props(60), gen {
            val target = shape()
            sample(broadcastableTo(target), DType.FLOAT32) to target
        }) { (s, target) ->
            val e = s.x.expand(*target)
            e.sharesStorage(s.x).shouldBeTrue()
            e.shouldMatch(s.ref.expand(*target), what = "$s.expand(${target.str()})")
        }
    }

    test("narrow takes a run along a dim, a negative start counting from the end") {
        checkAll(props(60), gen {
            val s = sample(shape(minRank = 1), DType.FLOAT32)
            val d = nextInt(s.x.dim())
            val n = s.x.size(d)
            val start = nextInt(n + 1)
            val len = nextInt(n - start + 1)
            NarrowCase(s, d, start, len, if (start < n && nextBoolean()) start - n else start)
        }) { (s, d, start, len, given) ->
            s.x.narrow(d, given, len).shouldMatch(s.ref.narrow(d, start, len), what = "$s.narrow($d, $given, $len)")
        }
    }

    test("slice follows Python's x[start:end:step]: negative bounds count from the end and out-of-range bounds clamp") {
        checkAll(props(100), gen {
            val s = sample(shape(minRank = 1, max = 6), DType.FLOAT32)
            val d = nextInt(s.x.dim())
            val n = s.x.size(d)
            SliceCase(s, d, nextInt(-n - 3, n + 4), nextInt(-n - 3, n + 4), nextInt(1, 4))
        }) { (s, d, start, end, step) ->
            s.x.slice(d, start, end, step).shouldMatch(s.ref.slice(d, start, end, step), what = "$s.slice($d, $start, $end, $step)")
        }
    }

    test("slice of [0, 1, ..., 9] with assorted bounds") {
        val x = NDArray.arange(0.0, 10.0, 1.0, DType.INT64)
        x.slice(0, -3, 100, 1).toLongArray().toList() shouldBe listOf(7L, 8L, 9L)
        x.slice(0, 1, -1, 3).toLongArray().toList() shouldBe listOf(1L, 4L, 7L)
        x.slice(0, -100, 3, 2).toLongArray().toList() shouldBe listOf(0L, 2L)
        x.slice(0, 8, 2, 1).numel() shouldBe 0L
    }

    test("select drops a dim, negative indices counting from the end") {
        checkAll(props(60), gen {
            val s = sample(shape(minRank = 1, allowZero = false), DType.FLOAT32)
            val d = nextInt(s.x.dim())
            val n = s.x.size(d)
            Triple(s, d, nextInt(-n, n))
        }) { (s, d, i) ->
            s.x.select(d, i).shouldMatch(s.ref.select(d, i), what = "$s.select($d, $i)")
        }
    }

    test("unfold makes sliding windows as a new last dim") {
        checkAll(props(60), gen {
            val s = sample(shape(minRank = 1, max = 6), DType.FLOAT32)
            val d = nextInt(s.x.dim())
            Triple(s, d, nextInt(s.x.size(d) + 1) to nextInt(1, 4))
        }) { (s, d, sizeStep) ->
            val (size, step) = sizeStep
            s.x.unfold(d, size, step).shouldMatch(s.ref.unfold(d, size, step), what = "$s.unfold($d, $size, $step)")
        }
    }

    test("squeeze drops size-1 dims and unsqueeze adds one at any position") {
        checkAll(props(60), anySample()) { s ->
            val shape = s.x.shape()
            val squeezed = shape.filter { it != 1 }.toIntArray()
            s.x.squeeze().shouldMatch(s.ref.reshape(*squeezed))
            for (d in -shape.size - 1..shape.size) {
                val p = if (d < 0) d + shape.size + 1 else d
                val u = s.x.unsqueeze(d)
                u.shouldMatch(s.ref.reshape(*(shape.toList().subList(0, p) + 1 + shape.toList().subList(p, shape.size)).toIntArray()))
                u.squeeze(d).shape().str() shouldBe shape.str()
            }
            for (d in shape.indices) {
                val expected = if (shape[d] == 1) shape.filterIndexed { i, _ -> i != d }.toIntArray() else shape
                s.x.squeeze(d).shape().str() shouldBe expected.str()
            }
        }
    }

    test("flatten merges a range of dims; flatten of a 0-d array is 1-D") {
        checkAll(props(60), gen {
            val s = sample(shape(minRank = 1), DType.FLOAT32)
            val a = nextInt(s.x.dim())
            Triple(s, a, nextInt(a, s.x.dim()))
        }) { (s, a, b) ->
            val shape = s.x.shape()
            val merged = (a..b).fold(1) { m, i -> m * shape[i] }
            val expected = shape.toList().subList(0, a) + merged + shape.toList().subList(b + 1, shape.size)
            s.x.flatten(a, b).shouldMatch(s.ref.reshape(*expected.toIntArray()))
        }
        NDArray.scalar(5.0, DType.FLOAT32).flatten().shape().str() shouldBe "[1]"
    }

    test("contiguous returns the array itself when already contiguous, else a contiguous copy") {
        checkAll(props(60), anySample()) { s ->
            val c = s.x.contiguous()
            c.isContiguous().shouldBeTrue()
            c.shouldMatch(s.ref)
            if (s.x.isContiguous()) c shouldBeSameInstanceAs s.x else c.sharesStorage(s.x).shouldBeFalse()
        }
    }

    test("fill_ through a narrowed view changes only that part of the base") {
        val base = NDArray.zeros(DType.FLOAT32, 3, 4)
        base.narrow(1, 1, 2).fill_(5.0)
        base.shouldMatch(Ref.build(intArrayOf(3, 4)) { (_, j) -> if (j in 1..2) 5.0 else 0.0 })
    }

    test("writes through a stepped slice, a select and a transpose reach the base") {
        val base = NDArray.zeros(DType.FLOAT64, 4, 5)
        base.slice(1, 0, 5, 2).fill_(1.0)
        base.select(0, -1).fill_(2.0)
        base.t().narrow(0, 4, 1).copy_(NDArray.of(doubleArrayOf(3.0), 1))
        base.shouldMatch(Ref.build(intArrayOf(4, 5)) { (i, j) ->
            when {
                j == 4 -> 3.0
                i == 3 -> 2.0
                j % 2 == 0 -> 1.0
                else -> 0.0
            }
        })
    }

    test("an in-place write through a view bumps the version its base sees") {
        val base = NDArray.zeros(DType.FLOAT32, 2, 2)
        val before = base.storage().version()
        base.select(0, 1).fill_(1.0)
        (base.storage().version() > before).shouldBeTrue()
    }

    test("diagonal is a view of the main diagonal") {
        val x = NDArray.arange(0.0, 12.0, 1.0, DType.FLOAT32).reshape(3, 4)
        x.diagonal().toDoubleArray().toList() shouldBe listOf(0.0, 5.0, 10.0)
        x.t().diagonal().toDoubleArray().toList() shouldBe listOf(0.0, 5.0, 10.0)
        x.diagonal().sharesStorage(x).shouldBeTrue()
    }
})

/** narrow(dim, givenStart, length) of s, where givenStart is start or the same position counted from the end. */
private data class NarrowCase(val s: Sample, val dim: Int, val start: Int, val length: Int, val givenStart: Int)

private data class SliceCase(val s: Sample, val dim: Int, val start: Int, val end: Int, val step: Int)
