package dev.kindling.samples

import dev.kindling.data.MNIST
import dev.kindling.data.Normalize
import dev.kindling.dsl.*
import java.io.PrintStream
import java.nio.file.Path
import java.util.Locale

/** MNIST's two splits as datasets of normalised, flattened images [N, 784] and labels [N]; says what it loaded. */
internal fun mnistFlat(data: Path, out: PrintStream): Pair<TensorDataset, TensorDataset> {
    val (train, test) = mnistImages(data, out)
    val flat = { d: TensorDataset -> d.tensors().let { tensorDataset(it[0].reshape(it[0].size(0), 784), it[1]) } }
    return flat(train) to flat(test)
}

/** MNIST's two splits as datasets of normalised images [N, 1, 28, 28] and labels [N]; says what it loaded. */
internal fun mnistImages(data: Path, out: PrintStream): Pair<TensorDataset, TensorDataset> {
    val train = MNIST.train(data)
    val test = MNIST.test(data)
    out.println(String.format(Locale.ROOT, "MNIST: %d training and %d test images from %s", train.size(), test.size(), data))
    val normalize = Normalize(doubleArrayOf(MnistMlp.MEAN), doubleArrayOf(MnistMlp.STD))
    return tensorDataset(normalize.apply(train.images()), train.targets()) to tensorDataset(normalize.apply(test.images()), test.targets())
}
