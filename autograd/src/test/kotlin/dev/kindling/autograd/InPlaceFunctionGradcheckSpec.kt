package dev.kindling.autograd

import dev.kindling.Random
import dev.kindling.tensor.DType
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain

/** x^3 with a hand-written backward; saving the input keeps double backward working. Shared with AutogradFunctionSpec. */
internal class Cube : Function() {
    override fun forward(ctx: FunctionContext, vararg inputs: Tensor): Tensor {
        ctx.saveForBackward(inputs[0])
        return inputs[0].pow(3.0)
    }

    override fun backward(ctx: FunctionContext, gradOutput: Tensor): Array<Tensor?> {
        val x = ctx.savedTensors()[0]
        return arrayOf(gradOutput.mul(x.mul(x)).mul(3.0))
    }
}

/** sigmoid written out: forward from exp, backward s (1 - s) recomputed from the saved input. */
private class MySigmoid : Function() {
    override fun forward(ctx: FunctionContext, vararg inputs: Tensor): Tensor {
        ctx.saveForBackward(inputs[0])
        return inputs[0].neg().exp().add(1.0).reciprocal()
    }

    override fun backward(ctx: FunctionContext, gradOutput: Tensor): Array<Tensor?> {
        val s = ctx.savedTensors()[0].neg().exp().add(1.0).reciprocal()
        return arrayOf(gradOutput.mul(s).mul(s.rsub(1.0)))
    }
}

/** sigmoid that saves its output for backward, as the PyTorch docs' examples do. */
private class SigmoidSavingOutput : Function() {
    override fun forward(ctx: FunctionContext, vararg inputs: Tensor): Tensor {
        val s = inputs[0].sigmoid()
        ctx.saveForBackward(s)
        return s
    }

    override fun backward(ctx: FunctionContext, gradOutput: Tensor): Array<Tensor?> {
        val s = ctx.savedTensors()[0]
        return arrayOf(gradOutput.mul(s).mul(s.rsub(1.0)))
    }
}

/** (a b, a + sin b): two inputs, two outputs. */
private class ProductAndSum : MultiOutputFunction() {
    override fun forward(ctx: FunctionContext, vararg inputs: Tensor): Array<Tensor> {
        ctx.saveForBackward(inputs[0], inputs[1])
        return arrayOf(inputs[0].mul(inputs[1]), inputs[0].add(inputs[1].sin()))
    }

    override fun backward(ctx: FunctionContext, vararg gradOutputs: Tensor): Array<Tensor?> {
        val (a, b) = ctx.savedTensors()
        val (gp, gs) = gradOutputs
        return arrayOf(
            if (ctx.needsInputGrad(0)) gp.mul(b).add(gs) else null,
            if (ctx.needsInputGrad(1)) gp.mul(a).add(gs.mul(b.cos())) else null,
        )
    }
}

/** x^3 whose backward is off by a factor: gradcheck must notice. */
private class WrongCube : Function() {
    override fun forward(ctx: FunctionContext, vararg inputs: Tensor): Tensor {
        ctx.saveForBackward(inputs[0])
        return inputs[0].pow(3.0)
    }

    override fun backward(ctx: FunctionContext, gradOutput: Tensor): Array<Tensor?> {
        val x = ctx.savedTensors()[0]
        return arrayOf(gradOutput.mul(x.mul(x)).mul(2.9))
    }
}

/** x^3 whose backward is right in value but not differentiable (it detaches x): gradgradcheck must notice. */
private class DetachedCube : Function() {
    override fun forward(ctx: FunctionContext, vararg inputs: Tensor): Tensor {
        ctx.saveForBackward(inputs[0])
        return inputs[0].pow(3.0)
    }

    override fun backward(ctx: FunctionContext, gradOutput: Tensor): Array<Tensor?> {
        val x = ctx.savedTensors()[0].detach()
        return arrayOf(gradOutput.mul(x.mul(x)).mul(3.0))
    }
}

/**
 * In-place ops recorded on non-leaf tensors, and user-defined Functions, against finite differences.
 * Each checked function builds its non-leaf afresh from the inputs and then mutates it, so the
 * numerical pass (no grad) and the analytical pass (recording) see the same computation.
 */
