package dev.kindling.notebooks

import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.ints.shouldBeGreaterThan
import io.kotest.matchers.ints.shouldBeLessThan
import io.kotest.matchers.shouldBe
import io.kotest.matchers.shouldNotBe
import io.kotest.matchers.string.shouldContain
import io.kotest.matchers.types.shouldBeInstanceOf
import org.jetbrains.kotlinx.jupyter.api.MimeTypedResult

/** The integration's hooks, through the real kernel's REPL: fit's display, the interrupt, shadowed variables. */
class KernelHooksSpec : FunSpec({
    val repl = NotebookRepl()
    repl.loadKindling()

    fun field(instance: Any, name: String): Any? =
        instance.javaClass.getDeclaredField(name).apply { isAccessible = true }.get(instance)

    test("fit shows one live display, updated in place, ending with every epoch's results") {
        repl.exec(
            """
            val m1 = sequential { linear(4, 2) }
            val h1 = m1.fit(dataLoader(tensorDataset(randn(64, 4), randint(0, 2, 64)), batchSize = 8), epochs = 2,
                optimizer = sgd(m1.parameters(), lr = 0.1), loss = ::crossEntropy) { metrics(accuracy()) }
            """.trimIndent(),
        )
        val fitDisplays = repl.displays.filter { it.first?.startsWith("kindling-fit-") == true }
        fitDisplays.map { it.first }.toSet().size shouldBe 1
        val last = (fitDisplays.last().second as MimeTypedResult)["text/html"]!!
        last shouldContain "epoch 2/2"
        last shouldContain "<progress value=\"8\" max=\"8\">"
        last shouldContain "accuracy"
    }

    test("the kernel's interrupt (Thread.stop, as kernel 0.11 does) ends fit after a whole batch and keeps the history") {
        repl.exec(
            """
            class StepCounter : Callback {
                var before = 0
                var after = 0
                override fun onBeforeStep(ctx: FitContext) { before++ }
                override fun onBatchEnd(ctx: FitContext) { after++; System.setProperty("kindling.test.batches", after.toString()) }
            }
            val counter = StepCounter()
            val m2 = sequential { linear(64, 256); relu(); linear(256, 2) }
            val data2 = dataLoader(tensorDataset(randn(4096, 64), randint(0, 2, 4096)), batchSize = 4)
            """.trimIndent(),
        )
        var outcome: Any? = null
        val cell = Thread {
            outcome = runCatching { repl.exec("val h2 = m2.fit(data2, epochs = 100, optimizer = adam(m2.parameters()), loss = ::crossEntropy) { callbacks(counter) }\nh2.size") }
        }
        cell.start()
        // Polled through a system property: the REPL must not run a second cell while this one runs.
        while ((System.getProperty("kindling.test.batches") ?: "0").toInt() < 20) Thread.sleep(20)
        @Suppress("DEPRECATION")
        cell.stop()
        cell.join(60_000)
        cell.isAlive shouldBe false
        (outcome as Result<*>).getOrThrow() shouldBe 1
        val before = repl.exec("counter.before") as Int
        before shouldBe repl.exec("counter.after") as Int
        before shouldBeLessThan 1024
        repl.exec("m2.parameters().all { p -> p.toDoubleArray().all { it.isFinite() } }") shouldBe true
    }

    test("re-running a cell releases the tensor its shadowed variable held") {
        val first = repl.evalEx(("val big = randn(1000, 1000)")).scriptInstance!!
        repl.exec("val doubled = big * 2")
        repl.exec("val big = randn(10)")
        field(first, "big") shouldBe null
        repl.exec("big.numel()") shouldBe 10L
        repl.exec("doubled.numel()") shouldBe 1_000_000L
    }

    test("a variable read by a function declared in between is left alone") {
        val first = repl.evalEx(("val w = randn(5)")).scriptInstance!!
        repl.exec("fun total() = w.sum().item()")
        repl.exec("val w = randn(3)")
        field(first, "w") shouldNotBe null
        repl.exec("total()").shouldBeInstanceOf<Double>()
    }

    test("values that hold no tensors are never touched") {
        val first = repl.evalEx(("val label = \"first\"")).scriptInstance!!
        repl.exec("val label = \"second\"")
        field(first, "label") shouldBe "first"
    }

    test("the anomaly renderer quotes the notebook line of the forward op") {
        val html = (repl.exec(
            """
            val p = tensor(0f, 4f, requiresGrad = true)
            withAnomalyDetection {
                val r = p.sqrt()
                r.sum().backward()
            }
            """.trimIndent(),
        ) as MimeTypedResult)["text/html"]!!
        html shouldContain "SqrtBackward"
        html shouldContain "ran at line 3 of cell"
        html shouldContain "val r = p.sqrt()"
        html.length shouldBeGreaterThan 0
    }
})
