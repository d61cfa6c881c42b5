package dev.kindling.autograd

import dev.kindling.tensor.DType
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.assertions.withClue
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.kotest.matchers.types.shouldNotBeSameInstanceAs
import kotlin.math.abs
import kotlin.math.exp

/** User-defined ops: {@link Function} and {@link MultiOutputFunction} as torch.autograd.Function. */
class AutogradFunctionSpec : FunSpec({

    test("a Function's backward replaces the op's derivative: clamp with a straight-through gradient") {
        val x = fleaf(-2.0, 0.5, 3.0)
        val y = StraightThroughClamp().apply(x)
        y.toDoubleArray() shouldBe doubleArrayOf(-1.0, 0.5, 1.0)
        y.requiresGrad() shouldBe true
        y.isLeaf() shouldBe false
        y.gradFn()!!.name() shouldBe "StraightThroughClampBackward"
        y.gradFn()!!.nextFunctions().map { it.name() } shouldBe listOf("AccumulateGrad")
        y.mul(ft(1.0, 2.0, 3.0)).sum().backward()
        x.grad()!!.shouldBeNear(1.0, 2.0, 3.0)          // the built-in clamp would give 0, 2, 0
    }

    test("saveForBackward and savedTensors carry tensors from forward to backward") {
        val x = fleaf(0.0, 1.0, -1.0)
        val y = MyExp().apply(x)
        y.toDoubleArray().toList() shouldBe listOf(1.0, exp(1.0), exp(-1.0))
        y.sum().backward()
        x.grad()!!.shouldBeNear(1.0, exp(1.0), exp(-1.0))
        GradCheck.gradcheck({ a -> MyExp().apply(a[0]) }, fleaf(0.3, -0.7, 1.1)) shouldBe true
    }

    test("a Function's gradients flow on to the ops before it and accumulate with other paths") {
        val x = fleaf(1.0, 2.0)
        val y = MyExp().apply(x.mul(2.0)).add(x)      // exp(2x) + x
        y.sum().backward()
        x.grad()!!.shouldBeNear(2 * exp(2.0) + 1, 2 * exp(4.0) + 1)
    }

    test("a Function whose backward is written with Tensor ops can be differentiated again") {
        val x = fleaf(0.5, -1.5, 2.0)
        GradCheck.gradcheck({ a -> Cube().apply(a[0]) }, x) shouldBe true
        GradCheck.gradgradcheck({ a -> Cube().apply(a[0]) }, x) shouldBe true
        val d1 = Autograd.grad(Cube().apply(x).sum(), x, true)[0]
        val d2 = Autograd.grad(d1.sum(), x)[0]
        d2.shouldBeNear(3.0, -9.0, 12.0)               // 6x
    }

    test("needsInputGrad tells forward and backward which inputs want a gradient") {
        val a = fleaf(1.0, 2.0)
        val b = ft(3.0, 4.0)
        val f = WeightedSum()
        val y = f.apply(a, b)
        f.seenInForward shouldBe listOf(true, false)
        y.sum().backward()
        f.seenInBackward shouldBe listOf(true, false)
        a.grad()!!.shouldBeNear(2.0, 2.0)
        b.grad() shouldBe null
        val g = WeightedSum()
        GradMode.noGrad().use { g.apply(a, b) }.gradFn() shouldBe null
        g.seenInForward shouldBe listOf(false, false)
    }

    test("savedFreedAfterBackward is true only for the backward after which the engine frees what was saved") {
        val x = fleaf(1.0, 2.0)
        val f = FreeingProbe()
        val y = f.apply(x).sum()
        y.backward(null, true, false)
        Autograd.grad(arrayOf(y), arrayOf(x), null, true, false)
        Autograd.grad(arrayOf(y), arrayOf(x), null, false, false)
        f.seen shouldBe listOf(false, false, true)
        val z = FreeingProbe()
        z.apply(x).sum().backward()
        z.seen shouldBe listOf(true)
    }

    test("a Function applied to inputs that do not require grad records nothing") {
        val y = MyExp().apply(ft(0.0))
        y.requiresGrad() shouldBe false
        y.gradFn() shouldBe null
    }

    test("forward runs without recording, even when its inputs require grad") {
        val f = RecordingProbe()
        f.apply(fleaf(1.0))
        f.forwardSawGradFn shouldBe false
        f.forwardSawGradMode shouldBe false
    }

    test("a Function returning its input unchanged gives a new tensor and leaves the input's history alone") {
        val x = fleaf(1.0, 2.0)
        val y = PassThrough().apply(x)
        y shouldNotBeSameInstanceAs x
        y.gradFn()!!.name() shouldBe "PassThroughBackward"
        x.isLeaf() shouldBe true
        x.gradFn() shouldBe null
        y.sum().backward()
        x.grad()!!.shouldBeNear(1.0, 1.0)
    }

    test("an input returned unchanged is a view of it: in-place on the output obeys the input's rules") {
        val x = fleaf(1.0, 2.0)
        val y = PassThrough().apply(x)
        shouldThrow<IllegalStateException> { y.add_(1.0) }.message shouldContain "view of a leaf"
        x.toDoubleArray() shouldBe doubleArrayOf(1.0, 2.0)
        x.version() shouldBe 0
    }

    test("markNonDifferentiable outputs come back not requiring grad; the others are recorded") {
        val x = fleaf(3.0, -1.0, 2.0)
        val (values, mask) = PositiveMask().apply(x)
        values.requiresGrad() shouldBe true
        values.gradFn()!!.name() shouldBe "PositiveMaskBackward"
        mask.requiresGrad() shouldBe false
        mask.gradFn() shouldBe null
        mask.toDoubleArray() shouldBe doubleArrayOf(1.0, 0.0, 1.0)
        values.mul(mask).sum().backward()
        x.grad()!!.shouldBeNear(2.0, 0.0, 2.0)
    }

    test("integer outputs of a MultiOutputFunction never require grad") {
        val x = fleaf(3.0, 7.0, 2.0)
        val (m, i) = MaxWithIndex().apply(x)
        m.requiresGrad() shouldBe true
        i.dtype() shouldBe DType.INT64
        i.requiresGrad() shouldBe false
        m.sum().backward()
        x.grad()!!.shouldBeNear(0.0, 1.0, 0.0)
    }

    test("a two-output Function where only one output is used gets zeros for the other in backward") {
        val x = fleaf(1.0, 2.0)
        val f = TwoScales()
        val (twice, thrice) = f.apply(x)
        thrice.requiresGrad() shouldBe true
        twice.sum().backward()
        f.gradOutputsSeen!![1].shape().toList() shouldBe listOf(2)
        f.gradOutputsSeen!![1].toDoubleArray() shouldBe doubleArrayOf(0.0, 0.0)
        f.gradOutputsSeen!![0].toDoubleArray() shouldBe doubleArrayOf(1.0, 1.0)
        x.grad()!!.shouldBeNear(2.0, 2.0)
    }

    test("a two-output Function with both outputs used sums their gradients into the input") {
        val x = fleaf(1.0, 2.0)
        val (twice, thrice) = TwoScales().apply(x)
        twice.add(thrice.mul(thrice)).sum().backward()      // 2x + 9x^2
        x.grad()!!.shouldBeNear(2.0 + 18.0, 2.0 + 36.0)
        GradCheck.gradcheck({ a -> TwoScales().apply(a[0]).let { o -> o[0].mul(o[1]) } }, fleaf(0.3, -0.4)) shouldBe true
    }

    test("backward returning the wrong number of gradients fails naming the Function") {
        val y = BadArity().apply(fleaf(1.0))
        val e = shouldThrow<IllegalStateException> { y.sum().backward() }
        e.message shouldContain "BadArityBackward"
        e.message shouldContain "2 gradients"
        e.message shouldContain "1 inputs"
    }

    test("backward returning a gradient of the wrong shape fails naming the Function and both shapes") {
        val y = BadShape().apply(fleaf(1.0, 2.0, 3.0))
        val e = shouldThrow<IllegalStateException> { y.sum().backward() }
        e.message shouldContain "BadShapeBackward"
        e.message shouldContain "[2]"
        e.message shouldContain "[3]"
    }

    test("modifying a tensor a Function saved makes its backward fail, naming it") {
        val x = fleaf(1.0, 2.0)
        val h = x.mul(1.0)
        val y = MyExpOfInput().apply(h)
        h.add_(1.0)
        val e = shouldThrow<IllegalStateException> { y.sum().backward() }
        e.message shouldContain "MyExpOfInputBackward"
        e.message shouldContain "modified by an in-place operation"
    }

    test("a Function's saved tensors are freed by backward unless the graph is retained") {
        val x = fleaf(1.0)
        val y = MyExp().apply(x).sum()
        y.backward(null, true, false)
        y.backward()
        x.grad()!!.shouldBeNear(2 * exp(1.0))
        shouldThrow<IllegalStateException> { y.backward() }.message shouldContain "retainGraph"
    }

    test("put and get carry non-tensor values from forward to backward") {
        val x = Tensor.of(doubleArrayOf(1.0, 2.0, 3.0, 4.0, 5.0, 6.0), 2, 3).requiresGrad_(true)
        val y = FlattenScaled(0.5).apply(x)
        y.shape().toList() shouldBe listOf(6)
        y.mul(Tensor.of(doubleArrayOf(1.0, 2.0, 3.0, 4.0, 5.0, 6.0))).sum().backward()
        x.grad()!!.shape().toList() shouldBe listOf(2, 3)
        x.grad()!!.shouldBeNear(0.5, 1.0, 1.5, 2.0, 2.5, 3.0)
    }

    test("get of a key nothing was put under fails naming the key") {
        val y = ReadsMissing().apply(fleaf(1.0))
        shouldThrow<IllegalArgumentException> { y.sum().backward() }.message shouldContain "\"scale\""
    }

    test("a forward that returns null fails naming the Function") {
        shouldThrow<IllegalStateException> { ReturnsNull().apply(fleaf(1.0)) }.message shouldContain "ReturnsNullBackward"
    }
})

