package dev.kindling.dsl

/**
 * Reads nested lists and arrays into one flat row-major array and a shape, for [tensor]. The shape is
 * taken from the first element at each depth; every other element must agree, or the error names the
 * path of the first one that does not.
 */
internal object NestedData {
    /** The element kinds, in promotion order: the widest one present picks the dtype. */
    private enum class Kind { BOOL, INT64, FLOAT32, FLOAT64 }

    fun parse(data: Any): Tensor {
        val shape = ArrayList<Int>()
        measure(data, shape)
        val leaves = ArrayList<Any>()
        var kind = Kind.BOOL
        collect(data, "data", 0, shape, leaves) { k -> if (k > kind) kind = k }
        if (leaves.isEmpty()) kind = Kind.FLOAT32
        val dims = shape.toIntArray()
        return when (kind) {
            Kind.BOOL -> Tensor.of(BooleanArray(leaves.size) { leaves[it] as Boolean }, *dims)
            Kind.INT64 -> Tensor.of(LongArray(leaves.size) { asLong(leaves[it]) }, *dims)
            Kind.FLOAT32 -> Tensor.of(FloatArray(leaves.size) { asDouble(leaves[it]).toFloat() }, *dims)
            Kind.FLOAT64 -> Tensor.of(DoubleArray(leaves.size) { asDouble(leaves[it]) }, *dims)
        }
    }

    /** The shape along the first element at each depth. */
    private fun measure(node: Any?, shape: MutableList<Int>) {
        val items = children(node) ?: return
        shape.add(items.size)
        if (items.isNotEmpty()) measure(items[0], shape)
    }

    private fun collect(node: Any?, path: String, depth: Int, shape: List<Int>, out: MutableList<Any>, seen: (Kind) -> Unit) {
        val items = children(node)
        if (depth == shape.size) {
            if (items != null) fail("ragged nested data: $path is a ${describe(node)} where a number was expected (the data is ${shape.size}-d)")
            out.add(leaf(node, path, seen))
            return
        }
        if (items == null) fail("ragged nested data: $path is a ${describe(node)} where a list of ${shape[depth]} was expected")
        if (items.size != shape[depth]) fail("ragged nested data: $path has ${items.size} elements, ${firstSibling(depth)} has ${shape[depth]}")
        for ((i, item) in items.withIndex()) collect(item, "$path[$i]", depth + 1, shape, out, seen)
    }

    /** The path of the first element at the same depth, which set the expected length. */
    private fun firstSibling(depth: Int): String = "data" + "[0]".repeat(depth)

    private fun leaf(value: Any?, path: String, seen: (Kind) -> Unit): Any = when (value) {
        is Boolean -> value.also { seen(Kind.BOOL) }
        is Int, is Long, is Short, is Byte -> value.also { seen(Kind.INT64) }
        is Float -> value.also { seen(Kind.FLOAT32) }
        is Double -> value.also { seen(Kind.FLOAT64) }
        is Tensor -> fail("$path is a Tensor; elements must be numbers or booleans (join tensors with stack or cat)")
        else -> fail("$path is a ${describe(value)}; elements must be numbers or booleans")
    }

    /** The elements of a list or array node, or null for a leaf. */
    private fun children(node: Any?): List<Any?>? = when (node) {
        is List<*> -> node
        is Array<*> -> node.asList()
        is FloatArray -> node.asList()
        is DoubleArray -> node.asList()
        is IntArray -> node.asList()
        is LongArray -> node.asList()
        is BooleanArray -> node.asList()
        else -> null
    }

    private fun asLong(v: Any): Long = if (v is Boolean) (if (v) 1L else 0L) else (v as Number).toLong()

    private fun asDouble(v: Any): Double = if (v is Boolean) (if (v) 1.0 else 0.0) else (v as Number).toDouble()

    private fun describe(v: Any?): String = if (v == null) "null" else v::class.java.simpleName

    private fun fail(message: String): Nothing = throw IllegalArgumentException("tensor: $message")
}
