package dev.kindling.util

import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.ints.shouldBeLessThanOrEqual
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.kotest.matchers.string.shouldEndWith
import io.kotest.matchers.string.shouldNotContain

/** A clock the test moves by hand, in nanoseconds. */
private class ManualClock {
    var nanos = 0L
    fun advanceMillis(ms: Long) {
        nanos += ms * 1_000_000
    }
}

class ProgressBarSpec : FunSpec({
    test("off a terminal nothing is written while running and one summary line at the end") {
        val out = StringBuilder()
        val clock = ManualClock()
        val bar = ProgressBar("epoch 1/3", 4, out, false) { clock.nanos }
        repeat(4) {
            clock.advanceMillis(500)
            bar.step(32, linkedMapOf("loss" to 0.5, "accuracy" to 0.875))
        }
        out.toString() shouldBe ""
        bar.finish(linkedMapOf("val_loss" to 0.25))
        out.toString() shouldBe "epoch 1/3: 4 steps, 128 samples in 2.0 s (64 samples/s)  loss 0.5000  accuracy 0.8750  val_loss 0.2500\n"
        bar.finish(mapOf())
        out.lines().size shouldBe 2
    }

    test("without sample counts the rate is in steps per second, and long passes show minutes") {
        val out = StringBuilder()
        val clock = ManualClock()
        val bar = ProgressBar("eval", 0, out, false) { clock.nanos }
        repeat(3) {
            clock.advanceMillis(25_000)
            bar.step(0, null)
        }
        bar.finish(null)
        out.toString() shouldBe "eval: 3 steps in 1:15 (0.04 steps/s)\n"
    }

    test("on a terminal the line redraws in place at most five times a second, however many steps come") {
        val out = StringBuilder()
        val clock = ManualClock()
        val bar = ProgressBar("epoch 1/1", 1000, out, true) { clock.nanos }
        repeat(1000) {
            clock.advanceMillis(1)
            bar.step(1, mapOf("loss" to 1.0))
        }
        // Drawn at the first step (1 ms), then at 201, 401, 601 and 801 ms.
        out.count { it == '\r' } shouldBe 5
        out.toString() shouldNotContain "\n"
        bar.finish(mapOf())
        out.count { it == '\r' } shouldBe 6
        out.toString() shouldEndWith "\n"
        out.count { it == '\n' } shouldBe 1
    }

    test("redraws never exceed the rate over any stretch of time") {
        val out = StringBuilder()
        val clock = ManualClock()
        val bar = ProgressBar("x", 0, out, true) { clock.nanos }
        var draws = 0
        repeat(10) { second ->
            val before = out.count { it == '\r' }
            repeat(100) {
                clock.advanceMillis(10)
                bar.step(1, null)
            }
            draws = out.count { it == '\r' } - before
            draws shouldBeLessThanOrEqual ProgressBar.REFRESHES_PER_SECOND + if (second == 0) 1 else 0
        }
    }

    test("the terminal line shows steps, a bar, the percentage, throughput, values and the ETA") {
        val out = StringBuilder()
        val clock = ManualClock()
        val bar = ProgressBar("epoch 2/5", 100, out, true) { clock.nanos }
        repeat(40) {
            clock.advanceMillis(200)
            bar.step(10, linkedMapOf("loss" to 0.4213, "accuracy" to 0.89))
        }
        val last = out.toString().substringAfterLast('\r')
        last shouldBe "epoch 2/5  40/100 [########            ]  40%  50 samples/s  loss 0.4213  accuracy 0.8900  ETA 0:12"
        repeat(60) {
            clock.advanceMillis(200)
            bar.step(10, linkedMapOf("loss" to 0.3))
        }
        bar.finish(mapOf("val_loss" to 0.35))
        out.toString().substringAfterLast('\r') shouldBe
            "epoch 2/5  100/100 [####################] 100%  50 samples/s  loss 0.3000  val_loss 0.3500  20.0 s\n"
    }

    test("a shorter redraw blanks the rest of the previous line") {
        val out = StringBuilder()
        val clock = ManualClock()
        val bar = ProgressBar("t", 0, out, true) { clock.nanos }
        bar.step(0, mapOf("a-long-metric-name" to 1.0))
        clock.advanceMillis(300)
        bar.step(0, mapOf())
        val lines = out.split('\r').drop(1)
        lines[1].length shouldBe lines[0].length
        lines[1].trimEnd() shouldBe "t  2 steps  6.67 steps/s"
    }

    test("values print with four decimals, tiny or huge ones in scientific notation, NaN as nan") {
        ProgressBar.number(0.5) shouldBe "0.5000"
        ProgressBar.number(0.0) shouldBe "0.0000"
        ProgressBar.number(3e-6) shouldBe "3.000e-06"
        ProgressBar.number(-2.5e7) shouldBe "-2.500e+07"
        ProgressBar.number(Double.NaN) shouldBe "nan"
    }

    test("steps after finish are refused, naming the bar") {
        val bar = ProgressBar("epoch 3/3", 1, StringBuilder(), false) { 0L }
        bar.finish(mapOf())
        shouldThrow<IllegalStateException> { bar.step(1, mapOf()) }.message shouldContain "\"epoch 3/3\" has already finished"
    }
})
