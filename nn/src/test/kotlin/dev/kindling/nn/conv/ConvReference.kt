package dev.kindling.nn.conv

import dev.kindling.autograd.Tensor
import dev.kindling.tensor.DType
import io.kotest.assertions.withClue
import io.kotest.matchers.shouldBe
import kotlin.math.abs
import kotlin.math.ceil
import kotlin.math.floor
import kotlin.math.max
import kotlin.math.min

/*
 * Direct implementations for the convolution and pooling specs: plain loops over row-major
 * DoubleArrays, written from the definitions (PyTorch's docs), sharing nothing with the kernels.
 */

/** A row-major array with its shape. */
internal class Grid(val shape: IntArray, val v: DoubleArray = DoubleArray(shape.fold(1) { a, b -> a * b })) {
    private fun at(i: IntArray): Int { var k = 0; for (d in shape.indices) k = k * shape[d] + i[d]; return k }
    operator fun get(vararg i: Int) = v[at(i)]
    operator fun set(vararg i: Int, value: Double) { v[at(i.copyOfRange(0, shape.size))] = value }
    fun add(i: IntArray, value: Double) { v[at(i)] += value }
}

internal fun Tensor.grid() = Grid(shape(), toDoubleArray())

internal fun randnF64(vararg shape: Int): Tensor = Tensor.randn(DType.FLOAT64, *shape)

/** Element-wise closeness with a clue naming where it fails. */
internal fun Tensor.shouldMatchGrid(expected: Grid, tol: Double = 1e-10) {
    withClue("shape") { shape().toList() shouldBe expected.shape.toList() }
    val a = toDoubleArray()
    for (i in a.indices) {
        withClue("element $i of ${expected.shape.toList()}: ${a[i]} vs ${expected.v[i]}") {
            (abs(a[i] - expected.v[i]) <= tol * (1 + abs(expected.v[i]))) shouldBe true
        }
    }
}

internal data class Geo(val sh: Int = 1, val sw: Int = 1, val ph: Int = 0, val pw: Int = 0, val dh: Int = 1, val dw: Int = 1, val groups: Int = 1)

/** y[n, o, oy, ox] = b[o] + sum_{c in o's group, ky, kx} w[o, c, ky, kx] x[n, g cg + c, oy sh - ph + ky dh, ox sw - pw + kx dw]. */
internal fun refConv2d(x: Grid, w: Grid, b: DoubleArray?, g: Geo): Grid {
    val (n, c, h, wd) = x.shape
    val (o, cg, kh, kw) = w.shape
    val oh = (h + 2 * g.ph - g.dh * (kh - 1) - 1) / g.sh + 1
    val ow = (wd + 2 * g.pw - g.dw * (kw - 1) - 1) / g.sw + 1
    val og = o / g.groups
    val y = Grid(intArrayOf(n, o, oh, ow))
    for (img in 0 until n) for (oc in 0 until o) for (oy in 0 until oh) for (ox in 0 until ow) {
        var s = b?.get(oc) ?: 0.0
        val grp = oc / og
        for (ic in 0 until cg) for (ky in 0 until kh) for (kx in 0 until kw) {
            val iy = oy * g.sh - g.ph + ky * g.dh
            val ix = ox * g.sw - g.pw + kx * g.dw
            if (iy in 0 until h && ix in 0 until wd) s += w[oc, ic, ky, kx] * x[img, grp * cg + ic, iy, ix]
        }
        y[img, oc, oy, ox] = s
    }
    check(c == cg * g.groups)
    return y
}

/**
 * The transposed convolution by its definition: every input pixel spreads x * w[ic, oc, ky, kx] onto
 * output (iy sh - ph + ky dh, ix sw - pw + kx dw). Weight [in, out / groups, kh, kw].
 */
internal fun refConvTranspose2d(x: Grid, w: Grid, b: DoubleArray?, g: Geo, oph: Int = 0, opw: Int = 0): Grid {
    val (n, c, h, wd) = x.shape
    val (_, og, kh, kw) = w.shape
    val oh = (h - 1) * g.sh - 2 * g.ph + g.dh * (kh - 1) + oph + 1
    val ow = (wd - 1) * g.sw - 2 * g.pw + g.dw * (kw - 1) + opw + 1
    val cg = c / g.groups
    val y = Grid(intArrayOf(n, og * g.groups, oh, ow))
    for (img in 0 until n) for (oc in 0 until og * g.groups) for (oy in 0 until oh) for (ox in 0 until ow) y[img, oc, oy, ox] = b?.get(oc) ?: 0.0
    for (img in 0 until n) for (ic in 0 until c) for (iy in 0 until h) for (ix in 0 until wd) {
        val grp = ic / cg
        for (oc in 0 until og) for (ky in 0 until kh) for (kx in 0 until kw) {
            val oy = iy * g.sh - g.ph + ky * g.dh
            val ox = ix * g.sw - g.pw + kx * g.dw
            if (oy in 0 until oh && ox in 0 until ow) y.add(intArrayOf(img, grp * og + oc, oy, ox), x[img, ic, iy, ix] * w[ic, oc, ky, kx])
        }
    }
    return y
}

/** PyTorch's pooling_output_shape. */
internal fun refPoolOut(input: Int, k: Int, s: Int, p: Int, d: Int, ceilMode: Boolean): Int {
    val num = (input + 2 * p - d * (k - 1) - 1).toDouble() / s
    var out = (if (ceilMode) ceil(num) else floor(num)).toInt() + 1
    if (ceilMode && (out - 1) * s >= input + p) out--
    return out
}

