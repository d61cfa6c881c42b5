package dev.kindling.notebooks

import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.collections.shouldHaveSize
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import org.jetbrains.kotlinx.jupyter.api.MimeTypedResult
import java.io.File

/**
 * Every notebook in notebooks/ runs, cell by cell, through the real kernel's REPL, in CI mode
 * (`FULL_RUN = false`), on the MNIST fixture of the samples module (surefire sets KINDLING_DATA).
 * Each test also checks that the notebook's showpieces rendered.
 */
class NotebooksSpec : FunSpec({
    fun run(name: String): List<Any?> {
        val repl = NotebookRepl()
        val cells = NotebookRepl.codeCells(File(name))
        return cells.mapIndexed { i, code ->
            try {
                repl.exec(if (i == 0) NotebookRepl.setupCell(code) else code)
            } catch (e: Exception) {
                throw AssertionError("$name, code cell ${i + 1} failed:\n$code", e)
            }
        } + listOf(repl.displays.map { it.second })
    }

    fun html(results: List<Any?>): List<String> = results.flatMap { r ->
        when (r) {
            is MimeTypedResult -> listOfNotNull(r["text/html"])
            is List<*> -> r.filterIsInstance<MimeTypedResult>().mapNotNull { it["text/html"] }
            else -> emptyList()
        }
    }

    test("every notebook is in this spec") {
        File(".").list()!!.filter { it.endsWith(".ipynb") }.sorted() shouldHaveSize 5
    }

    test("01-tensors-and-autograd renders tensors, a picture and the graph") {
        val out = html(run("01-tensors-and-autograd.ipynb"))
        out.joinToString().also {
            it shouldContain "kindling-tensor"
            it shouldContain "gradFn=SumBackward"
            it shouldContain "data:image/png;base64,"
            it shouldContain "kindling-graph"
            it shouldContain "summarised"
        }
    }

    test("02-mnist-mlp shows live progress, the module tree, the curves and the digit grid") {
        val results = run("02-mnist-mlp.ipynb")
        val all = html(results).joinToString()
        all shouldContain "kindling-progress"
        all shouldContain "kindling-module"
        all shouldContain "[1, 10]"
        all shouldContain "kindling-history"
        all shouldContain "kindling-image-grid"
        results.filterIsInstance<MimeTypedResult>().any { it["image/svg+xml"]?.startsWith("<svg") == true } shouldBe true
    }

    test("03-cnn trains and shows filters and feature maps") {
        val all = html(run("03-cnn.ipynb")).joinToString()
        all shouldContain "[1, 16, 7, 7]"
        all shouldContain "kindling-image-grid"
    }

    test("04-lstm-text trains a few steps and samples text") {
        val results = run("04-lstm-text.ipynb")
        (results[results.size - 2] as String) shouldContain "Call me "
    }

    test("05-custom-function-and-debugging passes gradcheck and renders the anomaly at its line") {
        val results = run("05-custom-function-and-debugging.ipynb")
        results.contains(true) shouldBe true
        val all = html(results).joinToString()
        all shouldContain "kindling-anomaly"
        all shouldContain "SqrtBackward"
        all shouldContain "val distance = squared.sqrt()"
    }
})

