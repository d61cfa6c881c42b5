package dev.kindling.optim

import dev.kindling.autograd.Tensor
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import kotlin.math.abs
import kotlin.math.max
import kotlin.math.pow
import kotlin.math.sqrt

/**
 * Each optimizer against the algorithm box in PyTorch's torch.optim documentation, written here again
 * in plain doubles: five steps on a float64 parameter with fixed gradients, for every option.
 * A reference takes (t, x, g) and updates x in place, keeping its own state.
 */
private typealias Reference = (t: Int, x: DoubleArray, g: DoubleArray) -> Unit

private fun sgdRef(lr: Double, momentum: Double = 0.0, dampening: Double = 0.0, wd: Double = 0.0,
                   nesterov: Boolean = false, maximize: Boolean = false): Reference {
    val b = DoubleArray(X0.size)
    return { t, x, grad ->
        for (i in x.indices) {
            var g = if (maximize) -grad[i] else grad[i]
            if (wd != 0.0) g += wd * x[i]
            if (momentum != 0.0) {
                b[i] = if (t > 1) momentum * b[i] + (1 - dampening) * g else g
                g = if (nesterov) g + momentum * b[i] else b[i]
            }
            x[i] -= lr * g
        }
    }
}

/** Adam, and AdamW when decoupled (theta <- theta - lr * wd * theta before the Adam step). */
private fun adamRef(lr: Double, b1: Double = 0.9, b2: Double = 0.999, eps: Double = 1e-8, wd: Double = 0.0,
                    amsgrad: Boolean = false, maximize: Boolean = false, decoupled: Boolean = false): Reference {
    val m = DoubleArray(X0.size); val v = DoubleArray(X0.size); val vMax = DoubleArray(X0.size)
    return { t, x, grad ->
        for (i in x.indices) {
            var g = if (maximize) -grad[i] else grad[i]
            if (decoupled) x[i] -= lr * wd * x[i] else if (wd != 0.0) g += wd * x[i]
            m[i] = b1 * m[i] + (1 - b1) * g
            v[i] = b2 * v[i] + (1 - b2) * g * g
            val mHat = m[i] / (1 - b1.pow(t))
            val vHat = if (amsgrad) {
                vMax[i] = max(vMax[i], v[i]); vMax[i] / (1 - b2.pow(t))
            } else v[i] / (1 - b2.pow(t))
            x[i] -= lr * mHat / (sqrt(vHat) + eps)
        }
    }
}

private fun adamaxRef(lr: Double, b1: Double = 0.9, b2: Double = 0.999, eps: Double = 1e-8, wd: Double = 0.0,
                      maximize: Boolean = false): Reference {
    val m = DoubleArray(X0.size); val u = DoubleArray(X0.size)
    return { t, x, grad ->
        for (i in x.indices) {
            var g = if (maximize) -grad[i] else grad[i]
            if (wd != 0.0) g += wd * x[i]
            m[i] = b1 * m[i] + (1 - b1) * g
            u[i] = max(b2 * u[i], abs(g) + eps)
            x[i] -= lr * m[i] / ((1 - b1.pow(t)) * u[i])
        }
    }
}

private fun nadamRef(lr: Double, b1: Double = 0.9, b2: Double = 0.999, eps: Double = 1e-8, wd: Double = 0.0,
                     psi: Double = 4e-3, decoupled: Boolean = false, maximize: Boolean = false): Reference {
    val m = DoubleArray(X0.size); val v = DoubleArray(X0.size)
    fun mu(t: Int) = b1 * (1 - 0.5 * 0.96.pow(t * psi))
    return { t, x, grad ->
        var prodT = 1.0
        for (k in 1..t) prodT *= mu(k)
        val prodNext = prodT * mu(t + 1)
        for (i in x.indices) {
            var g = if (maximize) -grad[i] else grad[i]
            if (decoupled) x[i] -= lr * wd * x[i] else if (wd != 0.0) g += wd * x[i]
            m[i] = b1 * m[i] + (1 - b1) * g
            v[i] = b2 * v[i] + (1 - b2) * g * g
            val mHat = mu(t + 1) * m[i] / (1 - prodNext) + (1 - mu(t)) * g / (1 - prodT)
            val vHat = v[i] / (1 - b2.pow(t))
            x[i] -= lr * mHat / (sqrt(vHat) + eps)
        }
    }
}

