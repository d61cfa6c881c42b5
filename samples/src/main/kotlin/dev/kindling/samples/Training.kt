package dev.kindling.samples

import dev.kindling.dsl.*
import java.io.PrintStream
import java.util.Locale

/**
 * The Kotlin MNIST samples' training: prints [model], trains it with Adam (rate times [gamma] after each
 * epoch) on cross-entropy, validating on [test] every epoch, and ends with the `final test accuracy`
 * line; returns that accuracy in [0, 1].
 */
internal fun trainClassifier(model: Module, train: TensorDataset, test: TensorDataset, epochs: Int, batchSize: Int,
                             lr: Double, gamma: Double, out: PrintStream): Double {
    out.println(model)
    val optimizer = adam(model.parameters(), lr = lr)
    val history = model.fit(dataLoader(train, batchSize = batchSize, shuffle = true), epochs, optimizer, loss = ::crossEntropy) {
        validate(dataLoader(test, batchSize = 1000))
        metrics(accuracy())
        callbacks(lrScheduler(exponentialLR(optimizer, gamma = gamma)))
        reportTo(out)
    }
    val accuracy = if (history.size == 0) 0.0 else history.last("val_accuracy")
    out.println(String.format(Locale.ROOT, "final test accuracy: %.2f%%", 100 * accuracy))
    return accuracy
}

/**
 * What the Kotlin samples add to `fit { }`: progress to [out] (redrawn on a terminal, a line per epoch
 * otherwise) and, after each epoch, one line with the epoch's loss, accuracy, validation results and wall time.
 */
internal fun FitConfig.reportTo(out: PrintStream) {
    progressOutput = out
    terminal = out === System.out && System.console() != null
    callbacks(EpochReport(out))
}

/** Prints `epoch E/N  lr ..  train loss ..  train accuracy ..%  test loss ..  test accuracy ..%  time .. s`. */
private class EpochReport(private val out: PrintStream) : Callback {
    private var start = 0L

    override fun onEpochBegin(ctx: FitContext) {
        start = System.nanoTime()
    }

    override fun onEpochEnd(ctx: FitContext) {
        val logs = ctx.logs
        val line = StringBuilder("epoch ${ctx.epoch + 1}/${ctx.epochs}")
        logs["lr"]?.let { line.append(String.format(Locale.ROOT, "  lr %.6f", it)) }
        logs["loss"]?.let { line.append(String.format(Locale.ROOT, "  train loss %.4f", it)) }
        logs["accuracy"]?.let { line.append(String.format(Locale.ROOT, "  train accuracy %.2f%%", 100 * it)) }
        logs["val_loss"]?.let { line.append(String.format(Locale.ROOT, "  test loss %.4f", it)) }
        logs["val_accuracy"]?.let { line.append(String.format(Locale.ROOT, "  test accuracy %.2f%%", 100 * it)) }
        line.append(String.format(Locale.ROOT, "  time %.2f s", (System.nanoTime() - start) / 1e9))
        out.println(line)
    }
}
