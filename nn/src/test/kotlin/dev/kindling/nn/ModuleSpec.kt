package dev.kindling.nn

import dev.kindling.Random
import dev.kindling.autograd.GradMode
import dev.kindling.autograd.Tensor
import dev.kindling.tensor.DType
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain

/** Module's registry, modes, state dicts and descriptions, as PyTorch's nn.Module behaves. */
class ModuleSpec : FunSpec({
    beforeTest { Random.manualSeed(3) }

    class Block : Module() {
        val fc = registerModule("fc", Linear(4, 3))
        val norm = registerModule("norm", BatchNorm1d(3))
        val scale = registerParameter("scale", Tensor.ones(3))
        override fun forward(input: Tensor): Tensor = norm.forward(fc.forward(input)).mul(scale)
    }

    test("namedParameters uses PyTorch's dotted names in registration order, depth first") {
        val net = Sequential(Linear(4, 3), ReLU(), Block())
        net.namedParameters().keys.toList() shouldBe listOf(
            "0.weight", "0.bias", "2.scale", "2.fc.weight", "2.fc.bias", "2.norm.weight", "2.norm.bias")
        net.namedBuffers().keys.toList() shouldBe listOf("2.norm.running_mean", "2.norm.running_var", "2.norm.num_batches_tracked")
    }

    test("stateDict lists each module's parameters, then its buffers, then its children's") {
        Block().stateDict().keys.toList() shouldBe listOf(
            "scale", "fc.weight", "fc.bias", "norm.weight", "norm.bias", "norm.running_mean", "norm.running_var",
            "norm.num_batches_tracked")
    }

    test("registered parameters require grad; a bias-free Linear has no bias key") {
        val fc = Linear(3, 2, false)
        fc.namedParameters().keys.toList() shouldBe listOf("weight")
        fc.weight.requiresGrad() shouldBe true
        fc.toString() shouldBe "Linear(3 => 2, bias=false)"
    }

    test("a tensor shared by two modules is one parameter") {
        val a = Linear(2, 2)
        val net = Sequential(a, a)
        net.parameters().size shouldBe 2
        net.namedParameters().keys.toList() shouldBe listOf("0.weight", "0.bias")
    }

    test("registering a computed tensor as a parameter fails, naming its op") {
        val m = object : Module() {}
        val w = Tensor.ones(2).requiresGrad_(true).mul(2.0)
        shouldThrow<IllegalArgumentException> { m.registerParameter("w", w) }.message shouldContain "MulBackward"
    }

    test("a name cannot be both a parameter and a module, and cannot contain a dot") {
        val m = object : Module() {}
        m.registerParameter("w", Tensor.ones(1))
        shouldThrow<IllegalArgumentException> { m.registerModule("w", Identity()) }.message shouldContain "already a parameter"
        shouldThrow<IllegalArgumentException> { m.registerBuffer("a.b", Tensor.ones(1)) }
    }

    test("train and eval propagate to every descendant") {
        val net = Sequential(Linear(2, 2), Sequential(Dropout(0.5), BatchNorm1d(2)))
        net.eval()
        net.modules().all { !it.isTraining() } shouldBe true
        net.train()
        net.modules().all { it.isTraining() } shouldBe true
        net.modules().size shouldBe 5
    }

    test("apply visits children before their parent") {
        val order = mutableListOf<String>()
        Sequential(Linear(1, 1), Sequential(ReLU())).apply { order.add(it.javaClass.simpleName) }
        order shouldBe listOf("Linear", "ReLU", "Sequential", "Sequential")
    }

    test("zeroGrad clears every parameter's gradient") {
        val net = Sequential(Linear(3, 2), Linear(2, 1))
        net.forward(Tensor.randn(4, 3)).sum().backward()
        net.parameters().all { it.grad() != null } shouldBe true
        net.zeroGrad()
        net.parameters().all { it.grad() == null } shouldBe true
    }

    test("stateDict round trip into a fresh model is bit-exact") {
        val a = Sequential(Linear(5, 4), ReLU(), Linear(4, 2))
        val b = Sequential(Linear(5, 4), ReLU(), Linear(4, 2))
        b.loadStateDict(a.stateDict(), true)
        a.stateDict().forEach { (k, v) -> b.stateDict()[k]!!.toFloatArray().toList() shouldBe v.toFloatArray().toList() }
        val x = Tensor.randn(3, 5)
        b.forward(x).toFloatArray().toList() shouldBe a.forward(x).toFloatArray().toList()
    }

    test("strict loadStateDict reports every missing key, unexpected key and shape mismatch at once and loads nothing") {
        val net = Sequential(Linear(3, 2), Linear(2, 1))
        val before = net.stateDict().mapValues { it.value.toFloatArray().toList() }
        val state = mapOf(
            "0.weight" to Tensor.zeros(2, 3),
            "0.bias" to Tensor.zeros(5),
            "1.weight" to Tensor.zeros(1, 2),
            "extra.weight" to Tensor.zeros(1))
        val e = shouldThrow<IllegalArgumentException> { net.loadStateDict(state, true) }
        e.message shouldContain "missing keys: [1.bias]"
        e.message shouldContain "unexpected keys: [extra.weight]"
        e.message shouldContain "0.bias: checkpoint [5], model [2]"
        net.stateDict().mapValues { it.value.toFloatArray().toList() } shouldBe before
    }

    test("non-strict loadStateDict loads what matches and skips missing and unexpected keys") {
        val net = Sequential(Linear(3, 2), Linear(2, 1))
        net.loadStateDict(mapOf("0.bias" to Tensor.of(floatArrayOf(7f, 8f)), "other" to Tensor.zeros(1)), false)
        net.stateDict()["0.bias"]!!.toFloatArray().toList() shouldBe listOf(7f, 8f)
    }

    test("loadStateDict converts dtypes and keeps the same parameter objects") {
        val fc = Linear(2, 1)
        val w = fc.weight
        fc.loadStateDict(mapOf("weight" to Tensor.of(doubleArrayOf(1.5, -2.0), 1, 2), "bias" to Tensor.of(doubleArrayOf(0.25))), true)
        (fc.weight === w) shouldBe true
        fc.weight.dtype() shouldBe DType.FLOAT32
        fc.weight.toFloatArray().toList() shouldBe listOf(1.5f, -2.0f)
    }

    test("toString nests children like PyTorch, with Flux-style layer descriptions") {
        Sequential(Linear(784, 128), ReLU(), Dropout(0.2), Linear(128, 10)).toString() shouldBe """
            Sequential(
              (0): Linear(784 => 128)
              (1): ReLU()
              (2): Dropout(p=0.2)
              (3): Linear(128 => 10)
            )""".trimIndent()
    }

    test("summary lists each module's own parameter count and the totals") {
        val s = Sequential(Linear(784, 128), ReLU(), Linear(128, 10)).summary()
        s shouldContain "\n0       Linear      100,480\n"
        s shouldContain "\n2       Linear      1,290\n"
        s shouldContain "\ntotal               101,770 (101,770 trainable)"
    }

    test("Sequential indexes its children and ModuleList/ModuleDict register theirs") {
        val seq = Sequential(Linear(1, 2), ReLU())
        seq.size() shouldBe 2
        seq.get(-1).toString() shouldBe "ReLU()"
        val list = ModuleList(Linear(1, 1), Linear(1, 1))
        list.namedParameters().keys.toList() shouldBe listOf("0.weight", "0.bias", "1.weight", "1.bias")
        list.toList().size shouldBe 2
        val dict = ModuleDict().put("enc", Linear(2, 2)).put("dec", Linear(2, 2))
        dict.namedParameters().keys.first() shouldBe "enc.weight"
        shouldThrow<IllegalArgumentException> { dict.get("nope") }.message shouldContain "[enc, dec]"
    }

    test("to(CPU) keeps the parameter objects; set_ refuses a leaf that requires grad under grad mode") {
        val fc = Linear(2, 2)
        val w = fc.weight
        fc.to(dev.kindling.tensor.Device.CPU)
        (fc.weight === w) shouldBe true
        shouldThrow<IllegalStateException> { w.set_(Tensor.zeros(2, 2)) }
        GradMode.noGrad().use { w.set_(Tensor.zeros(2, 2)) }
        w.toFloatArray().all { it == 0f } shouldBe true
    }

    test("a module without a single-input forward says so") {
        shouldThrow<UnsupportedOperationException> { ModuleList().forward(Tensor.ones(1)) }.message shouldContain "ModuleList"
    }
})