private fun rmspropRef(lr: Double, alpha: Double = 0.99, eps: Double = 1e-8, wd: Double = 0.0, momentum: Double = 0.0,
                       centered: Boolean = false, maximize: Boolean = false): Reference {
    val v = DoubleArray(X0.size); val gAve = DoubleArray(X0.size); val b = DoubleArray(X0.size)
    return { _, x, grad ->
        for (i in x.indices) {
            var g = if (maximize) -grad[i] else grad[i]
            if (wd != 0.0) g += wd * x[i]
            v[i] = alpha * v[i] + (1 - alpha) * g * g
            var vTilde = v[i]
            if (centered) {
                gAve[i] = gAve[i] * alpha + (1 - alpha) * g
                vTilde -= gAve[i] * gAve[i]
            }
            if (momentum > 0) {
                b[i] = momentum * b[i] + g / (sqrt(vTilde) + eps)
                x[i] -= lr * b[i]
            } else {
                x[i] -= lr * g / (sqrt(vTilde) + eps)
            }
        }
    }
}

private fun adagradRef(lr: Double, lrDecay: Double = 0.0, wd: Double = 0.0, initial: Double = 0.0, eps: Double = 1e-10,
                       maximize: Boolean = false): Reference {
    val sum = DoubleArray(X0.size) { initial }
    return { t, x, grad ->
        val lrT = lr / (1 + (t - 1) * lrDecay)
        for (i in x.indices) {
            var g = if (maximize) -grad[i] else grad[i]
            if (wd != 0.0) g += wd * x[i]
            sum[i] += g * g
            x[i] -= lrT * g / (sqrt(sum[i]) + eps)
        }
    }
}

private fun adadeltaRef(lr: Double = 1.0, rho: Double = 0.9, eps: Double = 1e-6, wd: Double = 0.0,
                        maximize: Boolean = false): Reference {
    val v = DoubleArray(X0.size); val u = DoubleArray(X0.size)
    return { _, x, grad ->
        for (i in x.indices) {
            var g = if (maximize) -grad[i] else grad[i]
            if (wd != 0.0) g += wd * x[i]
            v[i] = rho * v[i] + (1 - rho) * g * g
            val dx = sqrt(u[i] + eps) / sqrt(v[i] + eps) * g
            u[i] = rho * u[i] + (1 - rho) * dx * dx
            x[i] -= lr * dx
        }
    }
}

