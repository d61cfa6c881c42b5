package dev.kindling.tensor.cpu

import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import java.lang.ref.WeakReference
import java.util.concurrent.atomic.AtomicIntegerArray
import kotlin.time.Duration.Companion.seconds

/** Runs a loop whose body captures a fresh array, in a frame of its own so the caller's stack holds nothing. */
private fun loopCapturingNewArray(): WeakReference<FloatArray> {
    val big = FloatArray(1 shl 20)
    Parallel.forRange(1000, Long.MAX_VALUE / 1000) { from, _ -> big[from.toInt()] = 1f }
    return WeakReference(big)
}

/** Parallel's worker threads: shared by concurrent callers, and idle without holding on to anything. */
class ParallelWorkersSpec : FunSpec({
    fun workers() = Thread.getAllStackTraces().keys.filter { it.name.startsWith("kindling-cpu-") }

    test("loops from several threads at once each visit every index exactly once").config(timeout = 60.seconds) {
        val n = 10_000
        val callers = (0 until 4).map {
            val seen = AtomicIntegerArray(n)
            val thread = Thread {
                repeat(300) { Parallel.forRange(n.toLong(), Parallel.GRAIN) { from, to -> for (i in from until to) seen.incrementAndGet(i.toInt()) } }
            }
            thread.start()
            thread to seen
        }
        for ((thread, seen) in callers) {
            thread.join()
            (0 until n).count { seen.get(it) != 300 } shouldBe 0
        }
    }

    test("a finished loop's body, and what it captured, is not kept alive by an idle worker").config(timeout = 60.seconds) {
        if (Parallel.threads() < 2) return@config
        val captured = loopCapturingNewArray()
        var tries = 0
        while (captured.get() != null && tries++ < 100) {
            System.gc()
            Thread.sleep(20)
        }
        captured.get() shouldBe null
    }

    test("idle workers stop polling and park, even after an interrupt").config(timeout = 60.seconds) {
        if (Parallel.threads() < 2) return@config
        workers().forEach { it.interrupt() }
        Parallel.forRange(1000, Long.MAX_VALUE / 1000) { _, _ -> }
        // All parked at one moment is the claim: a second look could catch a worker that a spurious
        // wake-up (which park allows) has set polling again for its 200 us.
        val deadline = System.nanoTime() + 10_000_000_000L
        var states = workers().map { it.state }.toSet()
        while (states != setOf(Thread.State.WAITING) && System.nanoTime() < deadline) {
            Thread.sleep(10)
            states = workers().map { it.state }.toSet()
        }
        states shouldBe setOf(Thread.State.WAITING)
    }
})