/** Max pooling by its definition: the largest in-bounds tap of each window and its flat position iy * W + ix (first on ties). */
internal fun refMaxPool2d(x: Grid, kh: Int, kw: Int, sh: Int, sw: Int, ph: Int, pw: Int, dh: Int, dw: Int, ceilMode: Boolean): Pair<Grid, Grid> {
    val (n, c, h, w) = x.shape
    val oh = refPoolOut(h, kh, sh, ph, dh, ceilMode)
    val ow = refPoolOut(w, kw, sw, pw, dw, ceilMode)
    val values = Grid(intArrayOf(n, c, oh, ow))
    val indices = Grid(intArrayOf(n, c, oh, ow))
    for (img in 0 until n) for (ch in 0 until c) for (oy in 0 until oh) for (ox in 0 until ow) {
        var best = Double.NEGATIVE_INFINITY
        var at = -1
        for (ky in 0 until kh) for (kx in 0 until kw) {
            val iy = oy * sh - ph + ky * dh
            val ix = ox * sw - pw + kx * dw
            if (iy in 0 until h && ix in 0 until w && (at < 0 || x[img, ch, iy, ix] > best)) {
                best = x[img, ch, iy, ix]; at = iy * w + ix
            }
        }
        values[img, ch, oy, ox] = best
        indices[img, ch, oy, ox] = at.toDouble()
    }
    return values to indices
}

/** Average pooling as PyTorch's CPU kernel defines it (window clipped to the padded input, then to the input). */
internal fun refAvgPool2d(x: Grid, kh: Int, kw: Int, sh: Int, sw: Int, ph: Int, pw: Int, ceilMode: Boolean, countIncludePad: Boolean, divisor: Int?): Grid {
    val (n, c, h, w) = x.shape
    val oh = refPoolOut(h, kh, sh, ph, 1, ceilMode)
    val ow = refPoolOut(w, kw, sw, pw, 1, ceilMode)
    val y = Grid(intArrayOf(n, c, oh, ow))
    for (img in 0 until n) for (ch in 0 until c) for (oy in 0 until oh) for (ox in 0 until ow) {
        var hs = oy * sh - ph; var ws = ox * sw - pw
        var he = min(hs + kh, h + ph); var we = min(ws + kw, w + pw)
        val poolSize = (he - hs) * (we - ws)
        hs = max(hs, 0); ws = max(ws, 0); he = min(he, h); we = min(we, w)
        var s = 0.0
        for (iy in hs until he) for (ix in ws until we) s += x[img, ch, iy, ix]
        val div = divisor ?: if (countIncludePad) poolSize else (he - hs) * (we - ws)
        y[img, ch, oy, ox] = s / div
    }
    return y
}

internal fun refAdaptiveAvgPool2d(x: Grid, oh: Int, ow: Int): Grid {
    val (n, c, h, w) = x.shape
    val y = Grid(intArrayOf(n, c, oh, ow))
    for (img in 0 until n) for (ch in 0 until c) for (oy in 0 until oh) for (ox in 0 until ow) {
        val hs = floor(oy * h.toDouble() / oh).toInt(); val he = ceil((oy + 1) * h.toDouble() / oh).toInt()
        val ws = floor(ox * w.toDouble() / ow).toInt(); val we = ceil((ox + 1) * w.toDouble() / ow).toInt()
        var s = 0.0
        for (iy in hs until he) for (ix in ws until we) s += x[img, ch, iy, ix]
        y[img, ch, oy, ox] = s / ((he - hs) * (we - ws))
    }
    return y
}

/** Bilinear interpolation, PyTorch's formulas: source position per axis, then the four neighbours weighted by distance. */
internal fun refBilinear(x: Grid, oh: Int, ow: Int, alignCorners: Boolean): Grid {
    val (n, c, h, w) = x.shape
    fun src(o: Int, inSize: Int, outSize: Int): Double =
        if (alignCorners) (if (outSize > 1) o * (inSize - 1).toDouble() / (outSize - 1) else 0.0)
        else max((o + 0.5) * inSize / outSize - 0.5, 0.0)
    val y = Grid(intArrayOf(n, c, oh, ow))
    for (img in 0 until n) for (ch in 0 until c) for (oy in 0 until oh) for (ox in 0 until ow) {
        val sy = src(oy, h, oh); val sx = src(ox, w, ow)
        val y0 = min(sy.toInt(), h - 1); val x0 = min(sx.toInt(), w - 1)
        val y1 = min(y0 + 1, h - 1); val x1 = min(x0 + 1, w - 1)
        val ly = sy - y0; val lx = sx - x0
        y[img, ch, oy, ox] = (1 - ly) * ((1 - lx) * x[img, ch, y0, x0] + lx * x[img, ch, y0, x1]) +
            ly * ((1 - lx) * x[img, ch, y1, x0] + lx * x[img, ch, y1, x1])
    }
    return y
}

/** Nearest neighbour: input floor(o * in / out). */
internal fun refNearest(x: Grid, oh: Int, ow: Int): Grid {
    val (n, c, h, w) = x.shape
    val y = Grid(intArrayOf(n, c, oh, ow))
    for (img in 0 until n) for (ch in 0 until c) for (oy in 0 until oh) for (ox in 0 until ow) {
        y[img, ch, oy, ox] = x[img, ch, min(oy * h / oh, h - 1), min(ox * w / ow, w - 1)]
    }
    return y
}
