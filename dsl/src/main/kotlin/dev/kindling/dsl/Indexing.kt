package dev.kindling.dsl

/*
 * NumPy/PyTorch indexing with Kotlin syntax:
 *
 *   x[0], x[-1], x[0, 2]          an Int picks one position and drops its dim (negatives count from the end)
 *   x[0 until 2, all]             a range keeps its dim: rows 0 and 1, every column
 *   x[all, 1..3 step 2]           a stepped range: columns 1 and 3
 *   x[-3..-1]                     negative range ends count from the end: the last three rows
 *   x[slice(1, -1)]               Python's x[1:-1] (start, end exclusive, step; null for "to the end")
 *   x[newAxis, all]               inserts a dim of size 1 (None in Python)
 *   x[ellipsis, 0]                Python's x[..., 0]
 *   x[mask]                       a bool tensor picks the elements (or rows, for a mask of the leading dims) where it is true
 *   x[idx]                        an int64 (or int32) tensor picks positions along one dim; the result takes idx's shape there
 *
 * Ints, ranges, slices, all, newAxis and ellipsis give views that share x's storage; tensor indices copy.
 * All of it is differentiable. A range that is empty as a Kotlin range (`0 until 0`, `3..1`) selects
 * nothing; ranges and slices are clamped to the dim as in Python, and steps must be positive (PyTorch
 * has no negative-step slicing). One tensor index per subscript.
 *
 * Assignment writes in place: `x[0] = 1f`, `x[all, 0 until 2] = other` (broadcast), `x[mask] = 0f`. Like
 * any in-place op it is recorded on computed tensors (gradients flow through the untouched part and into
 * the assigned value) and refused on a leaf that requires grad, unless inside [noGrad].
 */

/** A marker index: [all], [newAxis] or [ellipsis]. */
class IndexMarker private constructor(private val name: String) {
    override fun toString(): String = name

    internal companion object {
        val ALL = IndexMarker("all")
        val NEW_AXIS = IndexMarker("newAxis")
        val ELLIPSIS = IndexMarker("ellipsis")
    }
}

/** Every position of a dim, Python's `:`: `x[all, 0]` is column 0. */
val all: IndexMarker get() = IndexMarker.ALL

/** A new dim of size 1, Python's `None`: `x[newAxis]` turns [3] into [1, 3]. */
val newAxis: IndexMarker get() = IndexMarker.NEW_AXIS

/** As many [all]s as the other indices leave dims, Python's `...`: `x[ellipsis, 0]`. */
val ellipsis: IndexMarker get() = IndexMarker.ELLIPSIS

/** Python's slice `start:end:step`: null start/end mean the ends of the dim, negatives count from the end. */
class Slice(val start: Int?, val end: Int?, val step: Int) {
    override fun toString(): String = "slice(${start ?: ""}:${end ?: ""}:$step)"
}

/** Python's `start:end:step`: `x[slice(1, -1)]` drops the first and last rows, `x[slice(step = 2)]` keeps every other. */
fun slice(start: Int? = null, end: Int? = null, step: Int = 1): Slice = Slice(start, end, step)

/** x[i]: the slice at position [index] of dim 0, which is dropped (negative counts from the end). */
operator fun Tensor.get(index: Int): Tensor = select(0, index)

/** x[i, j]: one position along each of the first two dims. */
operator fun Tensor.get(i: Int, j: Int): Tensor = select(0, i).select(0, j)

/** x[mask] or x[idx]: see the indexing forms above. */
operator fun Tensor.get(index: Tensor): Tensor = TensorIndexing.get(this, arrayOf(index))

/** Any mix of Int (or Long), IntRange/IntProgression, [Slice], [all], [newAxis], [ellipsis] and one Tensor index. */
operator fun Tensor.get(vararg indices: Any): Tensor = TensorIndexing.get(this, indices)

/** Writes [value] (broadcast) into the indexed part of this tensor, in place. */
operator fun Tensor.set(vararg indices: Any, value: Tensor) = TensorIndexing.set(this, indices, value)

/** Fills the indexed part of this tensor with [value], in place. */
operator fun Tensor.set(vararg indices: Any, value: Number) = TensorIndexing.set(this, indices, value)

internal object TensorIndexing {
    fun get(x: Tensor, indices: Array<out Any>): Tensor {
        var t = x
        var d = 0
        var tensorIndices = 0
        for ((position, index) in expand(x, indices).withIndex()) {
            when (index) {
                is Int -> t = t.select(d, index)
                is Long -> t = t.select(d, Math.toIntExact(index))
                is IntProgression -> t = slice(t, d++, index)
                is Slice -> t = slice(t, d++, index)
                IndexMarker.ALL -> d++
                IndexMarker.NEW_AXIS -> t = t.unsqueeze(d++)
                is Tensor -> {
                    if (++tensorIndices > 1) fail(x, indices, "at most one tensor index per subscript is supported; index one dim at a time")
                    val picked = byTensor(t, d, index, x, indices)
                    d += picked.second
                    t = picked.first
                }
                else -> fail(x, indices, "index $position is a ${index::class.java.simpleName}; use Int, IntRange, " +
                    "IntProgression, slice(...), all, newAxis, ellipsis, a bool mask or an int64 tensor")
            }
        }
        return t
    }