// ------------------------------------------------------------------ the user ops

private class StraightThroughClamp : Function() {
    override fun forward(ctx: FunctionContext, vararg inputs: Tensor): Tensor = inputs[0].clamp(-1.0, 1.0)
    override fun backward(ctx: FunctionContext, gradOutput: Tensor): Array<Tensor?> = arrayOf(gradOutput)
}

/** Saves its output, as torch's exp does. */
private class MyExp : Function() {
    override fun forward(ctx: FunctionContext, vararg inputs: Tensor): Tensor {
        val out = inputs[0].exp()
        ctx.saveForBackward(out)
        return out
    }

    override fun backward(ctx: FunctionContext, gradOutput: Tensor): Array<Tensor?> = arrayOf(gradOutput.mul(ctx.savedTensors()[0]))
}

/** Saves its input instead. */
private class MyExpOfInput : Function() {
    override fun forward(ctx: FunctionContext, vararg inputs: Tensor): Tensor {
        ctx.saveForBackward(inputs[0])
        return inputs[0].exp()
    }

    override fun backward(ctx: FunctionContext, gradOutput: Tensor): Array<Tensor?> =
        arrayOf(gradOutput.mul(ctx.savedTensors()[0].exp()))
}

/** a * 2 + b * 3, remembering what needsInputGrad said. */
private class WeightedSum : Function() {
    var seenInForward: List<Boolean>? = null
    var seenInBackward: List<Boolean>? = null

