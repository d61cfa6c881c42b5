package dev.kindling.optim

import dev.kindling.autograd.GradMode
import dev.kindling.autograd.Tensor
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.collections.shouldBeEmpty
import io.kotest.matchers.nulls.shouldBeNull
import io.kotest.matchers.longs.shouldBeLessThan
import io.kotest.matchers.shouldBe
import io.kotest.assertions.withClue
import io.kotest.matchers.string.shouldContain

/** Parameter groups, skipped parameters, zeroGrad and the errors for bad hyperparameters. */
class OptimBehaviourSpec : FunSpec({
    test("each parameter group uses its own lr, and unset options take the defaults") {
        val a = param(); val b = param()
        val opt = SGD(listOf(ParamGroup(listOf(a)), ParamGroup(listOf(b), mapOf("lr" to 0.5, "momentum" to 0.9))),
            SGD.Options().lr(0.1))
        opt.paramGroups()[0].getDouble("momentum") shouldBe 0.0
        opt.paramGroups()[1].getDouble("momentum") shouldBe 0.9
        opt.paramGroups()[1].getDouble("weightDecay") shouldBe 0.0
        val g = doubleArrayOf(1.0, 2.0, 3.0, 4.0)
        a.setGrad(Tensor.of(g.copyOf())); b.setGrad(Tensor.of(g.copyOf()))
        opt.step()
        assertClose(a.toDoubleArray(), DoubleArray(4) { X0[it] - 0.1 * g[it] })
        assertClose(b.toDoubleArray(), DoubleArray(4) { X0[it] - 0.5 * g[it] })
    }

    test("a changed group lr applies from the next step") {
        val p = param()
        val opt = SGD(listOf(p), 0.1)
        opt.paramGroups()[0].setLr(0.01)
        p.setGrad(Tensor.of(doubleArrayOf(1.0, 1.0, 1.0, 1.0)))
        opt.step()
        assertClose(p.toDoubleArray(), DoubleArray(4) { X0[it] - 0.01 })
    }

    test("addParamGroup adds parameters with the defaults") {
        val a = param(); val b = param()
        val opt = Adam(listOf(a), 0.1)
        opt.addParamGroup(ParamGroup(listOf(b), mapOf("lr" to 0.01)))
        opt.paramGroups().size shouldBe 2
        opt.paramGroups()[1].getBoolean("amsgrad") shouldBe false
    }

    test("parameters whose grad is null are skipped and get no state") {
        val a = param(); val b = param()
        val opt = Adam(listOf(a, b), 0.1)
        a.setGrad(Tensor.of(doubleArrayOf(1.0, 1.0, 1.0, 1.0)))
        opt.step()
        b.toDoubleArray().toList() shouldBe X0.toList()
        opt.state(b).keys.shouldBeEmpty()
        opt.state(a)["step"]!!.item() shouldBe 1.0
        (a.toDoubleArray().toList() == X0.toList()) shouldBe false
    }

    test("SGD without momentum keeps no state; with momentum a buffer seeded by the first gradient") {
        val p = param(); val q = param()
        val plain = SGD(listOf(p), 0.1)
        val heavy = SGD(listOf(q), 0.1, 0.9)
        p.setGrad(Tensor.of(doubleArrayOf(1.0, 2.0, 3.0, 4.0))); q.setGrad(Tensor.of(doubleArrayOf(1.0, 2.0, 3.0, 4.0)))
        plain.step(); heavy.step()
        plain.state(p).keys.shouldBeEmpty()
        heavy.state(q)["momentumBuffer"]!!.toDoubleArray().toList() shouldBe listOf(1.0, 2.0, 3.0, 4.0)
    }

    test("zeroGrad sets grads to null, or to zeros when asked") {
        val p = param()
        val opt = SGD(listOf(p), 0.1)
        p.setGrad(Tensor.of(doubleArrayOf(1.0, 2.0, 3.0, 4.0)))
        opt.zeroGrad(false)
        p.grad()!!.toDoubleArray().toList() shouldBe listOf(0.0, 0.0, 0.0, 0.0)
        opt.zeroGrad()
        p.grad().shouldBeNull()
    }

    test("step records nothing and bumps the parameter's version") {
        val p = param()
        val opt = Adam(listOf(p), 0.1)
        p.setGrad(Tensor.of(doubleArrayOf(1.0, 1.0, 1.0, 1.0)))
        val v = p.version()
        opt.step()
        p.isLeaf shouldBe true
        p.version() shouldBe v + 1
        GradMode.isEnabled() shouldBe true
    }

    test("step with a closure evaluates the loss with grad mode on, then updates") {
        val p = param()
        val opt = SGD(listOf(p), 0.1)
        val loss = GradMode.noGrad().use {
            opt.step { opt.zeroGrad(); p.mul(p).sum().also { it.backward() } }
        }
        loss.item() shouldBe X0.sumOf { it * it }
        assertClose(p.toDoubleArray(), DoubleArray(4) { X0[it] - 0.1 * 2 * X0[it] })
    }

    test("strided parameters are updated through a copy") {
        val base = Tensor.of(doubleArrayOf(1.0, 2.0, 3.0, 4.0, 5.0, 6.0), 2, 3)
        val p = base.t().detach().requiresGrad_(true)
        p.isContiguous() shouldBe false
        val opt = SGD(listOf(p), 0.5)
        p.setGrad(Tensor.of(doubleArrayOf(1.0, 1.0, 1.0, 1.0, 1.0, 1.0), 3, 2))
        opt.step()
        base.toDoubleArray().toList() shouldBe listOf(0.5, 1.5, 2.5, 3.5, 4.5, 5.5)
    }

    test("a step allocates no temporaries: a few small objects per parameter, not per element") {
        val threads = java.lang.management.ManagementFactory.getThreadMXBean() as com.sun.management.ThreadMXBean
        val makers: List<(List<Tensor>) -> Optimizer> = listOf(
            { SGD(it, 0.1, 0.9, 0.0, 0.01, true) }, { Adam(it, Adam.Options().amsgrad(true).weightDecay(0.1)) }, { AdamW(it) },
            { Adamax(it) }, { NAdam(it) }, { RMSprop(it, RMSprop.Options().centered(true).momentum(0.9)) }, { Adagrad(it) },
            { Adadelta(it) })
        for (make in makers) {
            val p = Tensor.zeros(100_000).requiresGrad_(true)
            p.setGrad(Tensor.ones(100_000))
            val opt = make(listOf(p))
            repeat(3) { opt.step() }
            val before = threads.currentThreadAllocatedBytes
            repeat(10) { opt.step() }
            val perStep = (threads.currentThreadAllocatedBytes - before) / 10
            withClue(opt.javaClass.simpleName) { perStep shouldBeLessThan 2_000L }
        }
    }

    fun err(block: () -> Unit): String = shouldThrow<IllegalArgumentException> { block() }.message!!

    test("bad hyperparameters give clear errors") {
        val ps = listOf(param())
        err { SGD(ps, -0.1) } shouldContain "SGD: invalid lr -0.1, it must be >= 0"
        err { SGD(ps, 0.1, -0.5) } shouldContain "invalid momentum -0.5"
        err { SGD(ps, 0.1, 0.0, 0.0, 0.0, true) } shouldContain "Nesterov momentum requires a momentum > 0 and zero dampening"
        err { SGD(ps, 0.1, 0.9, 0.1, 0.0, true) } shouldContain "Nesterov momentum requires"
        err { SGD(ps, 0.1, 0.0, 0.0, -1.0, false) } shouldContain "invalid weightDecay -1.0"
        err { Adam(ps, 1e-3, 1.0, 0.999, 1e-8, 0.0, false) } shouldContain "invalid beta parameter at index 0: 1.0, betas must be in [0, 1)"
        err { Adam(ps, Adam.Options().betas(0.9, -0.1)) } shouldContain "invalid beta parameter at index 1"
        err { Adam(ps, Adam.Options().eps(-1.0)) } shouldContain "invalid eps"
        err { Adam(ps, Double.NaN) } shouldContain "invalid lr NaN"
        err { AdamW(ps, Adam.Options()) } shouldContain "AdamW always decouples weight decay"
        err { Adamax(ps, Adamax.Options().betas(1.5, 0.9)) } shouldContain "Adamax: invalid beta parameter at index 0"
        err { NAdam(ps, NAdam.Options().momentumDecay(-1.0)) } shouldContain "invalid momentumDecay"
        err { RMSprop(ps, RMSprop.Options().alpha(-0.1)) } shouldContain "invalid alpha"
        err { Adagrad(ps, Adagrad.Options().lrDecay(-0.1)) } shouldContain "invalid lrDecay"
        err { Adagrad(ps, Adagrad.Options().initialAccumulatorValue(-1.0)) } shouldContain "invalid initialAccumulatorValue"
        err { Adadelta(ps, Adadelta.Options().rho(1.5)) } shouldContain "invalid rho 1.5, it must be in [0.0, 1.0]"
    }

    test("group options are checked, naming the group") {
        val a = param(); val b = param()
        err { SGD(listOf(ParamGroup(listOf(a)), ParamGroup(listOf(b), mapOf("lr" to -1.0))), SGD.Options()) } shouldContain
            "SGD: invalid lr -1.0, it must be >= 0 (parameter group 1)"
        err { Adam(listOf(ParamGroup(listOf(a), mapOf("weight_decay" to 0.1))), Adam.Options()) } shouldContain
            "Adam: unknown option 'weight_decay' (parameter group 0); Adam has [lr, betas, eps, weightDecay"
        err { SGD(listOf(ParamGroup(listOf(a)), ParamGroup(listOf(a))), SGD.Options()) } shouldContain
            "parameter 0 (parameter group 1) appears more than once"
    }

    test("parameters must be floating point leaves, and there must be some") {
        err { SGD(listOf<Tensor>(), 0.1) } shouldContain "SGD: got an empty parameter list"
        val p = param()
        err { SGD(listOf(p.mul(2.0)), 0.1) } shouldContain "cannot optimize a tensor computed by MulBackward"
        err { SGD(listOf(Tensor.of(longArrayOf(1, 2))), 0.1) } shouldContain "only floating point tensors can be optimized"
    }
})
