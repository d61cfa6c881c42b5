package dev.kindling.dsl

/**
 * What [fit] measured, one row per epoch: `loss` (the mean training loss over the epoch's samples), each
 * metric by its name, `val_loss` and `val_<metric>` when validating, `lr` (the first parameter group's
 * learning rate during the epoch) and anything callbacks added.
 * ```
 * val history = model.fit(...)
 * history["loss"]          // [0.93, 0.41, 0.27]
 * history.last("val_accuracy")
 * ```
 */
class History internal constructor(rows: List<Map<String, Double>>) {
    /** The rows, in epoch order; a shorter list than the epochs asked for when training stopped early. */
    val epochs: List<Map<String, Double>> = rows.map { LinkedHashMap(it) }

    /** Every key that appears in some epoch, in first-seen order. */
    val keys: Set<String> get() = epochs.flatMapTo(LinkedHashSet()) { it.keys }

    /** The number of epochs run. */
    val size: Int get() = epochs.size

    /** The values of [key], one per epoch (NaN where an epoch lacks it). */
    operator fun get(key: String): List<Double> {
        if (key !in keys) throw NoSuchElementException("History: no \"$key\"; it has $keys")
        return epochs.map { it[key] ?: Double.NaN }
    }

    /** The value of [key] in the last epoch. */
    fun last(key: String): Double = get(key).last()

    /** One line per epoch: `epoch 1  loss 0.9312  accuracy 0.7100  ...`. */
    override fun toString(): String = epochs.withIndex().joinToString("\n") { (i, row) ->
        "epoch ${i + 1}" + row.entries.joinToString("") { "  ${it.key} ${"%.4f".format(java.util.Locale.ROOT, it.value)}" }
    }
}
