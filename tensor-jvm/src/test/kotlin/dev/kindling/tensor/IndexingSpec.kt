package dev.kindling.tensor

import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.booleans.shouldBeTrue
import io.kotest.matchers.doubles.plusOrMinus
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.kotest.property.checkAll
import kotlin.random.Random

class IndexingSpec : FunSpec({
    fun longs(shape: IntArray, f: (Int) -> Long) = NDArray.of(LongArray(Ref.numel(shape).toInt(), f), *shape)

    /** An array with a non-empty dim d (other dims may be empty), in any layout. */
    fun Random.withDim(dtype: DType = DType.FLOAT32, writable: Boolean = false): Pair<Sample, Int> {
        val shape = shape(minRank = 1)
        val d = nextInt(shape.size)
        if (shape[d] == 0) shape[d] = 2
        return sample(shape, dtype, writable = writable) to d
    }

    test("indexSelect picks rows along a dim, negative indices counting from the end") {
        checkAll(props(60), gen {
            val (s, d) = withDim()
            val n = s.x.size(d)
            val idx = LongArray(nextInt(0, 5)) { nextLong(-n.toLong(), n.toLong()) }
            Triple(s, d, idx)
        }) { (s, d, idx) ->
            val n = s.x.size(d)
            val positions = IntArray(idx.size) { (if (idx[it] < 0) idx[it] + n else idx[it]).toInt() }
            s.x.indexSelect(d, NDArray.of(idx, idx.size)).shouldMatch(s.ref.take(d, positions), what = "$s.indexSelect($d, ${idx.toList()})")
            // An int32 index works the same.
            s.x.indexSelect(d, NDArray.of(idx, idx.size).to(DType.INT32)).shouldMatch(s.ref.take(d, positions))
        }
    }

    test("index with a 2-D index gives index.shape + shape[1:]") {
        checkAll(props(60), gen {
            val shape = shape(minRank = 1, maxRank = 3).also { if (it[0] == 0) it[0] = 3 }
            val s = sample(shape, DType.FLOAT64)
            val ishape = intArrayOf(size(3), size(3))
            val n = shape[0].toLong()
            s to longs(ishape) { nextLong(-n, n) }
        }) { (s, idx) ->
            val iv = idx.toLongArray()
            val n = s.x.size(0)
            val rest = s.x.shape().drop(1)
            val expected = Ref.build(idx.shape() + rest) { at ->
                val row = iv[at[0] * idx.size(1) + at[1]].let { if (it < 0) it + n else it }.toInt()
                s.ref.at(intArrayOf(row) + at.copyOfRange(2, at.size))
            }
            s.x.index(idx).shouldMatch(expected, what = "$s[${iv.toList()}]")
        }
    }

    /** An index for gather/scatter along d: same rank, sizes within the target's, entries in range. */
    fun Random.gatherIndex(target: IntArray, d: Int, unique: Boolean): NDArray {
        val shape = IntArray(target.size) { i -> if (i == d) nextInt(0, target[d] + 1) else nextInt(0, target[i] + 1) }
        if (!unique) return longs(shape) { nextLong(0, target[d].toLong()) }
        // Distinct entries along d, so a plain scatter has no write order to depend on.
        val v = LongArray(Ref.numel(shape).toInt())
        val lines = shape.clone().also { it[d] = 1 }
        Ref.forEachIndex(lines) { at ->
            val perm = (0 until target[d]).shuffled(this)
            for (j in 0 until shape[d]) v[Ref.flat(shape, at.clone().also { it[d] = j })] = perm[j].toLong()
        }
        return NDArray.of(v, *shape)
    }

    test("gather reads x at the index along dim: out[i][j] = x[i][index[i][j]]") {
        checkAll(props(60), gen {
            val (s, d) = withDim()
            Triple(s, d, gatherIndex(s.x.shape(), d, unique = false))
        }) { (s, d, index) ->
            val iv = index.ref()
            val expected = Ref.build(index.shape()) { at -> s.ref.at(at.clone().also { it[d] = iv.at(at).toInt() }) }
            s.x.gather(d, index).shouldMatch(expected, what = "$s.gather($d, ${index.shape().str()})")
        }
    }

    for (accumulate in listOf(false, true)) {
        test(if (accumulate) "scatter with accumulate adds every source element, duplicates included" else "scatter writes the source at distinct indices") {
            checkAll(props(60), gen {
                val (t, d) = withDim(DType.FLOAT64, writable = true)
                val index = gatherIndex(t.x.shape(), d, unique = !accumulate)
                val src = sample(IntArray(index.dim()) { index.size(it) + nextInt(2) }, DType.FLOAT64)
                ScatterCase(t, d, index, src)
            }) { (t, d, index, src) ->
                val v = t.ref.v.clone()
                val iv = index.ref()
                Ref.forEachIndex(index.shape()) { at ->
                    val dst = Ref.flat(t.ref.shape, at.clone().also { it[d] = iv.at(at).toInt() })
                    v[dst] = (if (accumulate) v[dst] else 0.0) + src.ref.at(at)
                }
                val expected = Ref(t.ref.shape, v)
                t.x.scatter(d, index, src.x, accumulate).shouldMatch(expected, atol = 1e-12, what = "$t.scatter($d, $index, $src, $accumulate)")
                // The in-place form writes into the target itself, even when it is a view.
                t.x.scatter_(d, index, src.x, accumulate)
                t.x.shouldMatch(expected, atol = 1e-12)
            }
        }
    }

    test("scatter with accumulate sums duplicate indices") {
        val target = NDArray.zeros(DType.FLOAT32, 4)
        target.scatter(0, NDArray.of(longArrayOf(1, 1, 3, 1), 4), NDArray.of(floatArrayOf(1f, 2f, 3f, 4f), 4), true)
            .toDoubleArray().toList() shouldBe listOf(0.0, 7.0, 0.0, 3.0)
        target.toDoubleArray().toList() shouldBe listOf(0.0, 0.0, 0.0, 0.0)
    }

    test("indexAdd_ on float32 rows (an embedding's backward) adds each source row at its index, duplicates and negatives too") {
        val target = NDArray.of(FloatArray(12) { it.toFloat() }, 4, 3)
        val src = NDArray.of(FloatArray(9) { 10f * (it + 1) }, 3, 3)
        target.indexAdd_(0, NDArray.of(longArrayOf(1, -1, 1), 3), src)
        target.toFloatArray().toList() shouldBe listOf(0f, 1f, 2f, 3f + 10 + 70, 4f + 20 + 80, 5f + 30 + 90, 6f, 7f, 8f, 9f + 40, 10f + 50, 11f + 60)
    }

    test("indexAdd_ adds source slices into the indexed rows, duplicates accumulating") {
        checkAll(props(60), gen {
            val (t, d) = withDim(DType.FLOAT64, writable = true)
            val n = t.x.size(d).toLong()
            val idx = LongArray(nextInt(0, 5)) { nextLong(0, n) }
            val src = sample(t.x.shape().also { it[d] = idx.size }, DType.FLOAT64)
            IndexAddCase(t, d, idx, src)
        }) { (t, d, idx, src) ->
            val v = t.ref.v.clone()
            Ref.forEachIndex(src.ref.shape) { at ->
                v[Ref.flat(t.ref.shape, at.clone().also { it[d] = idx[at[d]].toInt() })] += src.ref.at(at)
            }
            t.x.indexAdd_(d, NDArray.of(idx, idx.size), src.x)
            t.x.shouldMatch(Ref(t.ref.shape, v), atol = 1e-12, what = "$t.indexAdd_($d, ${idx.toList()}, $src)")
        }
    }

    /** x and a bool mask that broadcasts to x's shape. */
    fun maskCase() = gen {
        val x = sample(shape(), DType.FLOAT32, writable = true)
        val mask = sample(broadcastableTo(x.x.shape()), DType.BOOL)
        x to mask
    }

    test("maskedFill sets the masked elements, the mask broadcasting to the array's shape") {
        checkAll(props(60), maskCase()) { (x, mask) ->
            val expected = x.ref.zip(mask.ref) { v, m -> if (m != 0.0) -7.0 else v }
            x.x.maskedFill(mask.x, -7.0).shouldMatch(expected, what = "$x.maskedFill($mask)")
            x.x.shouldMatch(x.ref) // the out-of-place form left x alone
            x.x.maskedFill_(mask.x, -7.0)
            x.x.shouldMatch(expected)
        }
    }

    test("maskedSelect gives the masked elements in row-major order of the broadcast shape") {
        checkAll(props(60), maskCase()) { (x, mask) ->
            val b = x.ref.zip(mask.ref) { _, _ -> 0.0 }.shape
            val xs = x.ref.expand(*b).v
            val ms = mask.ref.expand(*b).v
            val selected = xs.filterIndexed { i, _ -> ms[i] != 0.0 }.toDoubleArray()
            x.x.maskedSelect(mask.x).shouldMatch(Ref(intArrayOf(selected.size), selected))
        }
    }

    test("where picks from a or b by the condition, all three broadcasting") {
        checkAll(props(60), gen {
            val out = shape()
            Triple(sample(broadcastableTo(out), DType.BOOL), sample(broadcastableTo(out), DType.FLOAT32), sample(broadcastableTo(out), DType.FLOAT64))
        }) { (c, a, b) ->
            val expected = Ref.build(Ref.broadcastShape(c.ref.shape, Ref.broadcastShape(a.ref.shape, b.ref.shape)!!)!!) { at ->
                if (c.ref.at(Ref.broadcastIndex(at, c.ref.shape)) != 0.0) a.ref.at(Ref.broadcastIndex(at, a.ref.shape))
                else b.ref.at(Ref.broadcastIndex(at, b.ref.shape))
            }
            val r = NDArray.where(c.x, a.x, b.x)
            // float32 with float64 is float64, unless the float64 operand is 0-d (PyTorch's scalar rule).
            val float32 = b.x.dim() == 0 && a.x.dim() > 0
            r.dtype() shouldBe if (float32) DType.FLOAT32 else DType.FLOAT64
            r.shouldMatch(if (float32) expected.asFloat32() else expected, what = "where($c, $a, $b)")
        }
    }

    test("cat joins along an existing dim, promoting dtypes") {
        checkAll(props(60), gen {
            val shape = shape(minRank = 1)
            val d = nextInt(shape.size)
            val parts = List(nextInt(1, 4)) {
                sample(shape.clone().also { it[d] = size(3) }, if (nextInt(4) == 0) DType.INT32 else DType.FLOAT32)
            }
            Triple(parts, d, if (nextBoolean()) d - shape.size else d)
        }) { (parts, d, given) ->
            val sizes = parts.map { it.x.size(d) }
            val out = parts[0].x.shape().also { it[d] = sizes.sum() }
            val expected = Ref.build(out) { at ->
                var k = 0
                var i = at[d]
                while (i >= sizes[k]) { i -= sizes[k]; k++ }
                parts[k].ref.at(at.clone().also { it[d] = i })
            }
            val r = NDArray.cat(parts.map { it.x }, given)
            r.dtype() shouldBe (if (parts.all { it.x.dtype() == DType.INT32 }) DType.INT32 else DType.FLOAT32)
            r.shouldMatch(expected, what = "cat(${parts}, $given)")
        }
    }

    test("stack joins same-shaped arrays along a new dim") {
        checkAll(props(40), gen {
            val shape = shape()
            val parts = List(nextInt(1, 4)) { sample(shape, DType.FLOAT32) }
            parts to nextInt(0, shape.size + 1)
        }) { (parts, d) ->
            val expected = Ref.build(parts[0].x.shape().toMutableList().also { it.add(d, parts.size) }.toIntArray()) { at ->
                parts[at[d]].ref.at((at.toList().subList(0, d) + at.toList().subList(d + 1, at.size)).toIntArray())
            }
            NDArray.stack(parts.map { it.x }, d).shouldMatch(expected, what = "stack($parts, $d)")
        }
    }

    test("split by size, split by sizes and chunk give views that tile the dim") {
        checkAll(props(60), gen {
            val (s, d) = withDim()
            Triple(s, d, nextInt(1, 5))
        }) { (s, d, k) ->
            val n = s.x.size(d)
            val bySize = s.x.split(k, d)
            bySize.size shouldBe maxOf(1, (n + k - 1) / k)
            bySize.forEachIndexed { i, p ->
                p.sharesStorage(s.x).shouldBeTrue()
                p.shouldMatch(s.ref.narrow(d, i * k, minOf(k, n - i * k)))
            }
            val sizes = IntArray(k) { n / k }.also { it[0] += n % k }
            s.x.split(sizes, d).forEachIndexed { i, p -> p.shouldMatch(s.ref.narrow(d, sizes.take(i).sum(), sizes[i])) }
            val chunks = s.x.chunk(k, d)
            val c = (n + k - 1) / k
            chunks.size shouldBe (n + c - 1) / c
            chunks.forEachIndexed { i, p -> p.shouldMatch(s.ref.narrow(d, i * c, minOf(c, n - i * c))) }
        }
    }

    test("chunk of [0..5) into 3 gives sizes 2, 2, 1 and of [0..6) into 4 gives 2, 2, 2") {
        NDArray.arange(0.0, 5.0, 1.0, DType.INT64).chunk(3, 0).map { it.numel() } shouldBe listOf(2L, 2L, 1L)
        NDArray.arange(0.0, 6.0, 1.0, DType.INT64).chunk(4, 0).map { it.numel() } shouldBe listOf(2L, 2L, 2L)
    }

    test("chunk of an empty dim gives that many empty chunks, as in PyTorch") {
        NDArray.zeros(DType.FLOAT32, 0, 2).chunk(3, 0).map { it.shape().str() } shouldBe listOf("[0, 2]", "[0, 2]", "[0, 2]")
    }

    test("split with sizes that do not add up names them and the dim size") {
        shouldThrow<IllegalArgumentException> { NDArray.zeros(DType.FLOAT32, 5).split(intArrayOf(2, 2), 0) }
            .message shouldContain "[2, 2] add up to 4 but dim 0 has size 5"
    }

    test("pad adds constant borders and crops with negative pads, starting from the last dim") {
        checkAll(props(80), gen {
            val s = sample(shape(minRank = 1, maxRank = 3), DType.FLOAT32)
            val dims = nextInt(1, s.x.dim() + 1)
            val pads = IntArray(2 * dims)
            for (i in 0 until dims) {
                val n = s.x.size(s.x.dim() - 1 - i)
                pads[2 * i] = nextInt(-minOf(n, 2), 3)
                pads[2 * i + 1] = nextInt(-minOf(n + pads[2 * i].coerceAtMost(0), 2), 3)
            }
            s to pads
        }) { (s, pads) ->
            val shape = s.x.shape()
            val before = IntArray(shape.size)
            val out = shape.clone()
            for (i in 0 until pads.size / 2) {
                val d = shape.size - 1 - i
                before[d] = pads[2 * i]
                out[d] = shape[d] + pads[2 * i] + pads[2 * i + 1]
            }
            val expected = Ref.build(out) { at ->
                val src = IntArray(at.size) { at[it] - before[it] }
                if (src.indices.all { src[it] in 0 until shape[it] }) s.ref.at(src) else 0.5
            }
            s.x.pad(pads, 0.5).shouldMatch(expected, what = "$s.pad(${pads.str()})")
        }
    }

    /** im2col written as the textbook loop nest. */
    fun im2colRef(x: Ref, kh: Int, kw: Int, sh: Int, sw: Int, ph: Int, pw: Int, dh: Int, dw: Int): Ref {
        val (n, c, h, w) = x.shape
        val oh = (h + 2 * ph - dh * (kh - 1) - 1) / sh + 1
        val ow = (w + 2 * pw - dw * (kw - 1) - 1) / sw + 1
        val out = DoubleArray(n * c * kh * kw * oh * ow)
        for (img in 0 until n) for (ch in 0 until c) for (ky in 0 until kh) for (kx in 0 until kw)
            for (oy in 0 until oh) for (ox in 0 until ow) {
                val iy = oy * sh - ph + ky * dh
                val ix = ox * sw - pw + kx * dw
                val row = (ch * kh + ky) * kw + kx
                if (iy in 0 until h && ix in 0 until w) out[(img * c * kh * kw + row) * oh * ow + oy * ow + ox] = x[img, ch, iy, ix]
            }
        return Ref(intArrayOf(n, c * kh * kw, oh * ow), out)
    }

    class Conv(val kh: Int, val kw: Int, val sh: Int, val sw: Int, val ph: Int, val pw: Int, val dh: Int, val dw: Int) {
        override fun toString() = "kernel ${kh}x$kw stride ${sh}x$sw padding ${ph}x$pw dilation ${dh}x$dw"
    }

    fun convCase() = gen {
        val conv = Conv(nextInt(1, 4), nextInt(1, 4), nextInt(1, 3), nextInt(1, 3), nextInt(0, 2), nextInt(0, 2), nextInt(1, 3), nextInt(1, 3))
        val h = maxOf(1, (conv.kh - 1) * conv.dh + 1 - 2 * conv.ph) + nextInt(0, 4)
        val w = maxOf(1, (conv.kw - 1) * conv.dw + 1 - 2 * conv.pw) + nextInt(0, 4)
        sample(intArrayOf(nextInt(1, 3), nextInt(1, 3), h, w), if (nextBoolean()) DType.FLOAT32 else DType.FLOAT64) to conv
    }

    test("im2col matches the textbook loop nest for any stride, padding and dilation") {
        checkAll(props(80), convCase()) { (s, k) ->
            s.x.im2col(k.kh, k.kw, k.sh, k.sw, k.ph, k.pw, k.dh, k.dw)
                .shouldMatch(im2colRef(s.ref, k.kh, k.kw, k.sh, k.sw, k.ph, k.pw, k.dh, k.dw), what = "$s.im2col($k)")
        }
    }

    test("col2im is the adjoint of im2col: <im2col(x), y> == <x, col2im(y)>") {
        checkAll(props(80), convCase()) { (s, k) ->
            val (_, c, h, w) = s.x.shape()
            val cols = s.x.to(DType.FLOAT64).im2col(k.kh, k.kw, k.sh, k.sw, k.ph, k.pw, k.dh, k.dw)
            val y = Random(cols.numel()).sample(cols.shape(), DType.FLOAT64, depth = 0)
            val back = y.x.col2im(c, h, w, k.kh, k.kw, k.sh, k.sw, k.ph, k.pw, k.dh, k.dw)
            back.shape().str() shouldBe s.x.shape().str()
            val lhs = cols.toDoubleArray().zip(y.ref.v.toList()).sumOf { (a, b) -> a * b }
            val rhs = s.ref.v.zip(back.toDoubleArray().toList()).sumOf { (a, b) -> a * b }
            lhs shouldBe (rhs plusOrMinus 1e-9 * (1 + kotlin.math.abs(rhs)))
        }
    }

    test("a kernel larger than the padded input is refused with the sizes") {
        shouldThrow<IllegalArgumentException> { NDArray.zeros(DType.FLOAT32, 1, 1, 2, 2).im2col(3, 3, 1, 1, 0, 0, 1, 1) }
            .message shouldContain "kernel span 3"
    }
})

private data class ScatterCase(val target: Sample, val dim: Int, val index: NDArray, val src: Sample)

private data class IndexAddCase(val target: Sample, val dim: Int, val index: LongArray, val src: Sample) {
    override fun toString() = "target $target, dim $dim, index ${index.toList()}, src $src"
}