class InPlaceFunctionGradcheckSpec : FunSpec({

    beforeTest { Random.manualSeed(99) }

    // ------------------------------------------------------------------ in place, on a non-leaf

    test("add_(Tensor) with a broadcast operand and add_(number)") {
        checkBoth(randn(3, 4), randn(4)) { val y = it[0].mul(2.0); y.add_(it[1]); y.add_(0.5); y }
    }

    test("sub_(Tensor) and sub_(number)") {
        checkBoth(randn(3, 4), randn(3, 1)) { val y = it[0].mul(2.0); y.sub_(it[1]); y.sub_(1.5); y }
    }

    test("mul_(Tensor) w.r.t. both operands, and mul_(number)") {
        checkBoth(randn(3, 4), randn(4)) { val y = it[0].mul(2.0); y.mul_(it[1]); y.mul_(-0.7); y }
        checkBoth(randn(3, 4), randn(3, 4)) { val y = it[0].add(1.0); y.mul_(it[1]); y.mul(it[0]) }
    }

    test("div_(Tensor) w.r.t. both operands, and div_(number)") {
        checkBoth(randn(3, 4), randnAway(4, gap = 0.5)) { val y = it[0].mul(2.0); y.div_(it[1]); y }
        checkBoth(randn(3, 4)) { val y = it[0].mul(2.0); y.div_(1.7); y }
    }

    test("div_(Tensor) followed by more in-place ops on the same tensor") {
        // div_ must keep what its divisor's gradient needs safe from later in-place changes of self.
        checkBoth(randn(3, 4), randnAway(4, gap = 0.5)) { val y = it[0].mul(2.0); y.div_(it[1]); y.add_(1.0); y }
        checkBoth(randn(3, 4), randnAway(3, 4, gap = 0.5), randn(4)) {
            val y = it[0].mul(2.0); y.div_(it[1]); y.mul_(it[2]); y
        }
    }

    test("a chain of in-place ops with tensor and number operands") {
        checkBoth(randn(3, 4), randn(4), randn(3, 4), randnAway(3, 1, gap = 0.5)) {
            val y = it[0].mul(2.0)
            y.add_(it[1]); y.mul_(it[2]); y.sub_(1.5); y.div_(it[3]); y.mul_(0.5); y.add_(it[1])
            y
        }
    }

    test("in-place ops into a tensor that does not require grad, with an operand that does") {
        checkBoth(randn(3, 4), randnAway(4, gap = 0.5)) {
            val y = Tensor.ones(DType.FLOAT64, 3, 4)
            y.add_(it[0]); y.mul_(it[1]); y.div_(it[1].add(it[1].sign())); y
        }
    }

    test("an in-place op with itself as the operand uses its old value: y.mul_(y) is y^2, y.div_(y) is 1, y.add_(y) is 2y") {
        checkBoth(randn(3, 4)) { val y = it[0].mul(1.0); y.mul_(y); y }
        checkBoth(randnAway(3, 4, gap = 0.5)) { val y = it[0].mul(1.0); y.div_(y); y.add(it[0]) }
        gradOf(f64(1.0, -2.0, 3.0)) { val y = it.mul(1.0); y.mul_(y); y } shouldBeClose doubleArrayOf(2.0, -4.0, 6.0)
        gradOf(f64(1.0, -2.0, 3.0)) { val y = it.mul(1.0); y.div_(y); y } shouldBeClose doubleArrayOf(0.0, 0.0, 0.0)
        gradOf(f64(1.0, -2.0, 3.0)) { val y = it.mul(1.0); y.add_(y); y } shouldBeClose doubleArrayOf(2.0, 2.0, 2.0)
        gradOf(f64(1.0, -2.0, 3.0)) { val y = it.mul(1.0); y.sub_(y); y.add(it) } shouldBeClose doubleArrayOf(1.0, 1.0, 1.0)
    }

    test("clamp_ (points away from the bounds)") {
        checkBoth(randnAway(3, 4, kinks = doubleArrayOf(-0.25, 0.25), gap = 0.05)) { val y = it[0].mul(2.0); y.clamp_(-0.5, 0.5); y }
        checkBoth(randnAway(3, 4, kinks = doubleArrayOf(0.15), gap = 0.05)) { val y = it[0].mul(2.0); y.clamp_(0.3, Double.NaN); y }
    }

    test("fill_ and zero_: the overwritten values get no gradient") {
        checkBoth(randn(3, 4)) { val y = it[0].mul(2.0); y.fill_(3.0); y.mul(it[0]) }
        checkBoth(randn(3, 4)) { val y = it[0].mul(2.0); y.zero_(); y.add(it[0].square()) }
        gradOf(f64(1.0, 2.0)) { val y = it.mul(2.0); y.fill_(3.0); y.mul(it) } shouldBeClose doubleArrayOf(3.0, 3.0)
    }

    test("copy_ with a broadcast src: the src collects the gradient, the old values get none") {
        checkBoth(randn(3, 4), randn(4)) { val y = it[0].mul(2.0); y.copy_(it[1]); y.mul(it[0]) }
        checkBoth(randn(4)) { val y = Tensor.zeros(DType.FLOAT64, 3, 4); y.copy_(it[0]); y.exp() }
        checkBoth(randn(3, 1)) { val y = Tensor.zeros(DType.FLOAT64, 3, 4); y.copy_(it[0].to(DType.FLOAT64)); y }
    }

    test("maskedFill_") {
        val mask = bools(true, false, false, true, false, true, true, false, false, false, true, false, shape = intArrayOf(3, 4))
        checkBoth(randn(3, 4)) { val y = it[0].mul(2.0); y.maskedFill_(mask, 1.0); y.mul(it[0]) }
        checkBoth(randn(3, 4)) { val y = it[0].mul(2.0); y.maskedFill_(bools(false, true, true, false), -1.0); y }
    }

    // ------------------------------------------------------------------ user-defined functions

    test("a user-defined Function (cube): gradcheck and gradgradcheck") {
        checkBoth(randn(3, 4)) { Cube().apply(it[0]) }
        checkBoth(randn(5)) { Cube().apply(it[0].sin()).mul(it[0]) }
    }

    test("a user-defined sigmoid that recomputes from its saved input: gradcheck and gradgradcheck") {
        checkBoth(randn(3, 4)) { MySigmoid().apply(it[0]) }
    }

    test("a user-defined sigmoid that saves its output: gradcheck") {
        gradcheck(randn(3, 4)) { SigmoidSavingOutput().apply(it[0]) }
    }

    // The saved output must reach backward as the recorded output (with its gradFn), or double backward
    // would treat s (1 - s) as a constant and miss the d s/dx term.
    test("a user-defined sigmoid that saves its output: gradgradcheck (double backward through a saved output)") {
        gradgradcheck(randn(3, 4)) { SigmoidSavingOutput().apply(it[0]) }
    }

    test("a MultiOutputFunction: gradcheck and gradgradcheck through both outputs, and through one") {
        checkBoth(randn(3, 4), randn(3, 4)) { val (p, s) = ProductAndSum().apply(it[0], it[1]); p.mul(s.exp()) }
        checkBoth(randn(3, 4), randn(3, 4)) { ProductAndSum().apply(it[0], it[1])[1].mul(3.0) }
        checkBoth(randn(3, 4), randn(3, 4)) { ProductAndSum().apply(it[0], it[1])[0] }
        val c = Tensor.randn(DType.FLOAT64, 3, 4)
        checkBoth(randn(3, 4)) { val (p, s) = ProductAndSum().apply(c, it[0]); p.add(s) }
    }

    // ------------------------------------------------------------------ the checker itself

    test("gradcheck rejects a backward that is off, naming the input and element") {
        val e = shouldThrow<GradcheckError> { GradCheck.gradcheck({ WrongCube().apply(it[0]) }, randn(2, 3)) }
        e.message shouldContain "input 0"
        e.message shouldContain "numerical"
    }

    test("gradgradcheck rejects a backward that is right in value but not differentiable") {
        GradCheck.gradcheck({ DetachedCube().apply(it[0]) }, randn(2, 3)) shouldBe true
        shouldThrow<GradcheckError> { GradCheck.gradgradcheck({ DetachedCube().apply(it[0]) }, randn(2, 3)) }
    }

    test("gradcheck asks for float64 inputs") {
        val e = shouldThrow<IllegalArgumentException> {
            GradCheck.gradcheck({ it[0].exp() }, Tensor.randn(DType.FLOAT32, 3).requiresGrad_(true))
        }
        e.message shouldContain "float64"
    }
})
