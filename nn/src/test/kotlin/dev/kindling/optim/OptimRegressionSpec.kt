package dev.kindling.optim

import dev.kindling.autograd.Tensor
import dev.kindling.nn.Linear
import dev.kindling.tensor.DType
import io.kotest.assertions.withClue
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.doubles.shouldBeLessThan

/** Each optimizer fits y = X w + b (20 samples, 3 features) with a Linear layer to a small mean squared error. */
class OptimRegressionSpec : FunSpec({
    fun mse(model: Linear, x: Tensor, y: Tensor): Tensor = model.forward(x).sub(y).square().mean()

    fun fit(steps: Int, make: (List<Tensor>) -> Optimizer, float64: Boolean): Double {
        dev.kindling.Random.manualSeed(0)
        val model = Linear(3, 1)
        var x = Regression.xs
        var y = Regression.ys
        if (!float64) { x = x.to(DType.FLOAT32); y = y.to(DType.FLOAT32) }
        else dev.kindling.autograd.GradMode.noGrad().use { for (p in model.parameters()) p.set_(p.to(DType.FLOAT64).detach()) }
        val opt = make(model.parameters())
        repeat(steps) {
            opt.zeroGrad()
            mse(model, x, y).backward()
            opt.step()
        }
        return mse(model, x, y).item()
    }

    val cases: List<Triple<String, Int, (List<Tensor>) -> Optimizer>> = listOf(
        Triple("SGD", 300, { p -> SGD(p, 0.1) }),
        Triple("SGD nesterov", 200, { p -> SGD(p, 0.05, 0.9, 0.0, 0.0, true) }),
        Triple("Adam", 400, { p -> Adam(p, 0.05) }),
        Triple("Adam amsgrad", 400, { p -> Adam(p, Adam.Options().lr(0.05).amsgrad(true)) }),
        Triple("AdamW", 400, { p -> AdamW(p, AdamW.Options().lr(0.05).weightDecay(1e-4)) }),
        Triple("Adamax", 400, { p -> Adamax(p, 0.1) }),
        Triple("NAdam", 400, { p -> NAdam(p, 0.05) }),
        Triple("RMSprop", 400, { p -> RMSprop(p, 0.01) }),
        Triple("RMSprop centered momentum", 400, { p -> RMSprop(p, RMSprop.Options().lr(0.005).momentum(0.5).centered(true)) }),
        Triple("Adagrad", 400, { p -> Adagrad(p, 0.5) }),
        Triple("Adadelta", 400, { p -> Adadelta(p, Adadelta.Options().lr(0.5).eps(1e-3)) }),
    )

    for ((name, steps, make) in cases) {
        for (float64 in listOf(false, true)) {
            val dtype = if (float64) "float64" else "float32"
            test("$name fits a linear regression in $steps steps ($dtype)") {
                val loss = fit(steps, make, float64)
                withClue("final loss") { loss shouldBeLessThan 1e-3 }
            }
        }
    }
})
