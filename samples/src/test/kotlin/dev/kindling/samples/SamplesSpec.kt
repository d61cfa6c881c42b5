package dev.kindling.samples

import dev.kindling.autograd.Function
import dev.kindling.autograd.FunctionContext
import dev.kindling.autograd.GradCheck
import dev.kindling.autograd.GradcheckError
import dev.kindling.autograd.Tensor
import dev.kindling.tensor.DType
import dev.kindling.tensor.Generator
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.collections.shouldBeStrictlyIncreasing
import io.kotest.matchers.doubles.shouldBeBetween
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.kotest.matchers.string.shouldMatch
import kotlin.math.sqrt

/** An expression of n digits, all joined by +, leaning left: ((d + d) + d) + ... */
private fun sumOf(n: Int): Expr = (1 until n).fold(Expr.Digit(1) as Expr) { e, i -> Expr.Op('+', e, Expr.Digit(i % 10)) }

class SamplesSpec : FunSpec({
    // 64 training and 32 test images of the real MNIST (src/test/resources/mnist): no download happens.
    val mnist = fixtureDir("/mnist")

    test("mnist-mlp trains a few steps on the fixture and ends with the final accuracy line") {
        var accuracy = -1.0
        val lines = outputLines { accuracy = MnistMlp.run(mnist, 2, 16, 1e-3, 0, it) }
        lines[0] shouldBe "MNIST: 64 training and 32 test images from $mnist"
        // Off a terminal the progress bar leaves one summary line per epoch, before the epoch's test line.
        lines.filter { it.startsWith("epoch ") && it.contains(" steps, ") }.size shouldBe 2
        lines.first { it.startsWith("epoch 1/2:") } shouldContain "4 steps, 64 samples in"
        lines.filter { it.startsWith("epoch ") && it.contains("test accuracy") }.size shouldBe 2
        lines.first { it.startsWith("epoch 2/2  ") } shouldMatch
            Regex("""epoch 2/2  lr 0\.000500  train loss \d+\.\d{4}  test loss \d+\.\d{4}  test accuracy \d+\.\d\d%  time \d+\.\d\d s \(train \d+\.\d\d s\)""")
        lines.last() shouldMatch Regex(FINAL_ACCURACY_LINE)
        lines.last() shouldBe "final test accuracy: %.2f%%".format(java.util.Locale.ROOT, 100 * accuracy)
        // 8 steps of Adam on 64 images already beat chance (10%) on the 32 test images.
        accuracy.shouldBeBetween(0.3, 1.0, 0.0)
    }

    test("mnist-mlp refuses an unknown option, listing the known ones") {
        shouldThrow<IllegalArgumentException> { MnistMlp.main(arrayOf("--epoch", "2")) }.message shouldContain
            "mnist-mlp: cannot use '--epoch'"
    }

    test("the custom op's backward agrees with finite differences, to second order") {
        val x = Tensor.randn(DType.FLOAT64, 3, 7).mul(4.0).requiresGrad_(true)
        GradCheck.gradcheck({ SquarePlus(4.0).apply(it[0]) }, x) shouldBe true
        GradCheck.gradgradcheck({ SquarePlus(0.5).apply(it[0]) }, x) shouldBe true
        val v = SquarePlus(4.0).apply(Tensor.of(doubleArrayOf(-3.0, 0.0, 2.0), 3)).toDoubleArray()
        v.toList() shouldBe listOf(-3.0, 0.0, 2.0).map { (it + sqrt(it * it + 4)) / 2 }
    }

    test("gradcheck catches a custom op whose backward is wrong") {
        // squareplus with the slope's factor 1/2 forgotten
        val wrong = object : Function() {
            override fun forward(ctx: FunctionContext, vararg inputs: Tensor): Tensor {
                ctx.saveForBackward(inputs[0])
                return inputs[0].add(inputs[0].mul(inputs[0]).add(4.0).sqrt()).mul(0.5)
            }
            override fun backward(ctx: FunctionContext, gradOutput: Tensor): Array<Tensor?> {
                val x = ctx.savedTensors()[0]
                return arrayOf(gradOutput.mul(x.div(x.mul(x).add(4.0).sqrt()).add(1.0)))
            }
        }
        shouldThrow<GradcheckError> { GradCheck.gradcheck({ wrong.apply(it[0]) }, Tensor.randn(DType.FLOAT64, 4).requiresGrad_(true)) }
    }

    test("custom-op checks its op, then trains with it") {
        val lines = outputLines { CustomOp.run(2, 256, 0, it) }
        lines[0] shouldBe "SquarePlus: gradcheck and gradgradcheck passed (float64, 20 elements)"
        lines.filter { it.startsWith("epoch ") && it.contains("test accuracy") }.size shouldBe 2
        // 256 points in batches of 64: the progress bar's summary line per epoch.
        lines.filter { it.startsWith("epoch ") && it.contains(": 4 steps, 256 samples in") }.size shouldBe 2
        lines.last() shouldMatch Regex(FINAL_ACCURACY_LINE)
    }

    test("dynamic-net trains on a few trees and ends with the final accuracy line") {
        val lines = outputLines { DynamicNet.run(1, 48, 0, it) }
        lines.filter { it.contains("digits -> graph of") }.size shouldBe 3
        lines.filter { it.startsWith("epoch 1/1  expressions up to 3 digits") }.size shouldBe 1
        // 48 trees in batches of 16: the progress bar's summary line.
        lines.filter { it.startsWith("epoch 1/1: 3 steps, 48 samples in") }.size shouldBe 1
        lines.last() shouldMatch Regex(FINAL_ACCURACY_LINE)
    }

    test("dynamic-net records a graph whose size follows the input tree") {
        val model = DynamicNet.TreeNet(8)
        val sizes = (1..8).map { DynamicNet.graphSize(model.forward(sumOf(it))) }
        sizes.shouldBeStrictlyIncreasing()
        // From the second + node on (the first also brings the + layers' parameters), each further digit
        // adds the same nodes: its embedding look-up and one + node's ops.
        val steps = sizes.zipWithNext { a, b -> b - a }.drop(1)
        steps.toSet().size shouldBe 1
        // Same size, other shape: the graph depends on the number of nodes, not on how the tree is drawn.
        val balanced = Expr.Op('+', Expr.Op('+', Expr.Digit(1), Expr.Digit(2)), Expr.Op('+', Expr.Digit(3), Expr.Digit(4)))
        DynamicNet.graphSize(model.forward(balanced)) shouldBe sizes[3]
        // And a random tree of 6 digits records as many nodes as it has: never a fixed, padded graph.
        val e = Expr.random(Generator(9), 6)
        e.leaves() shouldBe 6
        (DynamicNet.graphSize(model.forward(e)) > sizes[4]) shouldBe true
    }

    test("expressions evaluate mod 10 along their tree") {
        val e = Expr.Op('-', Expr.Op('+', Expr.Digit(3), Expr.Digit(5)), Expr.Digit(9))
        e.toString() shouldBe "((3 + 5) - 9)"
        e.value() shouldBe 9
        e.leaves() shouldBe 3
    }
})
