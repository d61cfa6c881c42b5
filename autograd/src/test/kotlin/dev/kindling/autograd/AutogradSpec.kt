package dev.kindling.autograd

import dev.kindling.tensor.DType
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.assertions.withClue
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.shouldNotBe
import io.kotest.matchers.string.shouldContain
import io.kotest.matchers.string.shouldStartWith
import io.kotest.matchers.types.shouldBeSameInstanceAs
import java.util.concurrent.atomic.AtomicReference
import kotlin.math.abs

/**
 * The autograd engine as PyTorch users know it: what gets recorded, backward and its seeds, graph
 * freeing, higher-order gradients, in-place rules, hooks, anomaly detection and graph export.
 * Expected values are worked out by hand (derivatives of small closed forms), never by Kindling.
 */
class AutogradSpec : FunSpec({

    // ------------------------------------------------------------------ recording

    test("ops on tensors that do not require grad record nothing") {
        val a = f64(1.0, 2.0)
        val b = a.mul(2.0).exp().add(a)
        b.requiresGrad() shouldBe false
        b.gradFn() shouldBe null
        b.isLeaf() shouldBe true
    }

    test("under GradMode.noGrad() nothing is recorded, even from leaves that require grad") {
        val x = leaf(1.0, 2.0)
        val y = GradMode.noGrad().use {
            GradMode.isEnabled() shouldBe false
            x.mul(2.0).sum()
        }
        GradMode.isEnabled() shouldBe true
        y.requiresGrad() shouldBe false
        y.gradFn() shouldBe null
        y.isLeaf() shouldBe true
    }

    test("enableGrad inside noGrad records again, and nested scopes restore the enclosing mode on close") {
        val x = leaf(1.0, 2.0)
        GradMode.noGrad().use {
            GradMode.enableGrad().use {
                GradMode.isEnabled() shouldBe true
                x.mul(2.0).gradFn()?.name() shouldBe "MulBackward"
                GradMode.noGrad().use { GradMode.isEnabled() shouldBe false }
                GradMode.isEnabled() shouldBe true
            }
            GradMode.isEnabled() shouldBe false
            x.mul(2.0).gradFn() shouldBe null
        }
        GradMode.isEnabled() shouldBe true
    }

    test("closing a grad mode scope twice restores only once") {
        val outer = GradMode.noGrad()
        val inner = GradMode.enableGrad()
        inner.close()
        inner.close()
        GradMode.isEnabled() shouldBe false
        outer.close()
        GradMode.isEnabled() shouldBe true
    }

    test("grad mode is per thread: noGrad on one thread does not stop recording on another") {
        val x = leaf(1.0, 2.0)
        val seen = AtomicReference<String?>()
        GradMode.noGrad().use {
            val t = Thread { seen.set(x.mul(3.0).gradFn()?.name() ?: "nothing recorded") }
            t.start()
            t.join()
            x.mul(3.0).gradFn() shouldBe null
        }
        seen.get() shouldBe "MulBackward"
        // and the other way round: a thread that turns grad off leaves this one recording
        val t2 = Thread { GradMode.noGrad() }   // never closed: the setting dies with the thread
        t2.start()
        t2.join()
        GradMode.isEnabled() shouldBe true
    }

    test("detach() gives a leaf outside the graph that shares data and version with the original") {
        val x = leaf(1.0, 2.0)
        val y = x.mul(2.0)
        val d = y.detach()
        d.isLeaf() shouldBe true
        d.requiresGrad() shouldBe false
        d.gradFn() shouldBe null
        d.toDoubleArray() shouldBe doubleArrayOf(2.0, 4.0)
        val before = y.version()
        d.add_(1.0)
        y.toDoubleArray() shouldBe doubleArrayOf(3.0, 5.0)
        y.version() shouldBe before + 1
        d.version() shouldBe y.version()
    }

    test("node names and in-place messages are the same under a Turkish default locale") {
        // "SIGMOID".lowercase() there is "sıgmoıd", with dotless i's: names must be built locale-free.
        val saved = java.util.Locale.getDefault()
        java.util.Locale.setDefault(java.util.Locale.forLanguageTag("tr-TR"))
        try {
            val x = f64(1.0, 2.0).requiresGrad_(true)
            x.sigmoid().gradFn()?.name() shouldBe "SigmoidBackward"
            shouldThrow<IllegalStateException> { x.div_(2.0) }.message!! shouldStartWith "div_:"
            val y = x.mul(1.0)
            y.div_(2.0).gradFn()?.name() shouldBe "DivBackward"
        } finally {
            java.util.Locale.setDefault(saved)
        }
    }

    test("isLeaf, requiresGrad and gradFn tell leaves from computed tensors") {
        val x = leaf(1.0, 2.0)
        val c = f64(3.0, 4.0)
        x.isLeaf() shouldBe true
        x.requiresGrad() shouldBe true
        x.gradFn() shouldBe null
        c.isLeaf() shouldBe true
        c.requiresGrad() shouldBe false
        val y = x.mul(c)
        y.isLeaf() shouldBe false
        y.requiresGrad() shouldBe true
        y.gradFn()!!.name() shouldBe "MulBackward"
        y.gradFn().toString() shouldBe "<MulBackward>"
        x.add(1.0).gradFn()!!.name() shouldBe "AddBackward"
        x.sub(c).gradFn()!!.name() shouldBe "SubBackward"
        x.div(c).gradFn()!!.name() shouldBe "DivBackward"
        x.exp().gradFn()!!.name() shouldBe "ExpBackward"
        x.tanh().gradFn()!!.name() shouldBe "TanhBackward"
        y.sum().gradFn()!!.name() shouldBe "SumBackward"
        y.mean().gradFn()!!.name() shouldBe "MeanBackward"
        x.reshape(2, 1).gradFn()!!.name() shouldBe "ReshapeBackward"
        x.reshape(2, 1).t().gradFn()!!.name() shouldBe "TBackward"
        x.matmul(c).gradFn()!!.name() shouldBe "MatmulBackward"
        Tensor.cat(listOf(x, c), 0).gradFn()!!.name() shouldBe "CatBackward"
    }

    test("nextFunctions lead to the inputs' nodes, with AccumulateGrad for leaves and nothing for inputs without grad") {
        val x = leaf(1.0, 2.0)
        val w = leaf(5.0, 6.0)
        val c = f64(3.0, 4.0)
        val y = x.mul(c)
        y.gradFn()!!.nextFunctions().map { it.name() } shouldBe listOf("AccumulateGrad")
        val z = y.add(w)
        val next = z.gradFn()!!.nextFunctions()
        next.map { it.name() } shouldBe listOf("MulBackward", "AccumulateGrad")
        next[0] shouldBeSameInstanceAs y.gradFn()
        // one leaf has one AccumulateGrad, however often it is used
        val sq = x.mul(x).gradFn()!!.nextFunctions()
        sq.size shouldBe 2
        sq[0] shouldBeSameInstanceAs sq[1]
        sq[0] shouldBeSameInstanceAs y.gradFn()!!.nextFunctions()[0]
    }

    test("toString shows gradFn=<MulBackward> for computed tensors and requiresGrad=True for leaves, as PyTorch prints them") {
        val x = Tensor.of(floatArrayOf(1f, 2f)).requiresGrad_(true)
        x.toString() shouldBe "tensor([1., 2.], requiresGrad=True)"
        x.mul(2.0).toString() shouldBe "tensor([2., 4.], gradFn=<MulBackward>)"
        Tensor.of(floatArrayOf(1f, 2f), 1, 2).requiresGrad_(true).mul(1.0).toString() shouldBe
            "tensor([[1., 2.]], gradFn=<MulBackward>)"
        leaf(1.0, 2.0).mul(2.0).toString() shouldBe "tensor([2., 4.], dtype=torch.float64, gradFn=<MulBackward>)"
        x.mul(2.0).detach().toString() shouldBe "tensor([2., 4.])"
        GradMode.noGrad().use { x.mul(2.0).toString() shouldBe "tensor([2., 4.])" }
    }

    test("integer tensors cannot require grad") {
        val i = Tensor.of(longArrayOf(1, 2))
        val e = shouldThrow<IllegalArgumentException> { i.requiresGrad_(true) }
        e.message shouldContain "floating point"
        e.message shouldContain "INT64"
        i.requiresGrad() shouldBe false
        i.requiresGrad_(false).requiresGrad() shouldBe false
    }

    test("requiresGrad_(false) on a computed tensor fails and points to detach()") {
        val y = leaf(1.0).mul(2.0)
        val e = shouldThrow<IllegalStateException> { y.requiresGrad_(false) }
        e.message shouldContain "MulBackward"
        e.message shouldContain "detach()"
        y.requiresGrad() shouldBe true
    }

    test("requiresGrad_(false) on a leaf stops recording from it") {
        val x = leaf(1.0).requiresGrad_(false)
        x.mul(2.0).gradFn() shouldBe null
    }

    // ------------------------------------------------------------------ backward

    test("backward() of a scalar gives the known gradients") {
        val x = leaf(1.0, 2.0, 3.0)
        val w = leaf(4.0, 5.0, 6.0)
        // L = sum(x w) + sum(x^2) / 2  =>  dL/dx = w + x, dL/dw = x
        x.mul(w).sum().add(x.pow(2.0).sum().mul(0.5)).backward()
        x.grad()!!.shouldBeClose(5.0, 7.0, 9.0)
        w.grad()!!.shouldBeClose(1.0, 2.0, 3.0)
        x.grad()!!.dtype() shouldBe DType.FLOAT64
        x.grad()!!.requiresGrad() shouldBe false
    }

    test("grad() is null until a backward reaches the leaf") {
        val x = leaf(1.0)
        val unused = leaf(2.0)
        x.grad() shouldBe null
        x.mul(3.0).sum().backward()
        x.grad()!!.shouldBeClose(3.0)
        unused.grad() shouldBe null
    }

    test("backward(gradient) of a non-scalar weights the Jacobian by that gradient") {
        val x = leaf(1.0, 2.0, 3.0)
        x.mul(x).backward(f64(1.0, 0.5, 2.0))   // d(x^2) = 2x, times the weights
        x.grad()!!.shouldBeClose(2.0, 2.0, 12.0)
    }

    test("backward() on a non-scalar fails and says to pass a gradient") {
        val y = leaf(1.0, 2.0, 3.0).mul(2.0)
        val e = shouldThrow<IllegalArgumentException> { y.backward() }
        e.message shouldContain "scalar"
        e.message shouldContain "[3]"
        e.message shouldContain "pass a gradient"
    }

    test("backward() works on a one-element tensor of any rank") {
        val x = leaf(2.0)
        x.reshape(1, 1).mul(x.reshape(1, 1)).backward()
        x.grad()!!.shouldBeClose(4.0)
    }

    test("a gradient whose shape differs from the output's fails naming both shapes") {
        val y = leaf(1.0, 2.0, 3.0).mul(2.0)
        val e = shouldThrow<IllegalArgumentException> { y.backward(f64(1.0, 1.0)) }
        e.message shouldContain "[2]"
        e.message shouldContain "[3]"
    }

    test("a float32 gradient for a float64 output is cast to float64") {
        val x = leaf(1.0, 2.0)
        x.mul(3.0).backward(Tensor.of(floatArrayOf(1f, 0.5f)))
        x.grad()!!.dtype() shouldBe DType.FLOAT64
        x.grad()!!.shouldBeClose(3.0, 1.5)
    }

    test("an integer gradient is refused") {
        val y = leaf(1.0, 2.0).mul(3.0)
        val e = shouldThrow<IllegalArgumentException> { y.backward(Tensor.of(longArrayOf(1, 1))) }
        e.message shouldContain "floating point"
    }

    test("gradients accumulate over backward calls on fresh graphs") {
        val x = leaf(1.0, 2.0)
        x.mul(x).sum().backward()
        x.grad()!!.shouldBeClose(2.0, 4.0)
        x.mul(x).sum().backward()
        x.grad()!!.shouldBeClose(4.0, 8.0)
        x.mul(3.0).sum().backward()
        x.grad()!!.shouldBeClose(7.0, 11.0)
    }

    test("setGrad(null) clears the gradient, so the next backward starts from zero") {
        val x = leaf(1.0, 2.0)
        x.mul(x).sum().backward()
        x.setGrad(null)
        x.grad() shouldBe null
        x.mul(5.0).sum().backward()
        x.grad()!!.shouldBeClose(5.0, 5.0)
    }

    test("a leaf used several times gets the sum of the gradients along every path") {
        val x = leaf(1.0, 2.0)
        // x*x + 3x + x  =>  2x + 4
        x.mul(x).add(x.mul(3.0)).add(x).sum().backward()
        x.grad()!!.shouldBeClose(6.0, 8.0)
    }

    test("a non-leaf used several times sends the summed gradient on once") {
        val x = leaf(3.0)
        val h = x.mul(2.0)
        // h^3 = 8x^3  =>  24x^2
        h.mul(h).mul(h).sum().backward()
        x.grad()!!.shouldBeClose(216.0)
    }

    test("gradients of broadcast operands are summed back to each input's shape") {
        val a = leaf2(2, 3, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0)
        val row = leaf(10.0, 20.0, 30.0)            // [3] broadcasts over the rows
        val col = leaf2(2, 1, 100.0, 200.0)          // [2, 1] broadcasts over the columns
        val s = Tensor.scalar(2.0, DType.FLOAT64).requiresGrad_(true)   // 0-d broadcasts everywhere
        a.mul(row).add(col).mul(s).sum().backward()
        // d/da = row * s, d/drow = column sums of a * s, d/dcol = 3 s per row, d/ds = sum(a row + col)
        a.grad()!!.shape().toList() shouldBe listOf(2, 3)
        a.grad()!!.shouldBeClose(20.0, 40.0, 60.0, 20.0, 40.0, 60.0)
        row.grad()!!.shape().toList() shouldBe listOf(3)
        row.grad()!!.shouldBeClose(10.0, 14.0, 18.0)
        col.grad()!!.shape().toList() shouldBe listOf(2, 1)
        col.grad()!!.shouldBeClose(6.0, 6.0)
        s.grad()!!.shape().toList() shouldBe emptyList()
        s.grad()!!.shouldBeClose(10.0 + 40 + 90 + 40 + 100 + 180 + 300 + 600)
    }

    test("backward on a tensor that does not require grad fails and says why") {
        val e = shouldThrow<IllegalStateException> { f64(1.0, 2.0).sum().backward() }
        e.message shouldContain "does not require grad"
        val x = leaf(1.0)
        val y = GradMode.noGrad().use { x.mul(2.0).sum() }
        shouldThrow<IllegalStateException> { y.backward() }.message shouldContain "noGrad"
    }

    test("backward on a leaf puts the seed gradient into its grad") {
        val x = leaf(1.0, 2.0)
        x.backward(f64(0.5, 0.25))
        x.grad()!!.shouldBeClose(0.5, 0.25)
    }

    test("the seed gradient is copied: changing it afterwards leaves grad alone") {
        val x = leaf(1.0, 2.0)
        val seed = f64(1.0, 1.0)
        x.mul(1.0).backward(seed)
        seed.add_(5.0)
        x.grad()!!.shouldBeClose(1.0, 1.0)
        x.mul(1.0).backward(f64(1.0, 1.0))
        seed.toDoubleArray() shouldBe doubleArrayOf(6.0, 6.0)
        x.grad()!!.shouldBeClose(2.0, 2.0)
    }

    test("gradients flow through dtype conversions back in the leaf's dtype") {
        val x = leaf(1.0, 2.0)
        x.to(DType.FLOAT32).mul(3.0).sum().backward()
        x.grad()!!.dtype() shouldBe DType.FLOAT64
        x.grad()!!.shouldBeClose(3.0, 3.0)
    }

    // ------------------------------------------------------------------ graph freeing

    test("a second backward through a graph whose saved tensors were freed fails and mentions retainGraph") {
        val x = leaf(1.0, 2.0)
        val y = x.exp().sum()
        y.backward()
        val e = shouldThrow<IllegalStateException> { y.backward() }
        e.message shouldContain "ExpBackward"
        e.message shouldContain "second time"
        e.message shouldContain "retainGraph"
    }

    test("with retainGraph = true backward can run again, and the gradient doubles") {
        val x = leaf(0.0, 1.0)
        val y = x.exp().sum()
        y.backward(null, true, false)
        x.grad()!!.shouldBeClose(1.0, Math.E)
        y.backward(null, true, false)
        x.grad()!!.shouldBeClose(2.0, 2 * Math.E)
        y.backward()   // the last one may free it
        x.grad()!!.shouldBeClose(3.0, 3 * Math.E)
        shouldThrow<IllegalStateException> { y.backward() }.message shouldContain "retainGraph"
    }

    test("a graph whose nodes saved nothing can be run backward again") {
        val x = leaf(1.0, 2.0)
        val y = x.mul(2.0).add(1.0).sum()
        y.backward()
        y.backward()
        x.grad()!!.shouldBeClose(4.0, 4.0)
    }

    // ------------------------------------------------------------------ createGraph and Autograd.grad

    test("backward with createGraph records the gradient: d2/dx2 of x^3 is 6x") {
        val x = leaf(1.0, 2.0, 3.0)
        x.pow(3.0).sum().backward(null, false, true)
        val g = x.grad()!!
        g.shouldBeClose(3.0, 12.0, 27.0)
        g.requiresGrad() shouldBe true
        x.setGrad(null)
        g.sum().backward()
        x.grad()!!.shouldBeClose(6.0, 12.0, 18.0)
    }

    test("Autograd.grad with createGraph gives second and third derivatives of x^3") {
        val x = leaf(1.0, 2.0, 3.0)
        val d1 = Autograd.grad(x.pow(3.0).sum(), x, true)[0]
        d1.shouldBeClose(3.0, 12.0, 27.0)
        val d2 = Autograd.grad(d1.sum(), x, true)[0]
        d2.shouldBeClose(6.0, 12.0, 18.0)
        val d3 = Autograd.grad(d2.sum(), x)[0]
        d3.shouldBeClose(6.0, 6.0, 6.0)
        d3.requiresGrad() shouldBe false
        x.grad() shouldBe null
    }

    test("second derivatives of a product of two leaves, mixed ones included") {
        val x = leaf(2.0)
        val y = leaf(3.0)
        // f = x^2 y^3: df/dx = 2x y^3, d2f/dxdy = 6x y^2 = 108, d2f/dx2 = 2 y^3 = 54
        val (dx, dy) = Autograd.grad(arrayOf(x.pow(2.0).mul(y.pow(3.0)).sum()), arrayOf(x, y), null, true, true)
        dx.shouldBeClose(108.0)
        dy.shouldBeClose(108.0)   // 3 x^2 y^2
        val (dxx, dxy) = Autograd.grad(arrayOf(dx.sum()), arrayOf(x, y), null, false, false)
        dxx.shouldBeClose(54.0)
        dxy.shouldBeClose(108.0)
    }

    test("backward with createGraph and a seed that requires grad makes .grad differentiable in the seed") {
        val x = leaf(1.0, 2.0)
        val v = leaf(3.0, 4.0)
        x.mul(x).backward(v, false, true)           // x.grad = 2 x v
        x.grad()!!.shouldBeClose(6.0, 16.0)
        x.grad()!!.sum().backward()
        v.grad()!!.shouldBeClose(2.0, 4.0)          // d(sum 2 x v)/dv = 2x
    }

    test("gradients stored with createGraph are the leaves' own: later accumulation changes no other tensor") {
        val x = leaf(1.0, 2.0)
        val w = leaf(5.0, 6.0)
        x.add(w).sum().backward(null, false, true)  // the same incoming gradient reaches both leaves
        x.grad()!!.shouldBeClose(1.0, 1.0)
        w.grad()!!.shouldBeClose(1.0, 1.0)
        x.mul(2.0).sum().backward()
        x.grad()!!.shouldBeClose(3.0, 3.0)
        w.grad()!!.shouldBeClose(1.0, 1.0)
        val seed = f64(1.0, 1.0)
        val z = leaf(0.0, 0.0)
        z.backward(seed, false, true)
        z.mul(1.0).sum().backward()
        seed.toDoubleArray() shouldBe doubleArrayOf(1.0, 1.0)
        z.grad()!!.shouldBeClose(2.0, 2.0)
    }

    test("Autograd.grad returns gradients weighted by gradOutputs and leaves every .grad untouched") {
        val x = leaf(1.0, 2.0)
        val w = leaf(3.0, 4.0)
        val y = x.mul(w)                         // [2], needs a gradient
        val (gx, gw) = Autograd.grad(arrayOf(y), arrayOf(x, w), arrayOf(f64(1.0, 10.0)), false, false)
        gx.shouldBeClose(3.0, 40.0)
        gw.shouldBeClose(1.0, 20.0)
        x.grad() shouldBe null
        w.grad() shouldBe null
    }

    test("Autograd.grad with several outputs sums their contributions") {
        val x = leaf(1.0, 2.0)
        val g = Autograd.grad(arrayOf(x.mul(2.0).sum(), x.pow(2.0).sum()), arrayOf(x), null, false, false)[0]
        g.shouldBeClose(4.0, 6.0)
    }

    test("Autograd.grad can take the gradient with respect to an intermediate tensor") {
        val x = leaf(1.0, 2.0)
        val h = x.mul(3.0)
        val g = Autograd.grad(h.pow(2.0).sum(), h)[0]   // 2h
        g.shouldBeClose(6.0, 12.0)
        x.grad() shouldBe null
    }

    test("Autograd.grad for an intermediate tensor and the leaf below it gives each its full gradient") {
        val x = leaf(1.0, 2.0)
        val h = x.mul(3.0)
        val (gh, gx) = Autograd.grad(arrayOf(h.pow(2.0).sum().add(x.sum())), arrayOf(h, x), null, false, false)
        gh.shouldBeClose(6.0, 12.0)                 // 2h
        gx.shouldBeClose(19.0, 37.0)                // 2h * 3 + 1
    }

    test("Autograd.grad with allowUnused gives null for an input the outputs do not depend on") {
        val x = leaf(1.0)
        val unused = leaf(2.0)
        val g = Autograd.grad(arrayOf(x.mul(2.0).sum()), arrayOf(x, unused), null, false, false, true)
        g[0]!!.shouldBeClose(2.0)
        g[1] shouldBe null
    }

    test("Autograd.grad without allowUnused fails for an unused input, naming it and the way out") {
        val x = leaf(1.0)
        val unused = leaf(2.0)
        val e = shouldThrow<IllegalArgumentException> {
            Autograd.grad(arrayOf(x.mul(2.0).sum()), arrayOf(x, unused), null, false, false)
        }
        e.message shouldContain "input 1"
        e.message shouldContain "allowUnused"
    }

    test("Autograd.grad for an input that does not require grad fails") {
        val x = leaf(1.0)
        val c = f64(2.0)
        shouldThrow<IllegalArgumentException> { Autograd.grad(x.mul(c).sum(), c) }.message shouldContain "does not require grad"
    }

    test("a gradient penalty (the gradient of the norm of a gradient) matches finite differences") {
        val x = leaf2(2, 3, 0.5, -1.0, 0.25, 1.5, 0.75, -0.5)
        val w = leaf2(3, 2, 0.3, -0.2, 0.1, 0.4, -0.6, 0.2)
        fun penalty(x: Tensor, w: Tensor): Tensor = GradMode.enableGrad().use {
            val out = x.matmul(w).tanh().sum()
            val gx = Autograd.grad(arrayOf(out), arrayOf(x), null, true, true)[0]
            gx.norm().sub(1.0).pow(2.0)
        }
        GradCheck.gradcheck({ p -> penalty(p[0], p[1]) }, x, w) shouldBe true
        // and through backward(): w gets a gradient, .grad of x only what the penalty sends it
        penalty(x, w).backward()
        w.grad() shouldNotBe null
        w.grad()!!.toDoubleArray().all { it.isFinite() } shouldBe true
        x.grad()!!.shape().toList() shouldBe listOf(2, 3)
    }

    // ------------------------------------------------------------------ in-place

    test("modifying a tensor saved for backward makes backward fail naming the op and both versions") {
        val x = leaf(1.0, 2.0)
        val y = x.exp()              // ExpBackward saves its output y
        y.add_(1.0)
        val e = shouldThrow<IllegalStateException> { y.sum().backward() }
        e.message shouldContain "ExpBackward"
        e.message shouldContain "modified by an in-place operation"
        e.message shouldContain "version 1"
        e.message shouldContain "version 0"
    }

    test("an input saved by mul and later changed in place through a non-leaf is caught") {
        val x = leaf(1.0, 2.0)
        val h = x.mul(1.0)
        val y = h.mul(x)             // saves h for x's gradient
        h.mul_(2.0)
        shouldThrow<IllegalStateException> { y.sum().backward() }.message shouldContain "MulBackward"
    }

    test("in-place on a leaf that requires grad fails at once under grad mode, before changing it") {
        val x = leaf(1.0, 2.0)
        val e = shouldThrow<IllegalStateException> { x.add_(1.0) }
        e.message shouldContain "leaf"
        e.message shouldContain "noGrad"
        x.toDoubleArray() shouldBe doubleArrayOf(1.0, 2.0)
        x.version() shouldBe 0
        shouldThrow<IllegalStateException> { x.mul_(f64(2.0, 2.0)) }
        shouldThrow<IllegalStateException> { x.zero_() }
        shouldThrow<IllegalStateException> { x.copy_(f64(5.0, 5.0)) }
    }

    test("inside GradMode.noGrad() a leaf that requires grad can be updated in place, as optimizers do") {
        val x = leaf(1.0, 2.0)
        x.mul(x).sum().backward()
        GradMode.noGrad().use { x.sub_(x.grad()!!.mul(0.25)) }
        x.toDoubleArray() shouldBe doubleArrayOf(0.5, 1.0)
        x.isLeaf() shouldBe true
        x.requiresGrad() shouldBe true
        x.gradFn() shouldBe null
        x.version() shouldBe 1
    }

    test("in-place on a view of a leaf that requires grad fails under grad mode") {
        val x = leaf(1.0, 2.0, 3.0)
        val e = shouldThrow<IllegalStateException> { x.narrow(0, 0, 2).mul_(2.0) }
        e.message shouldContain "view of a leaf"
        shouldThrow<IllegalStateException> { x.reshape(3, 1).fill_(0.0) }
        x.toDoubleArray() shouldBe doubleArrayOf(1.0, 2.0, 3.0)
        GradMode.noGrad().use { x.narrow(0, 0, 2).mul_(2.0) }
        x.toDoubleArray() shouldBe doubleArrayOf(2.0, 4.0, 3.0)
    }

    test("version() counts in-place changes, shared by views and detached tensors of the same storage") {
        val t = Tensor.zeros(DType.FLOAT64, 3)
        val v0 = t.version()
        t.add_(1.0)
        t.version() shouldBe v0 + 1
        t.narrow(0, 0, 2).mul_(2.0)
        t.version() shouldBe v0 + 2
        t.detach().fill_(0.0)
        t.version() shouldBe v0 + 3
        t.add(1.0).version() shouldBe 0      // out-of-place results are new storage
    }

    test("in-place on a non-leaf is recorded: y = x*2; y.mul_(3) gives the gradient 6") {
        val x = leaf(1.0, 2.0)
        val y = x.mul(2.0)
        y.mul_(3.0)
        y.toDoubleArray() shouldBe doubleArrayOf(6.0, 12.0)
        y.sum().backward()
        x.grad()!!.shouldBeClose(6.0, 6.0)
    }

    test("an in-place op on a non-leaf becomes its gradFn, shown by toString") {
        val x = Tensor.of(floatArrayOf(1f, 2f)).requiresGrad_(true)
        val y = x.mul(2.0)
        y.gradFn()!!.name() shouldBe "MulBackward"
        val old = y.gradFn()
        y.add_(1.0)
        y.gradFn()!!.name() shouldBe "AddBackward"
        y.gradFn()!!.nextFunctions() shouldBe listOf(old)
        y.toString() shouldBe "tensor([3., 5.], gradFn=<AddBackward>)"
        y.isLeaf() shouldBe false
    }

    test("an in-place op with an operand that requires grad sends gradients to both") {
        val x = leaf(1.0, 2.0)
        val w = leaf(3.0, 4.0)
        val y = x.mul(1.0)
        y.mul_(w)                   // y = x w
        y.sum().backward()
        x.grad()!!.shouldBeClose(3.0, 4.0)
        w.grad()!!.shouldBeClose(1.0, 2.0)   // the value y had before mul_
        val a = leaf(1.0, 2.0)
        val b = leaf(4.0, 8.0)
        val q = a.mul(1.0)
        q.div_(b)                   // q = a / b
        q.sum().backward()
        a.grad()!!.shouldBeClose(0.25, 0.125)
        b.grad()!!.shouldBeClose(-1.0 / 16, -2.0 / 64)
    }

    test("in-place on a tensor that does not require grad, with an operand that does, starts recording") {
        val w = leaf(2.0, 3.0)
        val acc = Tensor.zeros(DType.FLOAT64, 2)
        acc.add_(w.mul(w))
        acc.requiresGrad() shouldBe true
        acc.gradFn()!!.name() shouldBe "AddBackward"
        acc.sum().backward()
        w.grad()!!.shouldBeClose(4.0, 6.0)
    }

    // ------------------------------------------------------------------ hooks

    test("a hook on a leaf sees the gradient that reaches it") {
        val x = leaf(1.0, 2.0)
        val seen = mutableListOf<DoubleArray>()
        x.registerHook { g -> seen.add(g.toDoubleArray()); g }
        x.mul(x).sum().backward()
        seen.map { it.toList() } shouldBe listOf(listOf(2.0, 4.0))
        x.grad()!!.shouldBeClose(2.0, 4.0)
    }

    test("a hook on a non-leaf sees the gradient flowing through it, summed over its uses") {
        val x = leaf(1.0, 2.0)
        val h = x.mul(2.0)
        val seen = mutableListOf<List<Double>>()
        h.registerHook { g -> seen.add(g.toDoubleArray().toList()); g }
        h.mul(3.0).add(h).sum().backward()
        seen shouldBe listOf(listOf(4.0, 4.0))
        x.grad()!!.shouldBeClose(8.0, 8.0)
    }

    test("a hook's result replaces the gradient downstream") {
        val x = leaf(1.0, 2.0)
        val h = x.mul(2.0)
        h.registerHook { g -> g.mul(10.0) }
        h.sum().backward()
        x.grad()!!.shouldBeClose(20.0, 20.0)
        val z = leaf(1.0, 2.0)
        z.registerHook { g -> g.mul(0.0) }
        z.mul(5.0).sum().backward()
        z.grad()!!.shouldBeClose(0.0, 0.0)
    }

    test("hooks on one tensor run in registration order, each on the previous one's result") {
        val x = leaf(1.0)
        val order = mutableListOf<String>()
        x.registerHook { g -> order.add("first"); g.add(1.0) }
        x.registerHook { g -> order.add("second ${g.item()}"); g.mul(10.0) }
        x.mul(2.0).sum().backward()
        order shouldBe listOf("first", "second 3.0")
        x.grad()!!.shouldBeClose(30.0)
    }

    test("remove() unregisters a hook") {
        val x = leaf(1.0, 2.0)
        var calls = 0
        val handle = x.registerHook { g -> calls++; g.mul(2.0) }
        x.sum().backward()
        calls shouldBe 1
        x.grad()!!.shouldBeClose(2.0, 2.0)
        handle.remove()
        handle.remove()               // a second remove does nothing
        x.setGrad(null)
        x.sum().backward()
        calls shouldBe 1
        x.grad()!!.shouldBeClose(1.0, 1.0)
    }

    test("a hook returning a gradient of the wrong shape fails naming both shapes") {
        val x = leaf(1.0, 2.0, 3.0)
        val h = x.mul(2.0)
        h.registerHook { _ -> f64(1.0, 2.0) }
        val e = shouldThrow<IllegalStateException> { h.sum().backward() }
        e.message shouldContain "hook"
        e.message shouldContain "[3]"
        e.message shouldContain "[2]"
    }

    test("registerHook on a tensor that does not require grad fails") {
        shouldThrow<IllegalStateException> { f64(1.0).registerHook { it } }.message shouldContain "does not require grad"
    }

    test("retainGrad() keeps a non-leaf's gradient; a non-retained non-leaf's grad() stays null") {
        val x = leaf(1.0, 2.0)
        val h = x.mul(3.0)
        val kept = x.mul(2.0)
        kept.retainGrad() shouldBeSameInstanceAs kept
        h.add(kept.mul(kept)).sum().backward()
        kept.grad()!!.shouldBeClose(4.0, 8.0)     // 2 * kept
        h.grad() shouldBe null
        x.grad()!!.shouldBeClose(11.0, 19.0)      // 3 + 2 * 2 * 2x
    }

    test("retainGrad() accumulates over backward calls and sees the gradient after hooks") {
        val x = leaf(1.0)
        val h = x.mul(1.0)
        h.retainGrad()
        h.registerHook { g -> g.mul(5.0) }
        val y = h.mul(2.0).sum()
        y.backward(null, true, false)
        h.grad()!!.shouldBeClose(10.0)
        y.backward()
        h.grad()!!.shouldBeClose(20.0)
    }

    // ------------------------------------------------------------------ anomaly detection

    test("under Anomaly.detect() a NaN made in backward throws AnomalyError naming the op and the line that called it") {
        val x = leaf(0.0, 1.0)
        val e = Anomaly.detect().use {
            val line = Throwable().stackTrace[0].lineNumber + 1
            val y = x.sqrt()                                  // d sqrt at 0 is 1/0; times 0 it is NaN
            val loss = y.mul(0.0).sum()
            val err = shouldThrow<AnomalyError> { loss.backward() }
            err to line
        }
        val (err, line) = e
        err.message shouldContain "SqrtBackward"
        err.message shouldContain "NaN"
        err.message shouldContain "AutogradSpec.kt:$line"
        Anomaly.isEnabled() shouldBe false
    }

    test("Anomaly.detect() names DivBackward for x/x at 0") {
        val x = leaf(0.0, 2.0)
        val err = Anomaly.detect().use {
            val y = x.div(x)
            shouldThrow<AnomalyError> { y.sum().backward() }
        }
        err.message shouldContain "DivBackward"
        err.message shouldContain "AutogradSpec.kt:"
    }

    test("without anomaly detection the same NaN gradient passes silently") {
        val x = leaf(0.0, 1.0)
        x.sqrt().mul(0.0).sum().backward()
        x.grad()!!.toDoubleArray()[0].isNaN() shouldBe true
        x.grad()!!.toDoubleArray()[1] shouldBe 0.0
    }

    test("under Anomaly.detect() an error inside an op's backward also names where its forward ran") {
        val x = leaf(1.0, 2.0)
        val err = Anomaly.detect().use {
            val y = x.exp()
            y.add_(1.0)
            shouldThrow<AnomalyError> { y.sum().backward() }
        }
        err.message shouldContain "ExpBackward"
        err.message shouldContain "AutogradSpec.kt:"
        err.cause!!.message shouldContain "in-place"
    }

    test("Anomaly.detect() scopes nest and restore") {
        Anomaly.isEnabled() shouldBe false
        Anomaly.detect().use {
            Anomaly.detect().use { Anomaly.isEnabled() shouldBe true }
            Anomaly.isEnabled() shouldBe true
        }
        Anomaly.isEnabled() shouldBe false
    }

    // ------------------------------------------------------------------ GraphDot

    test("GraphDot.of gives DOT text naming the ops and the leaves' shapes") {
        val x = Tensor.ones(DType.FLOAT64, 2, 3).requiresGrad_(true)
        val w = Tensor.ones(DType.FLOAT64, 3).requiresGrad_(true)
        val dot = GraphDot.of(x.mul(w).sum())
        dot shouldStartWith "digraph"
        dot.count { it == '{' } shouldBe dot.count { it == '}' }
        dot.trimEnd().endsWith("}") shouldBe true
        dot shouldContain "MulBackward"
        dot shouldContain "SumBackward"
        dot shouldContain "leaf"
        dot shouldContain "[2, 3]"
        dot shouldContain "[3]"
        // x -> Mul, w -> Mul, Mul -> Sum, Sum -> out
        Regex("->").findAll(dot).count() shouldBe 4
        dot.count { it == '"' } % 2 shouldBe 0
    }

    test("GraphDot.of a tensor without a graph shows just the tensor") {
        val dot = GraphDot.of(f64(1.0, 2.0))
        dot shouldStartWith "digraph"
        dot shouldContain "[2]"
        dot.contains("->") shouldBe false
    }

    test("GraphDot.of a 100,000-op chain does not overflow the stack") {
        var y = leaf(1.0)
        repeat(100_000) { y = y.mul(1.0) }
        val dot = GraphDot.of(y)
        dot shouldStartWith "digraph"
        Regex("MulBackward").findAll(dot).count() shouldBe 100_000
        Regex("->").findAll(dot).count() shouldBe 100_001
    }
})

// ------------------------------------------------------------------ helpers

private fun f64(vararg v: Double): Tensor = Tensor.of(v)

private fun leaf(vararg v: Double): Tensor = Tensor.of(v).requiresGrad_(true)

private fun leaf2(rows: Int, cols: Int, vararg v: Double): Tensor = Tensor.of(v, rows, cols).requiresGrad_(true)

private fun Tensor.shouldBeClose(vararg expected: Double, tol: Double = 1e-9) {
    val actual = toDoubleArray()
    withClue("values ${actual.toList()} vs expected ${expected.toList()}") {
        actual.size shouldBe expected.size
        for (i in actual.indices) {
            (abs(actual[i] - expected[i]) <= tol * maxOf(1.0, abs(expected[i]))) shouldBe true
        }
    }
}
