package dev.kindling.io

import dev.kindling.Random
import dev.kindling.autograd.Tensor
import dev.kindling.nn.Linear
import dev.kindling.nn.Module
import dev.kindling.nn.ReLU
import dev.kindling.nn.Sequential
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.collections.shouldContainExactly
import io.kotest.matchers.shouldBe
import io.kotest.matchers.shouldNotBe
import io.kotest.matchers.string.shouldContain
import io.kotest.matchers.string.shouldNotContain
import java.nio.file.Files

/** A stand-in for an optimizer: a tensor buffer per parameter plus a step count kept as a string. */
private class FakeOptimizer(val model: Module) : Stateful {
    var step = 0L
    val momentum: MutableMap<String, Tensor> = model.namedParameters().mapValues { Tensor.zeros(*it.value.shape()) }.toMutableMap()

    override fun tensorState(): Map<String, Tensor> = momentum.mapKeys { "momentum." + it.key }

    override fun extraState(): Map<String, String> = mapOf("step" to step.toString(), "lr" to "0.01")

    override fun loadState(tensors: Map<String, Tensor>, extra: Map<String, String>) {
        require(extra["lr"] == "0.01") { "lr is ${extra["lr"]}" }
        for (k in momentum.keys) momentum[k] = tensors["momentum.$k"] ?: error("no momentum for $k")
        step = extra.getValue("step").toLong()
    }
}

private class FakeScheduler : Stateful {
    var epoch = 0
    override fun tensorState(): Map<String, Tensor> = emptyMap()
    override fun extraState() = mapOf("epoch" to epoch.toString())
    override fun loadState(tensors: Map<String, Tensor>, extra: Map<String, String>) {
        epoch = extra.getValue("epoch").toInt()
    }
}