class OptimUpdateRuleSpec : FunSpec({
    // A function: each reference keeps its own state, so every test needs fresh ones.
    fun cases(): List<Triple<String, (Tensor) -> Optimizer, Reference>> = listOf(
        Triple("SGD", { p -> SGD(listOf(p), 0.1) }, sgdRef(0.1)),
        Triple("SGD momentum", { p -> SGD(listOf(p), 0.1, 0.9) }, sgdRef(0.1, 0.9)),
        Triple("SGD momentum dampening weightDecay", { p -> SGD(listOf(p), 0.1, 0.9, 0.3, 0.05, false) },
            sgdRef(0.1, 0.9, 0.3, 0.05)),
        Triple("SGD nesterov weightDecay", { p -> SGD(listOf(p), 0.1, 0.8, 0.0, 0.01, true) },
            sgdRef(0.1, 0.8, wd = 0.01, nesterov = true)),
        Triple("SGD maximize", { p -> SGD(listOf(p), SGD.Options().lr(0.1).momentum(0.5).weightDecay(0.1).maximize(true)) },
            sgdRef(0.1, 0.5, wd = 0.1, maximize = true)),

        Triple("Adam", { p -> Adam(listOf(p), 0.01) }, adamRef(0.01)),
        Triple("Adam betas eps weightDecay", { p -> Adam(listOf(p), 0.05, 0.8, 0.99, 1e-3, 0.1, false) },
            adamRef(0.05, 0.8, 0.99, 1e-3, 0.1)),
        Triple("Adam amsgrad", { p -> Adam(listOf(p), Adam.Options().lr(0.05).betas(0.9, 0.5).amsgrad(true)) },
            adamRef(0.05, 0.9, 0.5, amsgrad = true)),
        Triple("Adam maximize", { p -> Adam(listOf(p), Adam.Options().lr(0.05).weightDecay(0.1).maximize(true)) },
            adamRef(0.05, wd = 0.1, maximize = true)),

        Triple("AdamW", { p -> AdamW(listOf(p), 0.01) }, adamRef(0.01, wd = 1e-2, decoupled = true)),
        Triple("AdamW amsgrad weightDecay", { p -> AdamW(listOf(p), 0.05, 0.9, 0.5, 1e-6, 0.3, true) },
            adamRef(0.05, 0.9, 0.5, 1e-6, 0.3, amsgrad = true, decoupled = true)),

        Triple("Adamax", { p -> Adamax(listOf(p)) }, adamaxRef(2e-3)),
        Triple("Adamax betas eps weightDecay", { p -> Adamax(listOf(p), 0.05, 0.8, 0.9, 1e-2, 0.2) },
            adamaxRef(0.05, 0.8, 0.9, 1e-2, 0.2)),
        Triple("Adamax maximize", { p -> Adamax(listOf(p), Adamax.Options().lr(0.05).maximize(true)) },
            adamaxRef(0.05, maximize = true)),

        Triple("NAdam", { p -> NAdam(listOf(p)) }, nadamRef(2e-3)),
        Triple("NAdam weightDecay momentumDecay", { p -> NAdam(listOf(p), 0.05, 0.8, 0.99, 1e-4, 0.1, 0.05) },
            nadamRef(0.05, 0.8, 0.99, 1e-4, 0.1, 0.05)),
        Triple("NAdam decoupled weightDecay maximize",
            { p -> NAdam(listOf(p), NAdam.Options().lr(0.05).weightDecay(0.2).decoupledWeightDecay(true).maximize(true)) },
            nadamRef(0.05, wd = 0.2, decoupled = true, maximize = true)),

        Triple("RMSprop", { p -> RMSprop(listOf(p)) }, rmspropRef(1e-2)),
        Triple("RMSprop alpha weightDecay", { p -> RMSprop(listOf(p), 0.01, 0.9, 1e-6, 0.1, 0.0, false) },
            rmspropRef(0.01, 0.9, 1e-6, 0.1)),
        Triple("RMSprop centered", { p -> RMSprop(listOf(p), RMSprop.Options().lr(0.01).centered(true)) },
            rmspropRef(0.01, centered = true)),
        Triple("RMSprop momentum", { p -> RMSprop(listOf(p), RMSprop.Options().lr(0.01).momentum(0.9)) },
            rmspropRef(0.01, momentum = 0.9)),
        Triple("RMSprop centered momentum weightDecay maximize",
            { p -> RMSprop(listOf(p), RMSprop.Options().lr(0.01).alpha(0.8).momentum(0.5).centered(true).weightDecay(0.05).maximize(true)) },
            rmspropRef(0.01, 0.8, wd = 0.05, momentum = 0.5, centered = true, maximize = true)),

        Triple("Adagrad", { p -> Adagrad(listOf(p)) }, adagradRef(1e-2)),
        Triple("Adagrad lrDecay weightDecay initialAccumulatorValue eps",
            { p -> Adagrad(listOf(p), 0.1, 0.3, 0.05, 0.5, 1e-3) }, adagradRef(0.1, 0.3, 0.05, 0.5, 1e-3)),
        Triple("Adagrad maximize", { p -> Adagrad(listOf(p), Adagrad.Options().lr(0.1).maximize(true)) },
            adagradRef(0.1, maximize = true)),

        Triple("Adadelta", { p -> Adadelta(listOf(p)) }, adadeltaRef()),
        Triple("Adadelta rho eps weightDecay", { p -> Adadelta(listOf(p), 0.5, 0.6, 1e-3, 0.1) },
            adadeltaRef(0.5, 0.6, 1e-3, 0.1)),
        Triple("Adadelta maximize", { p -> Adadelta(listOf(p), Adadelta.Options().maximize(true)) },
            adadeltaRef(maximize = true)),
    )

    for ((name, make, reference) in cases()) {
        test("$name follows PyTorch's update rule for 5 steps") {
            val p = param()
            val opt = make(p)
            val x = X0.copyOf()
            for (t in 1..5) {
                p.setGrad(Tensor.of(gradAt(t)))
                opt.step()
                reference(t, x, gradAt(t))
                assertClose(p.toDoubleArray(), x, 1e-12, "$name step $t")
            }
        }
    }

    // float32 parameters take the optimizers' float arithmetic path: same rule, float rounding.
    for ((name, make, reference) in cases()) {
        test("$name follows the same rule on a float32 parameter, to float precision") {
            val p = Tensor.of(FloatArray(X0.size) { X0[it].toFloat() }, X0.size).requiresGrad_(true)
            val opt = make(p)
            val x = DoubleArray(X0.size) { X0[it].toFloat().toDouble() }
            for (t in 1..5) {
                val g = FloatArray(X0.size) { gradAt(t)[it].toFloat() }
                p.setGrad(Tensor.of(g, g.size))
                opt.step()
                reference(t, x, DoubleArray(g.size) { g[it].toDouble() })
                assertClose(p.toDoubleArray(), x, 2e-5, "$name float32 step $t")
            }
        }
    }

    test("without weight decay the float32 loops add no decay term: an infinite parameter element stays infinite, not NaN") {
        val makers = listOf<(Tensor) -> dev.kindling.optim.Optimizer>(
            { p -> Adam(listOf(p), 0.01) }, { p -> Adamax(listOf(p)) }, { p -> NAdam(listOf(p)) },
            { p -> RMSprop(listOf(p)) }, { p -> RMSprop(listOf(p), RMSprop.Options().momentum(0.9)) }, { p -> Adagrad(listOf(p)) })
        for (make in makers) {
            val p = Tensor.of(floatArrayOf(Float.POSITIVE_INFINITY, 1f, 2f), 3).requiresGrad_(true)
            val opt = make(p)
            p.setGrad(Tensor.of(floatArrayOf(0.5f, 0.5f, 0.5f), 3))
            opt.step()
            p.toFloatArray()[0] shouldBe Float.POSITIVE_INFINITY
        }
    }

    // Adam's float path has a loop for arrays used from their start and one for any offset: the same
    // float operations, so the same bits, and nothing written outside the parameter's own elements.
    test("Adam on a float32 parameter stored at an offset in a larger array matches one stored from its start, bit for bit") {
        val n = X0.size
        val start = Tensor.of(FloatArray(n) { X0[it].toFloat() }, n).requiresGrad_(true)
        val storage = Tensor.of(FloatArray(n + 3) { if (it in 2 until n + 2) X0[it - 2].toFloat() else 7f }, n + 3)
        val shifted = storage.narrow(0, 2, n).detach().requiresGrad_(true)
        val a = Adam(listOf(start), 0.05)
        val b = Adam(listOf(shifted), 0.05)
        for (t in 1..5) {
            val g = FloatArray(n) { gradAt(t)[it].toFloat() }
            start.setGrad(Tensor.of(g, n))
            shifted.setGrad(Tensor.of(FloatArray(n + 1) { if (it == 0) 0f else g[it - 1] }, n + 1).narrow(0, 1, n))
            a.step()
            b.step()
            shifted.toFloatArray().toList() shouldBe start.toFloatArray().toList()
        }
        storage.toFloatArray().let { listOf(it[0], it[1], it[n + 2]) } shouldBe listOf(7f, 7f, 7f)
    }
})
