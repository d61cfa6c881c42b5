package dev.kindling.autograd

import dev.kindling.tensor.DType
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.shouldNotBe

/**
 * A leaf's first gradient becomes its grad without a copy only when nothing else can see that
 * buffer. Each case below writes into one gradient and checks that the others it could have been
 * confused with keep their values: the aliasing a careless "steal" would create.
 */
class GradOwnershipSpec : FunSpec({

    fun writable(v: Double, n: Int = 2) = Tensor.full(v, DType.FLOAT64, n).requiresGrad_(true)

    test("a buffer made during the pass, whole, pending nowhere and seen by no user code may be taken, once") {
        val before = f64(1.0, 2.0)
        val ownership = GradOwnership()
        val fresh = f64(1.0, 2.0)
        ownership.take(before) shouldBe false
        ownership.take(f64(1.0, 2.0, 3.0, 4.0, shape = intArrayOf(2, 2)).transpose(0, 1)) shouldBe false
        ownership.take(f64(1.0, 2.0, 3.0).narrow(0, 0, 2)) shouldBe false
        ownership.take(fresh) shouldBe true
        ownership.take(fresh) shouldBe false
    }

    test("a buffer waiting in another node's input, or one user code saw, may not be taken") {
        val ownership = GradOwnership()
        val waiting = f64(1.0, 2.0)
        ownership.held(waiting)
        ownership.held(waiting.reshape(2, 1))
        ownership.released(waiting)
        ownership.take(waiting) shouldBe false
        ownership.released(waiting)
        ownership.take(waiting) shouldBe true
        val seen = f64(3.0, 4.0)
        ownership.escaped(seen.reshape(1, 2))
        ownership.take(seen) shouldBe false
    }

    test("two leaves given one gradient by AddBackward get separate buffers") {
        val a = writable(1.0)
        val b = writable(2.0)
        a.add(b).mul(f64(3.0, 5.0)).sum().backward()
        a.grad()!!.data().fill_(0.0)
        b.grad()!!.toDoubleArray().toList() shouldBe listOf(3.0, 5.0)
    }

    test("a leaf does not share its gradient with a retained intermediate gradient") {
        val x1 = writable(1.0)
        val x2 = writable(1.0)
        val h = x2.mul(3.0)
        h.retainGrad()
        x1.add(h).mul(f64(2.0, 7.0)).sum().backward()
        x1.grad()!!.data().fill_(0.0)
        h.grad()!!.toDoubleArray().toList() shouldBe listOf(2.0, 7.0)
        x2.grad()!!.toDoubleArray().toList() shouldBe listOf(6.0, 21.0)
    }

    test("a gradient a hook kept is not the leaf's grad") {
        val w = writable(1.0)
        var kept: Tensor? = null
        w.registerHook { g -> kept = g; g }
        w.mul(f64(4.0, 9.0)).sum().backward()
        w.grad()!!.data().fill_(0.0)
        kept!!.toDoubleArray().toList() shouldBe listOf(4.0, 9.0)
    }

    test("gradients a user Function received or returned are not a leaf's grad") {
        val a = writable(1.0)
        val b = writable(1.0)
        val stash = Stash()
        stash.apply(a).add(b).mul(f64(2.0, 3.0)).sum().backward()
        a.grad()!!.data().fill_(0.0)
        b.grad()!!.data().fill_(0.0)
        stash.received!!.toDoubleArray().toList() shouldBe listOf(2.0, 3.0)
        stash.returned!!.toDoubleArray().toList() shouldBe listOf(4.0, 6.0)
    }

    test("a Function whose backward returns fresh tensors hands them to leaves uncopied, one leaf each") {
        val a = writable(1.0)
        val b = writable(1.0)
        val fresh = Fresh()
        fresh.apply(a, b).mul(f64(2.0, 3.0)).sum().backward()
        // The same tensor returned for both inputs: one leaf adopts it, the other gets a copy.
        listOf(a, b).count { it.grad()!!.data().sharesStorage(fresh.returned!!.data()) } shouldBe 1
        a.grad()!!.data().fill_(0.0)
        b.grad()!!.toDoubleArray().toList() shouldBe listOf(2.0, 3.0)
        val plain = Stash()
        val c = writable(1.0)
        plain.apply(c).mul(f64(2.0, 3.0)).sum().backward()
        c.grad()!!.data().sharesStorage(plain.returned!!.data()) shouldBe false
    }

    test("relu's backward writes into a gradient the engine owns, and into no other") {
        // Owned: the fresh tensor a Function declared fresh returned is masked where it lies.
        val x = f64(-1.0, 2.0, -3.0, 4.0).requiresGrad_(true)
        val fresh = Fresh()
        fresh.apply(x.relu(), Tensor.zeros(DType.FLOAT64, 4)).mul(f64(5.0, 6.0, 7.0, 8.0)).sum().backward()
        fresh.returned!!.toDoubleArray().toList() shouldBe listOf(0.0, 6.0, 0.0, 8.0)
        x.grad()!!.toDoubleArray().toList() shouldBe listOf(0.0, 6.0, 0.0, 8.0)

        // One gradient for two consumers (AddBackward passes it to both): relu must leave abs's intact.
        val a = f64(-2.0, 3.0).requiresGrad_(true)
        a.mul(1.0).let { h -> h.relu().add(h.abs()) }.mul(f64(10.0, 20.0)).sum().backward()
        a.grad()!!.toDoubleArray().toList() shouldBe listOf(-10.0, 40.0)

        // A retained gradient and one a hook kept are seen by user code.
        val b = f64(-2.0, 3.0).requiresGrad_(true)
        val y = b.mul(1.0).relu()
        y.retainGrad()
        y.mul(f64(4.0, 9.0)).sum().backward()
        val c = f64(-2.0, 3.0).requiresGrad_(true)
        var kept: Tensor? = null
        val r = c.mul(1.0).relu()
        r.registerHook { g -> kept = g; g }
        r.mul(f64(4.0, 9.0)).sum().backward()
        y.grad()!!.toDoubleArray().toList() shouldBe listOf(4.0, 9.0)
        b.grad()!!.toDoubleArray().toList() shouldBe listOf(0.0, 9.0)
        kept!!.toDoubleArray().toList() shouldBe listOf(4.0, 9.0)
        c.grad()!!.toDoubleArray().toList() shouldBe listOf(0.0, 9.0)
    }

    test("a gradient the caller passed in is never overwritten, by backward, Autograd.grad or createGraph") {
        fun seed() = f64(4.0, 9.0)
        val x = f64(-2.0, 3.0).requiresGrad_(true)
        val g1 = seed()
        x.relu().backward(g1)
        val g2 = seed()
        Autograd.grad(arrayOf(x.relu()), arrayOf(x), arrayOf(g2), false, false, false)
        val g3 = seed()
        x.relu().backward(g3, false, true)
        for (g in listOf(g1, g2, g3)) g.toDoubleArray().toList() shouldBe listOf(4.0, 9.0)
    }

    test("a second backward still sums into the grad the first one left") {
        val w = writable(1.0)
        val x = f64(2.0, 5.0)
        w.mul(x).sum().backward()
        val first = w.grad()!!
        w.mul(x).sum().backward()
        w.grad()!!.toDoubleArray().toList() shouldBe listOf(4.0, 10.0)
        first.toDoubleArray().toList() shouldBe listOf(4.0, 10.0)
    }

    test("with createGraph the leaf's grad is a recorded clone, never the engine's buffer") {
        val w = writable(1.5)
        w.mul(w).sum().backward(null, true, true)
        val g = w.grad()!!
        g.requiresGrad() shouldBe true
        g.gradFn() shouldNotBe null
    }
})

/** Doubles its input; keeps the gradient it received and the one it returned, as a logging op might. */
private class Stash : Function() {
    var received: Tensor? = null
    var returned: Tensor? = null

    override fun forward(ctx: FunctionContext, vararg inputs: Tensor): Tensor = inputs[0].mul(2.0)

    override fun backward(ctx: FunctionContext, gradOutput: Tensor): Array<Tensor?> {
        received = gradOutput
        returned = gradOutput.mul(2.0)
        return arrayOf(returned)
    }
}

/**
 * x + y, declaring its backward's tensors fresh. It returns one new tensor for both inputs and keeps
 * it, which the declaration forbids, only so the test can see which leaf adopted it.
 */
private class Fresh : Function() {
    var returned: Tensor? = null

    override fun forward(ctx: FunctionContext, vararg inputs: Tensor): Tensor = inputs[0].add(inputs[1])

    override fun backward(ctx: FunctionContext, gradOutput: Tensor): Array<Tensor?> {
        returned = gradOutput.mul(1.0)
        return arrayOf(returned, returned)
    }

    override fun backwardReturnsFreshTensors() = true
}
