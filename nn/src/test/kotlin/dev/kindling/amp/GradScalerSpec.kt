package dev.kindling.amp

import dev.kindling.autograd.Tensor
import dev.kindling.optim.SGD
import dev.kindling.tensor.DType
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain

/** GradScaler's bookkeeping on CPU tensors (it is device-agnostic), against PyTorch's documented rules. */
class GradScalerSpec : FunSpec({
    /** A parameter [1, 2, 3] whose gradient after backward of scaler.scale(sum(p * c)) is scale * c. */
    fun setup(c: FloatArray, scaler: GradScaler, lr: Double = 0.1): Triple<Tensor, SGD, Tensor> {
        val p = Tensor.of(floatArrayOf(1f, 2f, 3f), 3).requiresGrad_(true)
        val opt = SGD(listOf(p), lr)
        val loss = p.mul(Tensor.of(c, 3)).sum()
        scaler.scale(loss).backward()
        return Triple(p, opt, loss)
    }

    test("PyTorch's defaults: scale 2^16, growth 2, backoff 0.5, interval 2000") {
        val s = GradScaler()
        s.getScale() shouldBe 65536.0
        s.getGrowthFactor() shouldBe 2.0
        s.getBackoffFactor() shouldBe 0.5
        s.getGrowthInterval() shouldBe 2000
        s.scale(Tensor.scalar(3.0)).item() shouldBe 3.0 * 65536
    }

    test("a clean step unscales the gradients exactly once and updates the parameters with them") {
        val scaler = GradScaler(1024.0, 2.0, 0.5, 2000, true)
        val (p, opt, _) = setup(floatArrayOf(0.5f, -1f, 2f), scaler)
        p.grad()!!.toFloatArray().toList() shouldBe listOf(512f, -1024f, 2048f)
        scaler.step(opt) shouldBe true
        p.grad()!!.toFloatArray().toList() shouldBe listOf(0.5f, -1f, 2f)
        p.toFloatArray().toList() shouldBe listOf(1f - 0.05f, 2f + 0.1f, 3f - 0.2f)
        scaler.update()
        scaler.getScale() shouldBe 1024.0
    }

    test("unscale_ before step (for clipping) is not repeated by step") {
        val scaler = GradScaler(8.0, 2.0, 0.5, 2000, true)
        val (p, opt, _) = setup(floatArrayOf(1f, 1f, 1f), scaler)
        scaler.unscale_(opt)
        p.grad()!!.toFloatArray().toList() shouldBe listOf(1f, 1f, 1f)
        scaler.step(opt) shouldBe true
        p.grad()!!.toFloatArray().toList() shouldBe listOf(1f, 1f, 1f)
    }

    for ((what, bad) in listOf("inf" to Float.POSITIVE_INFINITY, "NaN" to Float.NaN)) {
        test("a gradient holding $what skips the step, halves the scale and restarts the growth count") {
            val scaler = GradScaler(256.0, 2.0, 0.5, 2, true)
            run {
                val (_, opt, _) = setup(floatArrayOf(1f, 1f, 1f), scaler)
                scaler.step(opt) shouldBe true
                scaler.update() // one clean step counted
            }
            val (p, opt, _) = setup(floatArrayOf(1f, bad, 1f), scaler)
            scaler.step(opt) shouldBe false
            p.toFloatArray().toList() shouldBe listOf(1f, 2f, 3f)
            scaler.update()
            scaler.getScale() shouldBe 128.0
            scaler.stateDict()["_growth_tracker"] shouldBe 0
        }
    }

    test("growthInterval clean steps in a row double the scale") {
        val scaler = GradScaler(4.0, 2.0, 0.5, 3, true)
        val seen = mutableListOf<Double>()
        repeat(7) {
            val (_, opt, _) = setup(floatArrayOf(1f, 2f, 3f), scaler)
            scaler.step(opt)
            scaler.update()
            seen += scaler.getScale()
        }
        seen shouldBe listOf(4.0, 4.0, 8.0, 8.0, 8.0, 16.0, 16.0)
    }

    test("update(newScale) sets the scale") {
        val scaler = GradScaler()
        scaler.update(3.0)
        scaler.getScale() shouldBe 3.0
    }

    test("calling unscale_ twice, step twice, or update before any step is an error naming the rule") {
        val scaler = GradScaler()
        shouldThrow<IllegalStateException> { scaler.update() }.message shouldContain "no inf checks"
        val (_, opt, _) = setup(floatArrayOf(1f, 1f, 1f), scaler)
        scaler.unscale_(opt)
        shouldThrow<IllegalStateException> { scaler.unscale_(opt) }.message shouldContain "already been called"
        scaler.step(opt)
        shouldThrow<IllegalStateException> { scaler.step(opt) }.message shouldContain "step() has already been called"
        scaler.update()
    }

    test("float16 gradients are refused, as PyTorch refuses to unscale them") {
        val p = Tensor.of(floatArrayOf(1f, 2f), 2).to(DType.FLOAT16).detach().requiresGrad_(true)
        p.sum().backward()
        val scaler = GradScaler()
        shouldThrow<IllegalStateException> { scaler.unscale_(SGD(listOf(p), 0.1)) }.message shouldContain "FLOAT16 gradients"
    }

    test("disabled: scale is the identity, step always steps, getScale is 1 and the state is empty") {
        val scaler = GradScaler(65536.0, 2.0, 0.5, 2000, false)
        val x = Tensor.scalar(2.0)
        scaler.scale(x) shouldBe x
        val (p, opt, _) = setup(floatArrayOf(1f, 1f, 1f), scaler)
        scaler.step(opt) shouldBe true
        p.toFloatArray().toList() shouldBe listOf(0.9f, 1.9f, 2.9f)
        scaler.getScale() shouldBe 1.0
        scaler.stateDict() shouldBe emptyMap()
    }

    test("stateDict has PyTorch's keys and loadStateDict restores scale and tracker") {
        val a = GradScaler(64.0, 2.0, 0.5, 10, true)
        val (_, opt, _) = setup(floatArrayOf(1f, 1f, 1f), a)
        a.step(opt)
        a.update()
        val sd = a.stateDict()
        sd.keys.toList() shouldBe listOf("scale", "growth_factor", "backoff_factor", "growth_interval", "_growth_tracker")
        val b = GradScaler(1.0, 2.0, 0.5, 10, true)
        b.loadStateDict(sd)
        b.getScale() shouldBe 64.0
        b.stateDict()["_growth_tracker"] shouldBe 1
    }

    test("bad settings are rejected with the argument's name") {
        shouldThrow<IllegalArgumentException> { GradScaler(0.0, 2.0, 0.5, 1, true) }.message shouldContain "initScale"
        shouldThrow<IllegalArgumentException> { GradScaler(1.0, 1.0, 0.5, 1, true) }.message shouldContain "growthFactor"
        shouldThrow<IllegalArgumentException> { GradScaler(1.0, 2.0, 1.5, 1, true) }.message shouldContain "backoffFactor"
        shouldThrow<IllegalArgumentException> { GradScaler(1.0, 2.0, 0.5, 0, true) }.message shouldContain "growthInterval"
    }
})