class ModuleIoSpec : FunSpec({
    val dir = tempDir()
    afterSpec { dir.deleteTree() }

    fun mlp(hidden: Int = 3) = Sequential(Linear(4, hidden), ReLU(), Linear(hidden, 2))

    fun values(m: Module) = m.stateDict().mapValues { it.value.toFloatArray().toList() }

    test("Module.save then Module.load restores every parameter exactly, into the same tensor objects") {
        Random.manualSeed(1)
        val a = mlp()
        val p = dir.resolve("mlp.safetensors")
        a.save(p)
        val b = mlp()
        val weightBefore = (b.children()[0] as Linear).weight
        values(b) shouldNotBe values(a)
        b.load(p)
        values(b) shouldBe values(a)
        ((b.children()[0] as Linear).weight === weightBefore) shouldBe true
        weightBefore.requiresGrad() shouldBe true
        Safetensors.load(p).keys.toList() shouldContainExactly listOf("0.weight", "0.bias", "2.weight", "2.bias")
    }

    test("loading a file that does not fit names the file, every key and shape, and changes nothing") {
        val p = dir.resolve("wide.safetensors")
        mlp(hidden = 5).save(p)
        val small = mlp(hidden = 3)
        val before = values(small)
        val e = shouldThrow<IllegalArgumentException> { small.load(p) }
        e.message shouldContain p.toString()
        e.message shouldContain "0.weight: checkpoint [5, 4], model [3, 4]"
        e.message shouldContain "0.bias: checkpoint [5], model [3]"
        e.message shouldContain "2.weight: checkpoint [2, 5], model [2, 3]"
        e.message shouldContain "nothing was loaded"
        values(small) shouldBe before
    }

    test("strict loading lists missing and unexpected keys") {
        val p = dir.resolve("bias.safetensors")
        Linear(4, 3).save(p)
        val e = shouldThrow<IllegalArgumentException> { Linear(4, 3, false).load(p) }
        e.message shouldContain "unexpected keys: [bias]"
        val q = dir.resolve("nobias.safetensors")
        Linear(4, 3, false).save(q)
        shouldThrow<IllegalArgumentException> { Linear(4, 3).load(q) }.message shouldContain "missing keys: [bias]"
    }

    test("a float64 file loads into a float32 model, converted") {
        val p = dir.resolve("f64.safetensors")
        Safetensors.save(mapOf("weight" to Tensor.of(doubleArrayOf(0.5, 1.5, -2.0, 4.0, 1.0, 0.0), 2, 3),
            "bias" to Tensor.of(doubleArrayOf(1.0, 2.0))), p)
        val m = Linear(3, 2)
        m.load(p)
        m.weight.dtype() shouldBe dev.kindling.tensor.DType.FLOAT32
        m.weight.toFloatArray().toList() shouldBe listOf(0.5f, 1.5f, -2f, 4f, 1f, 0f)
    }

    test("a corrupt file fails Module.load before touching the module") {
        val p = dir.resolve("corrupt.safetensors")
        Files.write(p, byteArrayOf(1, 2, 3))
        val m = Linear(3, 2)
        val before = values(m)
        shouldThrow<SafetensorsException> { m.load(p) }.message shouldContain p.toString()
        values(m) shouldBe before
    }

    // ------------------------------------------------------------------ checkpoints

    test("a checkpoint restores model, optimizer and scheduler state and returns the user metadata") {
        Random.manualSeed(2)
        val model = mlp()
        val opt = FakeOptimizer(model).apply {
            step = 17
            momentum.replaceAll { _, t -> Tensor.randn(*t.shape()) }
        }
        val sched = FakeScheduler().apply { epoch = 4 }
        val p = dir.resolve("ckpt.safetensors")
        Checkpoint(model).add("optimizer", opt).add("scheduler", sched).save(p, mapOf("epoch" to "4", "best" to "0.93"))

        val model2 = mlp()
        val opt2 = FakeOptimizer(model2)
        val sched2 = FakeScheduler()
        val meta = Checkpoint(model2).add("optimizer", opt2).add("scheduler", sched2).load(p)
        meta shouldBe mapOf("epoch" to "4", "best" to "0.93")
        values(model2) shouldBe values(model)
        opt2.step shouldBe 17
        opt2.momentum.mapValues { it.value.toFloatArray().toList() } shouldBe opt.momentum.mapValues { it.value.toFloatArray().toList() }
        sched2.epoch shouldBe 4
        Checkpoint.metadata(p) shouldBe meta
    }

    test("a checkpoint is a plain safetensors file with prefixed keys") {
        val model = Linear(2, 1)
        val p = dir.resolve("layout.safetensors")
        Checkpoint(model).add("scheduler", FakeScheduler()).save(p, mapOf("epoch" to "1"))
        val c = Safetensors.read(p)
        c.tensors().keys.toList() shouldContainExactly listOf("model.weight", "model.bias")
        c.metadata() shouldBe mapOf("kindling.checkpoint" to "1", "kindling.parts" to "scheduler", "scheduler.epoch" to "0",
            "user.epoch" to "1")
    }

    test("a training checkpoint loads for inference with the model alone") {
        val model = mlp()
        val p = dir.resolve("train.safetensors")
        Checkpoint(model).add("optimizer", FakeOptimizer(model)).save(p)
        val fresh = mlp()
        Checkpoint(fresh).load(p) shouldBe emptyMap()
        values(fresh) shouldBe values(model)
    }

    test("loading a checkpoint without a registered part fails before anything changes") {
        val model = mlp()
        val p = dir.resolve("modelonly.safetensors")
        Checkpoint(model).save(p)
        val other = mlp()
        val before = values(other)
        val e = shouldThrow<IllegalArgumentException> { Checkpoint(other).add("optimizer", FakeOptimizer(other)).load(p) }
        e.message shouldContain p.toString()
        e.message shouldContain "no state for [optimizer]"
        values(other) shouldBe before
    }

    test("a checkpoint for a different model lists the mismatches and leaves the model and parts untouched") {
        val p = dir.resolve("other.safetensors")
        val big = mlp(hidden = 6)
        Checkpoint(big).add("scheduler", FakeScheduler().apply { epoch = 9 }).save(p)
        val small = mlp(hidden = 3)
        val sched = FakeScheduler()
        val before = values(small)
        val e = shouldThrow<IllegalArgumentException> { Checkpoint(small).add("scheduler", sched).load(p) }
        e.message shouldContain "0.weight: checkpoint [6, 4], model [3, 4]"
        e.message shouldNotContain "model.0.weight"
        values(small) shouldBe before
        sched.epoch shouldBe 0
    }

    test("a plain state-dict file is not mistaken for a checkpoint") {
        val p = dir.resolve("plain.safetensors")
        Linear(2, 1).save(p)
        shouldThrow<IllegalArgumentException> { Checkpoint(Linear(2, 1)).load(p) }.message shouldContain "not a Kindling checkpoint"
    }

    test("part names that would collide with the layout are refused") {
        for (name in listOf("", "a.b", "model", "user", "kindling", "a,b")) {
            shouldThrow<IllegalArgumentException> { Checkpoint(Linear(1, 1)).add(name, FakeScheduler()) }
        }
        shouldThrow<IllegalArgumentException> { Checkpoint(Linear(1, 1)).add("s", FakeScheduler()).add("s", FakeScheduler()) }
    }
})
