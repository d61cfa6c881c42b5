package dev.kindling.samples

import dev.kindling.data.MNIST
import dev.kindling.dsl.*
import java.io.PrintStream
import java.nio.file.Path
import java.nio.file.Paths

/**
 * `mnist-cnn` written in Kotlin with the DSL: the LeNet-style network of the Java [MnistCnn] as a
 * `sequential { }` block, trained by `fit` (Adam, lr 1e-3 times 0.7 per epoch, batch 64, 3 epochs) with
 * validation and accuracy. Last line: `final test accuracy: NN.NN%`.
 * ```
 * mvn -B -ntp -pl samples -am package -Dmaven.test.skip=true -Dsample=mnist-cnn-kt
 * ```
 * Options: `--epochs 3 --batch-size 64 --lr 0.001 --seed 0 --data DIR`.
 */
object MnistCnnKt {
    @JvmStatic
    fun main(args: Array<String>) {
        val a = Args("mnist-cnn-kt", args, mapOf("epochs" to "3", "batch-size" to "64", "lr" to "0.001", "seed" to "0",
            "data" to MNIST.defaultDir().toString()))
        run(Paths.get(a.string("data")), a.integer("epochs"), a.integer("batch-size"), a.number("lr"), a.seed())
    }

    /** The network, [N, 1, 28, 28] -> [N, 10]: the same layers as [MnistCnn.leNet]. */
    fun leNet() = sequential {
        conv2d(1, 16, 5, padding = 2); relu(); maxPool2d(2)     // [N, 16, 14, 14]
        conv2d(16, 32, 5); relu(); maxPool2d(2)                 // [N, 32, 5, 5]
        flatten()
        linear(32 * 5 * 5, 120); relu()
        linear(120, 84); relu()
        linear(84, 10)
    }

    /** Trains and evaluates, printing to [out]; returns the final test accuracy in [0, 1]. */
    fun run(data: Path, epochs: Int = 3, batchSize: Int = 64, lr: Double = 1e-3, seed: Long = 0, out: PrintStream = System.out): Double {
        seed(seed)
        val (train, test) = mnistImages(data, out)
        val model = leNet()
        return trainClassifier(model, train, test, epochs, batchSize, lr, gamma = 0.7, out = out)
    }
}
