package dev.kindling.autograd

import dev.kindling.Random
import io.kotest.assertions.withClue
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.doubles.shouldBeGreaterThan
import io.kotest.matchers.shouldBe

/**
 * Every elementwise op, reduction and matrix product checked against finite differences
 * (GradCheck.gradcheck on float64 inputs), and their second derivatives (gradgradcheck) where the
 * op is smooth or piecewise linear at the sample points. Sample points avoid kinks and jumps; the
 * conventions at kinks (ties, zeros) are pinned by value tests.
 */
class OpGradcheckSpec : FunSpec({

    beforeTest { Random.manualSeed(20240611) }

    // ------------------------------------------------------------------ binary ops, tensor with tensor

    /** Broadcast pairs, both ways round: [3,1] with [4] and [2,3,4] with [3,1]. */
    val broadcastPairs = listOf(
        intArrayOf(3, 1) to intArrayOf(4),
        intArrayOf(4) to intArrayOf(3, 1),
        intArrayOf(2, 3, 4) to intArrayOf(3, 1),
        intArrayOf(3, 1) to intArrayOf(2, 3, 4),
        intArrayOf(2, 3) to intArrayOf(2, 3),
    )

    data class Binary(val name: String, val a: (IntArray) -> Tensor, val b: (IntArray) -> Tensor, val f: (Tensor, Tensor) -> Tensor)

    val binaries = listOf(
        Binary("add", { randn(*it) }, { randn(*it) }) { a, b -> a.add(b) },
        Binary("sub", { randn(*it) }, { randn(*it) }) { a, b -> a.sub(b) },
        Binary("mul", { randn(*it) }, { randn(*it) }) { a, b -> a.mul(b) },
        Binary("div (divisor away from 0)", { randn(*it) }, { randnAway(*it, gap = 0.5) }) { a, b -> a.div(b) },
        Binary("pow(Tensor) (positive base)", { uniform(0.5, 1.5, *it) }, { randn(*it) }) { a, b -> a.pow(b) },
        Binary("maximum (no ties)", { randn(*it) }, { randn(*it) }) { a, b -> a.maximum(b) },
        Binary("minimum (no ties)", { randn(*it) }, { randn(*it) }) { a, b -> a.minimum(b) },
    )

    for (op in binaries) {
        test("${op.name}: gradcheck and gradgradcheck, same shapes and broadcasting [3,1]/[4] and [2,3,4]/[3,1] both ways") {
            for ((sa, sb) in broadcastPairs) checkBoth(op.a(sa), op.b(sb)) { op.f(it[0], it[1]) }
        }
    }

    test("remainder: gradcheck and gradgradcheck w.r.t. both operands, broadcasting both ways, away from the jumps") {
        for ((sa, sb) in broadcastPairs) {
            val a = randn(*sa).mul(3.0).detach().requiresGrad_(true)
            val b = randnAway(*sb, gap = 0.5)
            val q = a.detach().div(b.detach()).toDoubleArray()
            for (v in q) distanceToInteger(v) shouldBeGreaterThan 1e-3
            checkBoth(a, b) { it[0].remainder(it[1]) }
        }
    }

    test("binary ops with only one operand requiring grad send a gradient to that one") {
        val a = randn(3, 4)
        val b = randnAway(4, gap = 0.5).detach()
        checkBoth(a) { it[0].div(b) }
        checkBoth(a) { b.sub(it[0]) }
        checkBoth(a) { b.mul(it[0]) }
        checkBoth(a) { b.abs().add(0.5).pow(it[0]) }
    }

    test("binary ops with a 0-d or [1] operand broadcast over a matrix collect the summed gradient") {
        val s = Tensor.scalar(0.8, dev.kindling.tensor.DType.FLOAT64).requiresGrad_(true)
        checkBoth(s, randn(3, 4)) { it[0].mul(it[1]) }
        checkBoth(randn(3, 4), s) { it[0].div(it[1]).sub(it[1]) }
        checkBoth(uniform(0.5, 1.5, 1), randn(2, 3)) { it[0].pow(it[1]).add(it[0]) }
    }

    test("tensor with a number: add sub mul div rsub rdiv") {
        val x = randn(3, 4)
        checkBoth(x) { it[0].add(1.7) }
        checkBoth(x) { it[0].sub(0.3) }
        checkBoth(x) { it[0].mul(-2.5) }
        checkBoth(x) { it[0].div(1.9) }
        checkBoth(x) { it[0].rsub(2.0) }
        checkBoth(randnAway(3, 4, gap = 0.5)) { it[0].rdiv(3.0) }
    }

    test("pow(double) for exponents 2, 3, -1.5, 0.5, 1 and 0 (positive base)") {
        val x = uniform(0.5, 2.0, 3, 4)
        for (p in doubleArrayOf(2.0, 3.0, -1.5, 0.5, 1.0, 0.0)) checkBoth(x) { it[0].pow(p) }
        checkBoth(randn(5)) { it[0].pow(3.0) }
    }

    test("maximum and minimum share a tie's gradient 50/50 between the operands, as PyTorch does") {
        for (max in listOf(true, false)) {
            val a = f64(1.0, 2.0, 3.0)
            val b = f64(1.0, 0.0, 5.0)
            val y = if (max) a.maximum(b) else a.minimum(b)
            val (ga, gb) = Autograd.grad(arrayOf(y.sum()), arrayOf(a, b), null, false, false)
            ga.toDoubleArray() shouldBeClose (if (max) doubleArrayOf(0.5, 1.0, 0.0) else doubleArrayOf(0.5, 0.0, 1.0))
            gb.toDoubleArray() shouldBeClose (if (max) doubleArrayOf(0.5, 0.0, 1.0) else doubleArrayOf(0.5, 1.0, 0.0))
        }
    }

    test("maximum with a broadcast tie: the operand broadcast over the tie collects its half") {
        val a = f64(1.0, 2.0, 3.0)
        val b = f64(2.0)
        val (ga, gb) = Autograd.grad(arrayOf(a.maximum(b).sum()), arrayOf(a, b), null, false, false)
        ga.toDoubleArray() shouldBeClose doubleArrayOf(0.0, 0.5, 1.0)
        gb.toDoubleArray() shouldBeClose doubleArrayOf(1.5)
    }

    test("pow(Tensor): the exponent's gradient at a zero base with a non-negative exponent is 0, not NaN") {
        val a = f64(0.0, 2.0)
        val b = f64(2.0, 3.0)
        val (ga, gb) = Autograd.grad(arrayOf(a.pow(b).sum()), arrayOf(a, b), null, false, false)
        ga.toDoubleArray() shouldBeClose doubleArrayOf(0.0, 12.0)
        gb.toDoubleArray() shouldBeClose doubleArrayOf(0.0, 8.0 * kotlin.math.ln(2.0))
    }

    test("pow(Tensor): the base's gradient where the exponent is 0 is 0, even at a zero base (0 * 0^-1 is not NaN)") {
        val a = f64(0.0, 2.0, 0.0)
        val b = f64(0.0, 0.0, 1.0)
        Autograd.grad(arrayOf(a.pow(b).sum()), arrayOf(a), null, false, false)[0].toDoubleArray() shouldBeClose
            doubleArrayOf(0.0, 0.0, 1.0)
    }

    test("pow(double) at a zero base: exponent 0 and 2 give 0, exponent 1 gives 1") {
        gradOf(f64(0.0, 2.0)) { it.pow(0.0) } shouldBeClose doubleArrayOf(0.0, 0.0)
        gradOf(f64(0.0, 2.0)) { it.pow(2.0) } shouldBeClose doubleArrayOf(0.0, 4.0)
        gradOf(f64(0.0, 2.0)) { it.pow(1.0) } shouldBeClose doubleArrayOf(1.0, 1.0)
    }

    // ------------------------------------------------------------------ unary ops

    data class Unary(val name: String, val input: () -> Tensor, val f: (Tensor) -> Tensor)

    val unaries = listOf(
        Unary("neg", { randn(3, 4) }) { it.neg() },
        Unary("abs (away from 0)", { randnAway(3, 4) }) { it.abs() },
        Unary("exp", { randn(3, 4) }) { it.exp() },
        Unary("log (positive inputs)", { uniform(0.3, 3.0, 3, 4) }) { it.log() },
        Unary("log1p", { uniform(-0.5, 3.0, 3, 4) }) { it.log1p() },
        Unary("sqrt", { uniform(0.3, 3.0, 3, 4) }) { it.sqrt() },
        Unary("rsqrt", { uniform(0.3, 3.0, 3, 4) }) { it.rsqrt() },
        Unary("reciprocal (away from 0)", { randnAway(3, 4, gap = 0.4) }) { it.reciprocal() },
        Unary("square", { randn(3, 4) }) { it.square() },
        Unary("sin", { randn(3, 4) }) { it.sin() },
        Unary("cos", { randn(3, 4) }) { it.cos() },
        Unary("tan (inside (-1.2, 1.2))", { uniform(-1.2, 1.2, 3, 4) }) { it.tan() },
        Unary("tanh", { randn(3, 4) }) { it.tanh() },
        Unary("sigmoid", { randn(3, 4) }) { it.sigmoid() },
        Unary("relu (away from 0)", { randnAway(3, 4) }) { it.relu() },
        Unary("clamp(-0.5, 0.5) (away from the bounds)", { randnAway(3, 4, kinks = doubleArrayOf(-0.5, 0.5), gap = 0.1) }) { it.clamp(-0.5, 0.5) },
        Unary("clampMin(-0.2) (away from the bound)", { randnAway(3, 4, kinks = doubleArrayOf(-0.2), gap = 0.1) }) { it.clampMin(-0.2) },
        Unary("clampMax(0.3) (away from the bound)", { randnAway(3, 4, kinks = doubleArrayOf(0.3), gap = 0.1) }) { it.clampMax(0.3) },
        Unary("sign: zero gradient (away from 0)", { randnAway(3, 4) }) { it.sign() },
        Unary("floor: zero gradient (away from integers)", { randnAway(3, 4, kinks = integerKinks, gap = 0.05) }) { it.floor() },
        Unary("ceil: zero gradient (away from integers)", { randnAway(3, 4, kinks = integerKinks, gap = 0.05) }) { it.ceil() },
        Unary("round: zero gradient (away from half-integers)", { randnAway(3, 4, kinks = halfIntegerKinks, gap = 0.05) }) { it.round() },
    )

    for (op in unaries) {
        test("${op.name}: gradcheck and gradgradcheck") {
            checkBoth(op.input()) { op.f(it[0]) }
        }
    }

    test("unary ops compose: gradgradcheck of a chain of them") {
        checkBoth(uniform(0.5, 2.0, 2, 3)) { it[0].sqrt().sin().mul(it[0].log1p()).tanh().exp().sigmoid() }
    }

    test("sign, floor, ceil and round have a zero (not missing) gradient") {
        for (f in listOf<(Tensor) -> Tensor>({ it.sign() }, { it.floor() }, { it.ceil() }, { it.round() })) {
            val x = f64(-1.7, 0.2, 2.5)
            val y = f(x).mul(3.0).sum()
            y.requiresGrad() shouldBe true
            Autograd.grad(y, x)[0].toDoubleArray() shouldBeClose doubleArrayOf(0.0, 0.0, 0.0)
        }
    }

    test("relu's gradient at exactly 0 is 0; abs's gradient at 0 is 0") {
        gradOf(f64(-1.0, 0.0, 2.0)) { it.relu() } shouldBeClose doubleArrayOf(0.0, 0.0, 1.0)
        gradOf(f64(-1.0, 0.0, 2.0)) { it.abs() } shouldBeClose doubleArrayOf(-1.0, 0.0, 1.0)
    }

    test("relu's and abs's float32 gradients are g * sign bit for bit, and stay differentiable in g under createGraph") {
        val xs = floatArrayOf(-1.5f, 0f, -0f, 2f, Float.MIN_VALUE, 1e30f, -3f, 0.25f)
        val g = Tensor.of(floatArrayOf(0.5f, -2f, 3f, -0.75f, 1e-3f, 7f, -1f, 2.5f), xs.size)
        for ((name, f) in listOf<Pair<String, (Tensor) -> Tensor>>("relu" to { it.relu() }, "abs" to { it.abs() })) {
            val x = Tensor.of(xs, xs.size).requiresGrad_(true)
            val y = f(x)
            y.backward(g)
            val sign = if (name == "relu") y.detach().sign() else x.detach().sign()
            withClue(name) { x.grad()!!.toFloatArray().map { it.toRawBits() } shouldBe g.mul(sign).toFloatArray().map { it.toRawBits() } }
        }
        // The backward of relu and abs feeds g (here x itself) into the product: its own derivative needs the recorded form.
        checkBoth(randnAway(3, 4)) { it[0].relu().mul(it[0]) }
        checkBoth(randnAway(3, 4)) { it[0].abs().mul(it[0]) }
    }

    test("clamp passes the gradient at exactly a bound (inclusive, as PyTorch) and blocks it outside") {
        gradOf(f64(-1.0, -0.5, 0.0, 0.5, 1.0)) { it.clamp(-0.5, 0.5) } shouldBeClose doubleArrayOf(0.0, 1.0, 1.0, 1.0, 0.0)
        gradOf(f64(-1.0, -0.5, 0.0)) { it.clampMin(-0.5) } shouldBeClose doubleArrayOf(0.0, 1.0, 1.0)
        gradOf(f64(0.0, 0.5, 1.0)) { it.clampMax(0.5) } shouldBeClose doubleArrayOf(1.0, 1.0, 0.0)
    }

    test("where(cond, a, b) with a broadcast cond: gradcheck and gradgradcheck w.r.t. a and b") {
        val cond = bools(true, false, true, shape = intArrayOf(3, 1))
        checkBoth(randn(3, 4), randn(4)) { Tensor.where(cond, it[0], it[1]) }
        val cond2 = bools(false, true, true, false)
        checkBoth(randn(3, 1), randn(3, 4)) { Tensor.where(cond2, it[0].exp(), it[1].mul(it[1])) }
        // cond larger than both operands: each collects the gradient of every position it was broadcast to.
        val cond3 = bools(true, false, false, true, true, false, shape = intArrayOf(2, 3))
        checkBoth(randn(3), randn(1)) { Tensor.where(cond3, it[0], it[1]) }
    }

    test("where routes the gradient by the condition") {
        val a = f64(1.0, 2.0, 3.0)
        val b = f64(4.0, 5.0, 6.0)
        val (ga, gb) = Autograd.grad(arrayOf(Tensor.where(bools(true, false, true), a, b).sum()), arrayOf(a, b), null, false, false)
        ga.toDoubleArray() shouldBeClose doubleArrayOf(1.0, 0.0, 1.0)
        gb.toDoubleArray() shouldBeClose doubleArrayOf(0.0, 1.0, 0.0)
    }

    // ------------------------------------------------------------------ reductions

    test("sum(): gradcheck and gradgradcheck, also of a 0-d tensor") {
        checkBoth(randn(3, 4)) { it[0].sum() }
        checkBoth(randn(2, 3, 4)) { it[0].sum().mul(it[0]) }
        checkBoth(Tensor.scalar(0.7, dev.kindling.tensor.DType.FLOAT64).requiresGrad_(true)) { it[0].sum() }
    }

    test("sum(dim, keepdim) for every dim, negative dims included, keepdim true and false") {
        val x = randn(2, 3, 4)
        for (d in listOf(0, 1, 2, -1, -3)) for (k in listOf(true, false)) checkBoth(x) { it[0].sum(d, k) }
    }

    test("sum(int[] dims, keepdim) over several dims") {
        val x = randn(2, 3, 4)
        for (dims in listOf(intArrayOf(0, 2), intArrayOf(1, -1), intArrayOf(0, 1, 2))) for (k in listOf(true, false)) {
            checkBoth(x) { it[0].sum(dims, k) }
        }
    }

    test("mean(), mean(dim, keepdim) and mean(int[] dims, keepdim)") {
        val x = randn(2, 3, 4)
        checkBoth(x) { it[0].mean() }
        for (d in listOf(0, 1, -1)) for (k in listOf(true, false)) checkBoth(x) { it[0].mean(d, k) }
        for (k in listOf(true, false)) checkBoth(x) { it[0].mean(intArrayOf(0, 2), k) }
    }

    test("prod(), prod(dim, keepdim): gradcheck and gradgradcheck without zeros") {
        val x = randnAway(2, 3, 2, gap = 0.4)
        checkBoth(x) { it[0].prod() }
        for (d in listOf(0, 1, -1)) for (k in listOf(true, false)) checkBoth(x) { it[0].prod(d, k) }
    }

    test("prod with one zero in a slice: the zero's gradient is the product of the others, the others get 0") {
        val x = f64(2.0, 0.0, 3.0, 4.0, 5.0, 6.0, shape = intArrayOf(2, 3))
        // row 0 = [2, 0, 3]: d/dx1 = 2*3 = 6, others 0; row 1 = [4, 5, 6] has no zero: 30, 24, 20
        gradOf(x) { it.prod(1, false) } shouldBeClose doubleArrayOf(0.0, 6.0, 0.0, 30.0, 24.0, 20.0)
        gradOf(f64(2.0, 0.0, 3.0, 4.0)) { it.prod() } shouldBeClose doubleArrayOf(0.0, 24.0, 0.0, 0.0)
        gradcheck(x) { it[0].prod(1, false) }
        gradcheck(x) { it[0].prod() }
    }

    test("prod with two zeros in a slice: every element of the slice gets 0") {
        val x = f64(0.0, 2.0, 0.0, 4.0, 5.0, 6.0, shape = intArrayOf(2, 3))
        gradOf(x) { it.prod(1, true) } shouldBeClose doubleArrayOf(0.0, 0.0, 0.0, 30.0, 24.0, 20.0)
        gradOf(x) { it.prod(0, false) } shouldBeClose doubleArrayOf(4.0, 5.0, 6.0, 0.0, 2.0, 0.0)
        gradOf(x) { it.prod() } shouldBeClose DoubleArray(6)
        gradcheck(x) { it[0].prod(1, true) }
        gradcheck(x) { it[0].prod() }
    }

    test("prod's second derivative is right at slices with one and with two zeros (gradgradcheck)") {
        // d2(x0 x1 x2)/dx0 dx1 = x2 even where x0 = 0: the rule must keep the zero's own factor differentiable.
        gradgradcheck(f64(2.0, 0.0, 3.0, 4.0, 5.0, 6.0, shape = intArrayOf(2, 3))) { it[0].prod(1, false) }
        gradgradcheck(f64(0.0, 2.0, 0.0, 4.0, 5.0, 6.0, shape = intArrayOf(2, 3))) { it[0].prod(1, false) }
        gradgradcheck(f64(2.0, 0.0, 3.0, 4.0)) { it[0].prod() }
        gradgradcheck(f64(2.0, 0.0, 3.0, 0.0)) { it[0].prod() }
        gradgradcheck(f64(0.0, 0.0, 3.0, 0.0)) { it[0].prod() }
        gradgradcheck(f64(0.0, 2.0, 0.0, 4.0, 0.0, 6.0, shape = intArrayOf(3, 2))) { it[0].prod(0, true) }
    }

    test("var and std, unbiased and not, keepdim and not, over a dim, several dims and everything") {
        val x = randn(2, 3, 4)
        checkBoth(x) { it[0].`var`() }
        checkBoth(x) { it[0].std() }
        for (u in listOf(true, false)) for (k in listOf(true, false)) {
            checkBoth(x) { it[0].`var`(1, u, k) }
            checkBoth(x) { it[0].`var`(-1, u, k) }
            checkBoth(x) { it[0].`var`(intArrayOf(0, 2), u, k) }
            checkBoth(x) { it[0].std(0, u, k) }
        }
    }

    test("max() and min() of all elements: gradcheck and gradgradcheck without ties") {
        val x = randn(3, 4)
        checkBoth(x) { it[0].max() }
        checkBoth(x) { it[0].min() }
    }

    test("max() and min() of all elements share the gradient evenly among ties") {
        gradOf(f64(1.0, 3.0, 3.0, 2.0)) { it.max() } shouldBeClose doubleArrayOf(0.0, 0.5, 0.5, 0.0)
        gradOf(f64(-1.0, 3.0, -1.0, -1.0)) { it.min().mul(3.0) } shouldBeClose doubleArrayOf(1.0, 0.0, 1.0, 1.0)
    }

    test("max(dim) and min(dim) values: gradcheck and gradgradcheck for every dim and keepdim") {
        val x = randn(2, 3, 4)
        for (d in listOf(0, 1, 2, -1)) for (k in listOf(true, false)) {
            checkBoth(x) { it[0].max(d, k).values() }
            checkBoth(x) { it[0].min(d, k).values() }
        }
        checkBoth(randn(5)) { it[0].max(0, false).values() }
    }

    test("max(dim) with ties sends the gradient to the first index, the one the forward returns") {
        val x = f64(1.0, 3.0, 3.0, 2.0, 2.0, 0.0, shape = intArrayOf(2, 3))
        val r = x.max(1, false)
        r.indices().toLongArray() shouldBe longArrayOf(1, 0)
        Autograd.grad(r.values().sum(), x)[0].toDoubleArray() shouldBeClose doubleArrayOf(0.0, 1.0, 0.0, 1.0, 0.0, 0.0)
        val x2 = f64(1.0, 0.0, 0.0, 2.0, 2.0, 0.0, shape = intArrayOf(2, 3))
        val m = x2.min(1, true)
        val idx = m.indices().toLongArray()
        val g = Autograd.grad(m.values().sum(), x2)[0].toDoubleArray()
        for (row in 0 until 2) for (c in 0 until 3) g[row * 3 + c] shouldBe (if (c.toLong() == idx[row]) 1.0 else 0.0)
    }

    test("logsumexp(dim, keepdim): gradcheck and gradgradcheck") {
        val x = randn(2, 3, 4)
        for (d in listOf(0, 1, -1)) for (k in listOf(true, false)) checkBoth(x) { it[0].logsumexp(d, k) }
    }

    test("norm(): gradcheck and gradgradcheck") {
        checkBoth(randn(3, 4)) { it[0].norm() }
    }

    test("norm(p, dim, keepdim) for p = 1, 2, 3 and inf") {
        val x = randnAway(3, 4, gap = 0.1)
        for (p in doubleArrayOf(1.0, 2.0, 3.0, Double.POSITIVE_INFINITY, 0.5, 1.5)) for (d in listOf(0, -1)) for (k in listOf(true, false)) {
            checkBoth(x) { it[0].norm(p, d, k) }
        }
    }

    test("the 2-norm's gradient is 0 at an all-zero slice (and finite elsewhere)") {
        val x = f64(0.0, 0.0, 0.0, 1.0, 2.0, 2.0, shape = intArrayOf(2, 3))
        gradOf(x) { it.norm(2.0, 1, false) } shouldBeClose doubleArrayOf(0.0, 0.0, 0.0, 1.0 / 3, 2.0 / 3, 2.0 / 3)
        gradOf(f64(0.0, 0.0, 0.0)) { it.norm() } shouldBeClose DoubleArray(3)
    }

    test("the 1-norm's gradient is sign(x): 0 at a zero element; the 3-norm's is finite there too") {
        gradOf(f64(-2.0, 0.0, 1.0)) { it.norm(1.0, 0, false) } shouldBeClose doubleArrayOf(-1.0, 0.0, 1.0)
        // d ||x||_3 / dx = x |x| / ||x||_3^2, with ||(-2, 0, 1)||_3 = 9^(1/3)
        val n3 = Math.cbrt(9.0)
        gradOf(f64(-2.0, 0.0, 1.0)) { it.norm(3.0, 0, false) } shouldBeClose doubleArrayOf(-4.0 / (n3 * n3), 0.0, 1.0 / (n3 * n3))
    }

    test("the inf-norm shares its gradient evenly among tied largest |x|, with their signs") {
        gradOf(f64(-3.0, 1.0, 3.0, 2.0)) { it.norm(Double.POSITIVE_INFINITY, 0, false) } shouldBeClose
            doubleArrayOf(-0.5, 0.0, 0.5, 0.0)
    }

    test("softmax and logSoftmax along every dim, negative dims included") {
        val x = randn(2, 3, 4)
        for (d in listOf(0, 1, 2, -1, -2)) {
            checkBoth(x) { it[0].softmax(d) }
            checkBoth(x) { it[0].logSoftmax(d) }
        }
    }

    // ------------------------------------------------------------------ matrix products

    test("matmul 1-D . 1-D (dot)") { checkBoth(randn(4), randn(4)) { it[0].matmul(it[1]) } }

    test("matmul 2-D . 1-D (matrix-vector)") { checkBoth(randn(3, 4), randn(4)) { it[0].matmul(it[1]) } }

    test("matmul 1-D . 2-D (vector-matrix)") { checkBoth(randn(3), randn(3, 4)) { it[0].matmul(it[1]) } }

    test("matmul 2-D . 2-D") { checkBoth(randn(3, 4), randn(4, 2)) { it[0].matmul(it[1]) } }

    test("matmul batched 3-D . 3-D") { checkBoth(randn(2, 3, 4), randn(2, 4, 2)) { it[0].matmul(it[1]) } }

    test("matmul with broadcast batch dims [2,1,3,4] . [5,4,2]") {
        checkBoth(randn(2, 1, 3, 4), randn(5, 4, 2)) { it[0].matmul(it[1]) }
    }

    test("matmul 3-D . 1-D and 1-D . 3-D") {
        checkBoth(randn(2, 3, 4), randn(4)) { it[0].matmul(it[1]) }
        checkBoth(randn(3), randn(2, 3, 4)) { it[0].matmul(it[1]) }
    }

    test("matmul with only one operand requiring grad, and x . x") {
        val w = randn(4, 2).detach()
        checkBoth(randn(3, 4)) { it[0].matmul(w) }
        checkBoth(randn(3, 3)) { it[0].matmul(it[0]) }
    }

    test("linear (x W^T + b) for 1-D, 2-D and 3-D inputs, with and without bias") {
        for (x in listOf(randn(4), randn(3, 4), randn(2, 3, 4))) {
            checkBoth(x, randn(5, 4), randn(5)) { Tensor.linear(it[0], it[1], it[2]) }
            checkBoth(x, randn(5, 4)) { Tensor.linear(it[0], it[1], null) }
        }
    }

    test("linear's weight gradient lands contiguous in the weight's [out, in] layout") {
        val w = randn(5, 4)
        Tensor.linear(randn(3, 4), w, null).sum().backward()
        w.grad().data().isContiguous() shouldBe true
        w.grad().shape().toList() shouldBe listOf(5, 4)
    }

    test("mm and bmm") {
        checkBoth(randn(3, 4), randn(4, 2)) { it[0].mm(it[1]) }
        checkBoth(randn(2, 3, 4), randn(2, 4, 2)) { it[0].bmm(it[1]) }
    }
})
