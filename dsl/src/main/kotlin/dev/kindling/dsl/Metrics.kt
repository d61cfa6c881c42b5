package dev.kindling.dsl

/**
 * A quantity accumulated over the batches of an epoch, for [fit] and [evaluate]: reset at the start of
 * each pass, updated with every batch's outputs and targets (detached, under no-grad), read at the end.
 * Its [name] keys the history (`accuracy`, and `val_accuracy` for the validation pass).
 */
interface Metric {
    val name: String

    fun reset()

    fun update(output: Tensor, target: Tensor)

    /** The value over the batches seen since [reset] (NaN before any). */
    fun compute(): Double
}

/**
 * The fraction of correct predictions. For class scores [N, C] (or [N, C, d...]) against int64 class
 * indices [N] (or [N, d...]) the prediction is the argmax over dim 1; against class probabilities of the
 * output's shape, the two argmaxes are compared. For binary outputs (the target's shape, [N] or [N, 1])
 * an element counts as positive above [threshold]: 0 for logits (the default), 0.5 for probabilities.
 */
fun accuracy(threshold: Double = 0.0): Metric = Accuracy(threshold)

private class Accuracy(private val threshold: Double) : Metric {
    override val name = "accuracy"
    private var correct = 0L
    private var total = 0L

    override fun reset() {
        correct = 0
        total = 0
    }

    override fun update(output: Tensor, target: Tensor) {
        val scores = output.shape()
        val classIndices = output.dim() == target.dim() + 1 && output.dim() >= 2 &&
            (scores.take(1) + scores.drop(2)) == target.shape().toList()
        val hits = when {
            classIndices -> output.argmax(1, false).eq(target.to(DType.INT64))
            !scores.contentEquals(target.shape()) -> throw IllegalArgumentException(
                "accuracy: output ${scores.contentToString()} does not fit target ${target.shape().contentToString()}; " +
                    "expected class scores [N, C, ...] with indices [N, ...], or equal shapes",
            )
            output.dim() >= 2 && output.size(1) > 1 -> output.argmax(1, false).eq(target.argmax(1, false))
            else -> output.gt(threshold).eq(target.gt(if (target.dtype().isFloatingPoint()) 0.5 else 0.0))
        }
        correct += hits.sum().item().toLong()
        total += hits.numel()
    }

    override fun compute(): Double = if (total == 0L) Double.NaN else correct.toDouble() / total
}
