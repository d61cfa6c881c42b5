package dev.kindling.dsl

/** Samples are slices along dim 0 of [tensors], which share that size: `tensorDataset(images, labels)`. */
fun tensorDataset(vararg tensors: Tensor): TensorDataset = TensorDataset(*tensors)

/**
 * Batches of [dataset] with torch.utils.data.DataLoader's keyword arguments and defaults:
 * `dataLoader(train, batchSize = 64, shuffle = true)`. [seed] fixes the shuffling (default: drawn from the
 * global generator, so [seed] before building makes it reproducible); [numWorkers] threads prepare
 * batches ahead.
 */
fun <T> dataLoader(
    dataset: Dataset<T>,
    batchSize: Int = 1,
    shuffle: Boolean = false,
    numWorkers: Int = 0,
    dropLast: Boolean = false,
    seed: Long? = null,
): DataLoader<T> {
    val loader = DataLoader(dataset, batchSize, shuffle).numWorkers(numWorkers).dropLast(dropLast)
    return if (seed != null) loader.seed(seed) else loader
}
