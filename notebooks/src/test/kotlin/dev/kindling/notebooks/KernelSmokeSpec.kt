package dev.kindling.notebooks

import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain

class KernelSmokeSpec : FunSpec({
    val repl = NotebookRepl()
    repl.loadKindling()

    test("the integration loads through @file:DependsOn and imports the DSL") {
        repl.exec("tensor(1f, 2f, 3f).sum().item()") shouldBe 6.0
    }

    test("a tensor renders as HTML") {
        repl.html("tensor(listOf(listOf(1f, 2f), listOf(3f, 4f)))") shouldContain "kindling-tensor"
    }
})