    fun set(x: Tensor, indices: Array<out Any>, value: Any) {
        val expanded = expand(x, indices)
        val tensorAt = expanded.indexOfFirst { it is Tensor }
        if (tensorAt < 0) {
            val view = get(x, indices)
            if (value is Tensor) {
                view.copy_(withoutLeadingOnes(value, view.dim()).to(view.device()))
            } else {
                view.fill_((value as Number).toDouble())
            }
            return
        }
        val mask = expanded[tensorAt] as Tensor
        if (mask.dtype() != DType.BOOL) {
            fail(x, indices, "assigning through an ${mask.dtype()} index tensor is not supported; use scatter or indexAdd, " +
                "or a bool mask")
        }
        if (expanded.drop(tensorAt + 1).any { it != IndexMarker.ALL }) {
            fail(x, indices, "assigning through a mask supports only all or ellipsis after the mask")
        }
        val prefix = expanded.subList(0, tensorAt)
        val view = get(x, prefix.toTypedArray())
        // The mask covers the view's dims from d on (d = the dims the prefix kept or added); 1s around it broadcast.
        val d = prefix.count { it !is Int }
        checkMask(view, d, mask, x, indices)
        val full = mask.reshape(*(IntArray(d) { 1 } + mask.shape() + IntArray(view.dim() - d - mask.dim()) { 1 }))
        if (value is Tensor) view.copy_(Tensor.where(full, value, view)) else view.maskedFill_(full, (value as Number).toDouble())
    }

    /** As PyTorch's setitem: leading dims of size 1 that the target lacks are dropped, so `z[0] = tensor(5f)` works. */
    private fun withoutLeadingOnes(value: Tensor, targetDims: Int): Tensor {
        var v = value
        while (v.dim() > targetDims && v.size(0) == 1) v = v.squeeze(0)
        return v
    }

    /** The indices with any ellipsis replaced by the alls it stands for. */
    private fun expand(x: Tensor, indices: Array<out Any>): List<Any> {
        val consumed = indices.sumOf { index ->
            when (index) {
                IndexMarker.NEW_AXIS, IndexMarker.ELLIPSIS -> 0
                is Tensor -> if (index.dtype() == DType.BOOL) index.dim() else 1
                else -> 1
            }
        }
        val ellipses = indices.count { it == IndexMarker.ELLIPSIS }
        if (ellipses > 1) fail(x, indices, "an index can have only one ellipsis")
        if (consumed > x.dim()) fail(x, indices, "too many indices: they address $consumed dims, the tensor has ${x.dim()}")
        if (ellipses == 0) return indices.asList()
        val out = ArrayList<Any>()
        for (index in indices) {
            if (index == IndexMarker.ELLIPSIS) repeat(x.dim() - consumed) { out.add(IndexMarker.ALL) } else out.add(index)
        }
        return out
    }

    private fun slice(t: Tensor, d: Int, range: IntProgression): Tensor {
        if (range.step <= 0) {
            throw IllegalArgumentException("index: the range $range has a negative step; PyTorch has no negative-step slicing, " +
                "use flip or index with a reversed int64 tensor")
        }
        if (range.isEmpty()) return t.slice(d, 0, 0, 1)
        val n = t.size(d)
        val first = if (range.first < 0) range.first + n else range.first
        val last = if (range.last < 0) range.last + n else range.last
        return t.slice(d, first.coerceIn(0, n), (last + 1).coerceIn(0, n), range.step)
    }

    private fun slice(t: Tensor, d: Int, s: Slice): Tensor {
        if (s.step <= 0) throw IllegalArgumentException("index: $s has a non-positive step; PyTorch has no negative-step slicing")
        val n = t.size(d)
        return t.slice(d, s.start ?: 0, s.end ?: n, s.step)
    }

    /** Applies a tensor index at dim [d]; returns the result and how many result dims it produced. */
    private fun byTensor(t: Tensor, d: Int, index: Tensor, x: Tensor, indices: Array<out Any>): Pair<Tensor, Int> {
        val shape = t.shape()
        if (index.dtype() == DType.BOOL) {
            checkMask(t, d, index, x, indices)
            val k = index.dim()
            val flags = index.toBooleanArray()
            val positions = LongArray(flags.count { it })
            var next = 0
            for (i in flags.indices) if (flags[i]) positions[next++] = i.toLong()
            val flat = if (k == 1) t else t.flatten(d, d + k - 1)
            return flat.indexSelect(d, Tensor.of(positions).to(t.device())) to 1
        }
        if (index.dtype() != DType.INT64 && index.dtype() != DType.INT32) {
            fail(x, indices, "an index tensor must be bool (a mask) or int64/int32 (positions), got ${index.dtype()}")
        }
        // indexSelect takes int32 or int64, counts negative positions from the end and names any out of range.
        val idx = index.to(t.device())
        val picked = t.indexSelect(d, idx.reshape(-1))
        val outShape = shape.copyOfRange(0, d) + idx.shape() + shape.copyOfRange(d + 1, shape.size)
        return picked.reshape(*outShape) to idx.dim()
    }

    private fun checkMask(t: Tensor, d: Int, mask: Tensor, x: Tensor, indices: Array<out Any>) {
        val covered = t.shape().copyOfRange(d, minOf(t.dim(), d + mask.dim()))
        if (mask.dim() == 0 || !covered.contentEquals(mask.shape())) {
            fail(x, indices, "the mask's shape ${mask.shape().contentToString()} does not match dims $d.. of " +
                "${t.shape().contentToString()}")
        }
    }

    private fun fail(x: Tensor, indices: Array<out Any>, why: String): Nothing {
        val shown = indices.joinToString(", ") { if (it is Tensor) "Tensor${it.shape().contentToString()}" else it.toString() }
        throw IllegalArgumentException("index: x[$shown] on a tensor of shape ${x.shape().contentToString()}: $why")
    }
}
