package dev.kindling.tensor.cpu

import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import java.util.concurrent.CountDownLatch
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicIntegerArray
import kotlin.time.Duration.Companion.seconds

/** Parallel.forRange's contract: every index once, failures reach the caller, and no waiting on idle workers. */
class ParallelClaimingSpec : FunSpec({
    test("every index of the range is visited exactly once, whatever the size and cost") {
        for (n in listOf(1L, 2L, 7L, 8L, 9L, 1000L, 100_003L)) {
            for (cost in listOf(1L, Parallel.GRAIN, Long.MAX_VALUE / n)) {
                val seen = AtomicIntegerArray(n.toInt())
                Parallel.forRange(n, cost) { from, to -> for (i in from until to) seen.incrementAndGet(i.toInt()) }
                (0 until n.toInt()).count { seen.get(it) != 1 } shouldBe 0
            }
        }
    }

    test("an exception thrown in any chunk reaches the caller unchanged") {
        val boom = IllegalStateException("chunk failed")
        val thrown = shouldThrow<IllegalStateException> {
            Parallel.forRange(1000, Long.MAX_VALUE / 1000) { from, to -> if (999 in from until to) throw boom }
        }
        (thrown === boom) shouldBe true
    }

    test("the caller finishes a loop alone while every pool worker is stuck elsewhere").config(timeout = 20.seconds) {
        if (Parallel.threads() < 2) return@config
        val release = CountDownLatch(1)
        val workerStuck = CountDownLatch(1)
        // Another thread's loop whose piece blocks the pool's worker until released.
        val other = Thread {
            Parallel.forRange(2, Long.MAX_VALUE / 2) { _, _ ->
                if (Thread.currentThread().name.startsWith("kindling-cpu")) {
                    workerStuck.countDown()
                    release.await()
                } else {
                    workerStuck.await(10, TimeUnit.SECONDS)
                }
            }
        }.apply { isDaemon = true; start() }
        try {
            workerStuck.await(10, TimeUnit.SECONDS) shouldBe true
            val seen = AtomicIntegerArray(100_000)
            Parallel.forRange(100_000, Parallel.GRAIN) { from, to -> for (i in from until to) seen.incrementAndGet(i.toInt()) }
            (0 until 100_000).count { seen.get(it) != 1 } shouldBe 0
        } finally {
            release.countDown()
            other.join(10_000)
        }
    }
})
