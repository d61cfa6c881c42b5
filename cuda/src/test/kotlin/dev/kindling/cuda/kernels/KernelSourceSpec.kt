package dev.kindling.cuda.kernels

import dev.kindling.cuda.KernelCatalog
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.kotest.matchers.string.shouldNotContain

class KernelSourceSpec : FunSpec({
    test("rendering fills every placeholder and inlines common.cuh") {
        val src = KernelSource.render("elementwise", mapOf("NAME" to "k", "NDIM" to "2", "NOPS" to "1",
            "PARAMS" to ", float* out", "BODY" to "out[o[0]] = 1;"))
        src shouldContain "extern \"C\" __global__ void k(const Meta m, float* out)"
        src shouldContain "#define NDIM 2"
        src shouldContain "typedef unsigned char kbool;"
        src shouldNotContain "\${"
        src shouldNotContain "#include"
    }

    test("a missing value is an error naming the placeholder and the template") {
        val e = shouldThrow<IllegalArgumentException> { KernelSource.render("elementwise", mapOf("NAME" to "k")) }
        e.message shouldContain "elementwise.cu needs a value for \${NDIM}"
    }

    test("kernel names are C identifiers derived from the key") {
        KernelCache.kernelName("binary ADD float->float nd2") shouldBe "kindling_binary_ADD_float__float_nd2"
    }

    test("the catalog covers every op and dtype the backend takes, each kernel named once") {
        val all = KernelCatalog.all()
        (all.size > 400) shouldBe true
        all.map { it.key() }.toSet().size shouldBe all.size
        for (e in all) e.source() shouldContain e.name()
        val keys = all.map { it.key() }
        for (op in dev.kindling.tensor.UnaryOp.values()) keys.any { it.startsWith("unary ${op.name} ") } shouldBe true
        for (op in dev.kindling.tensor.BinaryOp.values()) keys.any { it.startsWith("binary ${op.name} ") } shouldBe true
        for (op in dev.kindling.tensor.ReduceOp.values()) keys.any { it.startsWith("reduce ${op.name} ") } shouldBe true
    }
})
