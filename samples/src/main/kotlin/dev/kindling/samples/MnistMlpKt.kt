package dev.kindling.samples

import dev.kindling.data.MNIST
import dev.kindling.dsl.*
import java.io.PrintStream
import java.nio.file.Path
import java.nio.file.Paths

/**
 * `mnist-mlp` written in Kotlin with the DSL: the same 784-512-512-10 MLP, Adam (lr 1e-3, halved after
 * every epoch), batch 128 and 3 epochs as the Java [MnistMlp], built with `sequential { }` and trained by
 * `fit` with validation, an accuracy metric and a scheduler callback. Last line: `final test accuracy: NN.NN%`.
 * ```
 * mvn -B -ntp -pl samples -am package -Dmaven.test.skip=true -Dsample=mnist-mlp-kt
 * ```
 * Options: `--epochs 3 --batch-size 128 --lr 0.001 --seed 0 --data DIR`.
 */
object MnistMlpKt {
    @JvmStatic
    fun main(args: Array<String>) {
        val a = Args("mnist-mlp-kt", args, mapOf("epochs" to "3", "batch-size" to "128", "lr" to "0.001", "seed" to "0",
            "data" to MNIST.defaultDir().toString()))
        run(Paths.get(a.string("data")), a.integer("epochs"), a.integer("batch-size"), a.number("lr"), a.seed())
    }

    /** Trains and evaluates, printing to [out]; returns the final test accuracy in [0, 1]. */
    fun run(data: Path, epochs: Int = 3, batchSize: Int = 128, lr: Double = 1e-3, seed: Long = 0, out: PrintStream = System.out): Double {
        seed(seed)
        val (train, test) = mnistFlat(data, out)
        val model = sequential {
            linear(784, 512); relu()
            linear(512, 512); relu()
            linear(512, 10)
        }
        return trainClassifier(model, train, test, epochs, batchSize, lr, gamma = 0.5, out = out)
    }
}