    override fun forward(ctx: FunctionContext, vararg inputs: Tensor): Tensor {
        seenInForward = listOf(ctx.needsInputGrad(0), ctx.needsInputGrad(1))
        return inputs[0].mul(2.0).add(inputs[1].mul(3.0))
    }

    override fun backward(ctx: FunctionContext, gradOutput: Tensor): Array<Tensor?> {
        seenInBackward = listOf(ctx.needsInputGrad(0), ctx.needsInputGrad(1))
        return arrayOf(if (ctx.needsInputGrad(0)) gradOutput.mul(2.0) else null, if (ctx.needsInputGrad(1)) gradOutput.mul(3.0) else null)
    }
}

private class FreeingProbe : Function() {
    val seen = mutableListOf<Boolean>()

    override fun forward(ctx: FunctionContext, vararg inputs: Tensor): Tensor = inputs[0].mul(2.0)

    override fun backward(ctx: FunctionContext, gradOutput: Tensor): Array<Tensor?> {
        seen += ctx.savedFreedAfterBackward()
        return arrayOf(gradOutput.mul(2.0))
    }
}

private class RecordingProbe : Function() {
    var forwardSawGradFn = true
    var forwardSawGradMode = true

    override fun forward(ctx: FunctionContext, vararg inputs: Tensor): Tensor {
        val y = inputs[0].mul(2.0)
        forwardSawGradFn = y.gradFn() != null
        forwardSawGradMode = GradMode.isEnabled()
        return y
    }

    override fun backward(ctx: FunctionContext, gradOutput: Tensor): Array<Tensor?> = arrayOf(gradOutput.mul(2.0))
}

private class PassThrough : Function() {
    override fun forward(ctx: FunctionContext, vararg inputs: Tensor): Tensor = inputs[0]
    override fun backward(ctx: FunctionContext, gradOutput: Tensor): Array<Tensor?> = arrayOf(gradOutput)
}

