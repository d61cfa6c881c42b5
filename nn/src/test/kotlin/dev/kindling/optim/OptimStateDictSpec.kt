package dev.kindling.optim

import dev.kindling.autograd.Tensor
import dev.kindling.tensor.DType
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.kotest.assertions.throwables.shouldThrow

/** Saving and loading optimizer state resumes training bit for bit. */
class OptimStateDictSpec : FunSpec({
    val makers: List<Pair<String, (List<Tensor>) -> Optimizer>> = listOf(
        "SGD momentum nesterov" to { p -> SGD(p, 0.05, 0.9, 0.0, 0.01, true) },
        "Adam amsgrad" to { p -> Adam(p, Adam.Options().lr(0.05).betas(0.9, 0.5).amsgrad(true)) },
        "AdamW" to { p -> AdamW(p, 0.05) },
        "Adamax" to { p -> Adamax(p, 0.05) },
        "NAdam" to { p -> NAdam(p, 0.05) },
        "RMSprop centered momentum" to { p -> RMSprop(p, RMSprop.Options().lr(0.01).momentum(0.9).centered(true)) },
        "Adagrad lrDecay" to { p -> Adagrad(p, Adagrad.Options().lr(0.1).lrDecay(0.1).initialAccumulatorValue(0.1)) },
        "Adadelta" to { p -> Adadelta(p, 0.5) },
    )

    /** Two parameters (float32 and float64) in two groups with different lrs; the step's gradient depends on the parameters. */
    fun params(): List<Tensor> = listOf(
        Tensor.of(floatArrayOf(0.5f, -1.0f, 2.0f), 3).requiresGrad_(true),
        Tensor.of(doubleArrayOf(0.1, 0.2, -0.3, 0.4), 2, 2).requiresGrad_(true),
    )

    fun trainStep(opt: Optimizer, ps: List<Tensor>, t: Int) {
        opt.zeroGrad()
        ps.mapIndexed { k, p -> p.mul(p).mul(1.0 + k).sum().to(DType.FLOAT64).mul(1.0 / t) }.reduce { a, b -> a.add(b) }.backward()
        opt.step()
    }

    for ((name, make) in makers) {
        test("$name: a fresh optimizer loaded from the state dict continues bit-exactly") {
            val a = params()
            val optA = make(a.take(1)).also { it.addParamGroup(ParamGroup(a.drop(1), mapOf("lr" to 0.02))) }
            for (t in 1..3) trainStep(optA, a, t)
            val saved = optA.stateDict()
            val b = a.map { Tensor.wrap(it.data().copy()).requiresGrad_(true) }
            for (t in 4..6) trainStep(optA, a, t)

            val optB = make(b.take(1)).also { it.addParamGroup(ParamGroup(b.drop(1))) }
            optB.loadStateDict(saved)
            optB.paramGroups()[1].lr() shouldBe 0.02
            for (t in 4..6) trainStep(optB, b, t)
            for (k in a.indices) b[k].toDoubleArray().toList() shouldBe a[k].toDoubleArray().toList()
        }
    }

    test("the state dict is a snapshot keyed by parameter index, with the groups' options") {
        val ps = params()
        val opt = Adam(listOf(ParamGroup(listOf(ps[0])), ParamGroup(listOf(ps[1]), mapOf("lr" to 0.02))), Adam.Options().lr(0.1))
        ps[0].setGrad(Tensor.of(floatArrayOf(1f, 1f, 1f), 3))
        opt.step()
        val sd = opt.stateDict()
        sd.state().keys shouldBe setOf(0)
        sd.state()[0]!!.keys.toList() shouldBe listOf("step", "expAvg", "expAvgSq")
        sd.state()[0]!!["step"]!!.item() shouldBe 1.0
        sd.paramGroups()[0]["params"] shouldBe listOf(0)
        sd.paramGroups()[1]["params"] shouldBe listOf(1)
        sd.paramGroups()[0]["lr"] shouldBe 0.1
        sd.paramGroups()[1]["lr"] shouldBe 0.02
        sd.paramGroups()[1]["betas"] shouldBe listOf(0.9, 0.999)
        val before = sd.state()[0]!!["expAvg"]!!.toDoubleArray().toList()
        opt.step()
        sd.state()[0]!!["expAvg"]!!.toDoubleArray().toList() shouldBe before
    }

    test("loading converts state to the parameter's dtype") {
        val p32 = Tensor.of(floatArrayOf(1f, 2f), 2).requiresGrad_(true)
        val p64 = Tensor.of(doubleArrayOf(1.0, 2.0)).requiresGrad_(true)
        val opt64 = SGD(listOf(p64), 0.1, 0.9)
        p64.setGrad(Tensor.of(doubleArrayOf(0.5, 0.25)))
        opt64.step()
        val opt32 = SGD(listOf(p32), 0.1, 0.9)
        opt32.loadStateDict(opt64.stateDict())
        opt32.state(p32)["momentumBuffer"]!!.dtype() shouldBe DType.FLOAT32
    }

    test("loading a state dict that does not fit says why and changes nothing") {
        val opt = SGD(listOf(param()), 0.1, 0.9)
        val twoGroups = SGD(listOf(ParamGroup(listOf(param())), ParamGroup(listOf(param()))), SGD.Options().lr(0.1))
        shouldThrow<IllegalArgumentException> { opt.loadStateDict(twoGroups.stateDict()) }.message shouldContain
            "the state has 2 parameter groups, this optimizer has 1"
        val other = SGD(listOf(Tensor.of(doubleArrayOf(1.0, 2.0)).requiresGrad_(true)), 0.1, 0.9)
        other.paramGroups()[0].params()[0].setGrad(Tensor.of(doubleArrayOf(1.0, 1.0)))
        other.step()
        shouldThrow<IllegalArgumentException> { opt.loadStateDict(other.stateDict()) }.message shouldContain
            "state 'momentumBuffer' of parameter 0 has shape [2], but the parameter has shape [4]"
        opt.paramGroups()[0].lr() shouldBe 0.1
    }
})
