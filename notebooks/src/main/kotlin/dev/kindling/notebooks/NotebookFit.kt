package dev.kindling.notebooks

import dev.kindling.autograd.Anomaly
import dev.kindling.autograd.GradMode
import dev.kindling.dsl.FitConfig
import dev.kindling.dsl.FitEnvironment
import dev.kindling.dsl.FitContext
import dev.kindling.dsl.Callback
import dev.kindling.dsl.defaultDevice
import dev.kindling.dsl.onDevice
import org.jetbrains.kotlinx.jupyter.api.HTML
import org.jetbrains.kotlinx.jupyter.api.KotlinKernelHost
import java.util.concurrent.CompletableFuture
import java.util.concurrent.ExecutionException
import java.util.concurrent.TimeUnit
import java.util.concurrent.TimeoutException
import java.util.concurrent.atomic.AtomicBoolean
import java.util.concurrent.atomic.AtomicLong

/**
 * How `fit` runs inside a notebook: with a live HTML display instead of the text progress bar, and
 * stoppable by the kernel's interrupt without leaving the model half-updated.
 *
 * Why a second thread: the Maven Central kernel (0.11) interrupts a cell with `Thread.stop()`, which throws
 * `ThreadDeath` wherever the cell happens to be, e.g. halfway through `optimizer.step()`, leaving some
 * parameters updated and others not. So the training loop runs on a worker thread while the cell's thread
 * waits, redrawing the display (kernel output is sent from the cell's thread, where the kernel expects it).
 * `ThreadDeath` (or an `InterruptedException`, as newer kernels interrupt) then lands in the waiting thread,
 * which asks the loop to stop after its current batch, waits for it, and returns the [dev.kindling.dsl.History]
 * of what ran: the model holds the weights of the last completed step. The cell ends normally, so
 * `val history = model.fit(...)` keeps the partial history. Newer kernels also run interrupt callbacks
 * ([requestStop]) before or instead of stopping the thread; either way the loop stops at a batch boundary.
 *
 * The worker gets the cell thread's grad mode, anomaly mode and default device, which are thread-local.
 */
class NotebookFit(private val host: () -> KotlinKernelHost?) : FitEnvironment {
    private val stop = AtomicBoolean(false)
    private val displays = AtomicLong()

    /** Between [configure] and [run] of one fit, on the cell's thread. */
    private class Pending(val config: FitConfig, val progress: LiveProgress)

    private val pending = ThreadLocal<Pending?>()

    override fun configure(config: FitConfig) {
        // The text bar would print into the cell as well; the live display replaces it. A user's
        // `progress = false` in the fit block still silences both (read in run).
        config.progressOutput = NullAppendable
        val progress = LiveProgress()
        config.callbacks(progress, StopCheck())
        pending.set(Pending(config, progress))
    }

    override fun <T> run(loop: () -> T): T {
        val fit = pending.get()
        pending.remove()
        stop.set(false)
        val progress = fit?.progress
        val showProgress = fit != null && fit.config.progress
        val displayId = "kindling-fit-${displays.incrementAndGet()}"
        val kernel = host()
        // Shown at the first redraw with content, so that a client that ignores updates (nbconvert's
        // nbclient 0.7 does, for kernel 0.11's messages) still saves a progress row, not an empty table.
        var shown = false
        fun draw() {
            if (!showProgress || kernel == null) return
            val html = HTML(progress!!.html())
            if (shown) kernel.updateDisplay(html, displayId) else kernel.display(html, displayId)
            shown = true
        }

        val grad = GradMode.isEnabled()
        val anomaly = Anomaly.isEnabled()
        val device = defaultDevice
        val result = CompletableFuture<T>()
        val worker = Thread({
            try {
                val value = (if (grad) null else GradMode.noGrad()).use { _ ->
                    (if (anomaly) Anomaly.detect() else null).use { _ -> onDevice(device) { loop() } }
                }
                result.complete(value)
            } catch (t: Throwable) {
                result.completeExceptionally(t)
            }
        }, "kindling-fit")
        worker.isDaemon = true
        worker.start()

        var drawn = -1L
        var interrupted = false
        while (true) {
            try {
                val value = result.get(REDRAW_MS, TimeUnit.MILLISECONDS)
                if (interrupted) progress?.interruptedNote = "Interrupted: training stopped after the batch that was running; the model holds the weights of that step."
                draw()
                return value
            } catch (e: TimeoutException) {
                val version = progress?.version ?: 0L
                if (version != drawn && version > 0) {
                    drawn = version
                    draw()
                }
            } catch (e: ExecutionException) {
                throw e.cause ?: e
            } catch (@Suppress("DEPRECATION") e: ThreadDeath) {
                requestStop()
                interrupted = true
            } catch (e: InterruptedException) {
                requestStop()
                interrupted = true
            }
        }
    }

    /** Asks the running loop to stop after its current batch (the kernel's interrupt callback). */
    fun requestStop() = stop.set(true)

    private inner class StopCheck : Callback {
        override fun onBatchEnd(ctx: FitContext) {
            if (stop.get()) ctx.stopTraining = true
        }
    }

    private object NullAppendable : Appendable {
        override fun append(csq: CharSequence?): Appendable = this
        override fun append(csq: CharSequence?, start: Int, end: Int): Appendable = this
        override fun append(c: Char): Appendable = this
    }

    private companion object {
        const val REDRAW_MS = 200L
    }
}