/** [2x, (x > 0) as float], the mask marked non-differentiable. */
private class PositiveMask : MultiOutputFunction() {
    override fun forward(ctx: FunctionContext, vararg inputs: Tensor): Array<Tensor> {
        val mask = inputs[0].gt(0.0).to(inputs[0].dtype())
        ctx.markNonDifferentiable(mask)
        return arrayOf(inputs[0].mul(2.0), mask)
    }

    override fun backward(ctx: FunctionContext, vararg gradOutputs: Tensor): Array<Tensor?> = arrayOf(gradOutputs[0].mul(2.0))
}

private class MaxWithIndex : MultiOutputFunction() {
    override fun forward(ctx: FunctionContext, vararg inputs: Tensor): Array<Tensor> {
        val idx = inputs[0].argmax()
        ctx.saveForBackward(idx)
        ctx.put("shape", inputs[0].shape())
        return arrayOf(inputs[0].max(), idx)
    }

    override fun backward(ctx: FunctionContext, vararg gradOutputs: Tensor): Array<Tensor?> {
        val shape = ctx.get<IntArray>("shape")
        val idx = ctx.savedTensors()[0]
        val g = Tensor.zeros(gradOutputs[0].dtype(), *shape)
        return arrayOf(g.scatter(0, idx.reshape(1), gradOutputs[0].reshape(1)))
    }
}

/** [2x, 3x], recording the gradients its backward got. */
private class TwoScales : MultiOutputFunction() {
    var gradOutputsSeen: Array<out Tensor>? = null

    override fun forward(ctx: FunctionContext, vararg inputs: Tensor): Array<Tensor> = arrayOf(inputs[0].mul(2.0), inputs[0].mul(3.0))

    override fun backward(ctx: FunctionContext, vararg gradOutputs: Tensor): Array<Tensor?> {
        gradOutputsSeen = gradOutputs
        return arrayOf(gradOutputs[0].mul(2.0).add(gradOutputs[1].mul(3.0)))
    }
}

private class BadArity : Function() {
    override fun forward(ctx: FunctionContext, vararg inputs: Tensor): Tensor = inputs[0].mul(2.0)
    override fun backward(ctx: FunctionContext, gradOutput: Tensor): Array<Tensor?> = arrayOf(gradOutput, gradOutput)
}

private class BadShape : Function() {
    override fun forward(ctx: FunctionContext, vararg inputs: Tensor): Tensor = inputs[0].mul(2.0)
    override fun backward(ctx: FunctionContext, gradOutput: Tensor): Array<Tensor?> =
        arrayOf(Tensor.of(doubleArrayOf(1.0, 2.0)))
}

/** Flattens and scales, keeping the input shape and the factor as plain values. */
private class FlattenScaled(private val factor: Double) : Function() {
    override fun forward(ctx: FunctionContext, vararg inputs: Tensor): Tensor {
        ctx.put("shape", inputs[0].shape())
        ctx.put("factor", factor)
        return inputs[0].reshape(-1).mul(factor)
    }

    override fun backward(ctx: FunctionContext, gradOutput: Tensor): Array<Tensor?> =
        arrayOf(gradOutput.mul(ctx.get<Double>("factor")).reshape(*ctx.get<IntArray>("shape")))
}

private class ReadsMissing : Function() {
    override fun forward(ctx: FunctionContext, vararg inputs: Tensor): Tensor = inputs[0].mul(2.0)
    override fun backward(ctx: FunctionContext, gradOutput: Tensor): Array<Tensor?> =
        arrayOf(gradOutput.mul(ctx.get<Double>("scale")))
}

private class ReturnsNull : Function() {
    @Suppress("NULLABILITY_MISMATCH_BASED_ON_JAVA_ANNOTATIONS")
    override fun forward(ctx: FunctionContext, vararg inputs: Tensor): Tensor? = null
    override fun backward(ctx: FunctionContext, gradOutput: Tensor): Array<Tensor?> = arrayOf(gradOutput)
}

// ------------------------------------------------------------------ helpers

private fun ft(vararg v: Double): Tensor = Tensor.of(v)

private fun fleaf(vararg v: Double): Tensor = Tensor.of(v).requiresGrad_(true)

private fun Tensor.shouldBeNear(vararg expected: Double, tol: Double = 1e-9) {
    val actual = toDoubleArray()
    withClue("values ${actual.toList()} vs expected ${expected.toList()}") {
        actual.size shouldBe expected.size
        for (i in actual.indices) (abs(actual[i] - expected[i]) <= tol * maxOf(1.0, abs(expected[i]))) shouldBe true
    }
}
