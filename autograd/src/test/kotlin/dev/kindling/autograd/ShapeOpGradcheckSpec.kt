package dev.kindling.autograd

import dev.kindling.Random
import dev.kindling.tensor.DType
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe

/**
 * Views, indexing, joining and conversions against finite differences. All of them are linear in
 * the differentiated inputs, so gradgradcheck checks that each backward is itself recorded (its
 * derivative is the op's adjoint again).
 */
class ShapeOpGradcheckSpec : FunSpec({

    beforeTest { Random.manualSeed(7) }

    // ------------------------------------------------------------------ views

    test("reshape and view, including -1 and a reshape of a non-contiguous input (a copy)") {
        val x = randn(2, 3, 4)
        checkBoth(x) { it[0].reshape(6, 4) }
        checkBoth(x) { it[0].reshape(-1) }
        checkBoth(x) { it[0].reshape(4, -1, 2) }
        checkBoth(x) { it[0].view(3, 8) }
        checkBoth(x) { it[0].transpose(0, 2).reshape(4, 6) }
    }

    test("permute, transpose and t") {
        val x = randn(2, 3, 4)
        checkBoth(x) { it[0].permute(2, 0, 1) }
        checkBoth(x) { it[0].permute(-1, -3, -2) }
        checkBoth(x) { it[0].transpose(0, 2) }
        checkBoth(x) { it[0].transpose(-1, -2) }
        checkBoth(randn(3, 4)) { it[0].t() }
        checkBoth(randn(3)) { it[0].t() }
    }

    test("squeeze, squeeze(dim), unsqueeze") {
        val x = randn(2, 1, 3, 1)
        checkBoth(x) { it[0].squeeze() }
        checkBoth(x) { it[0].squeeze(1) }
        checkBoth(x) { it[0].squeeze(-1) }
        checkBoth(randn(2, 3)) { it[0].unsqueeze(0) }
        checkBoth(randn(2, 3)) { it[0].unsqueeze(-1).mul(it[0].unsqueeze(1)) }
    }

    test("flatten, flatten(start, end), also of a transposed input") {
        val x = randn(2, 3, 4)
        checkBoth(x) { it[0].flatten() }
        checkBoth(x) { it[0].flatten(1, 2) }
        checkBoth(x) { it[0].flatten(0, 1) }
        checkBoth(x) { it[0].transpose(0, 1).flatten(1, 2) }
    }

    test("expand (the gradient is summed over the repeated dims)") {
        checkBoth(randn(3, 1)) { it[0].expand(2, 3, 4) }
        checkBoth(randn(3, 1)) { it[0].expand(-1, 4) }
        checkBoth(randn(4)) { it[0].expand(3, 4).mul(it[0]) }
        gradOf(f64(1.0, 2.0, shape = intArrayOf(2, 1))) { it.expand(3, 2, 4) } shouldBeClose doubleArrayOf(12.0, 12.0)
    }

    test("contiguous of a transposed input (a copy) and of a contiguous one (the same tensor)") {
        checkBoth(randn(3, 4)) { it[0].t().contiguous() }
        checkBoth(randn(2, 3, 4)) { it[0].permute(1, 2, 0).contiguous().reshape(3, 8) }
        checkBoth(randn(3, 4)) { it[0].contiguous() }
    }

    test("narrow, slice with a step and select, negative dims included") {
        val x = randn(3, 5)
        checkBoth(x) { it[0].narrow(1, 1, 3) }
        checkBoth(x) { it[0].narrow(-2, 2, 1) }
        checkBoth(x) { it[0].slice(1, 0, 5, 2) }
        checkBoth(x) { it[0].slice(1, 1, 5, 3) }
        checkBoth(x) { it[0].slice(0, 1, 3, 1) }
        checkBoth(x) { it[0].select(0, 1) }
        checkBoth(x) { it[0].select(1, 4) }
        checkBoth(x) { it[0].select(-1, 0) }
    }

    test("a picked part's gradient is the output gradient written into zeros") {
        val x = f64(1.0, 2.0, 3.0, 4.0, 5.0, 6.0, shape = intArrayOf(2, 3))
        gradOf(x) { it.slice(1, 0, 3, 2).mul(2.0) } shouldBeClose doubleArrayOf(2.0, 0.0, 2.0, 2.0, 0.0, 2.0)
        gradOf(x) { it.select(0, 1) } shouldBeClose doubleArrayOf(0.0, 0.0, 0.0, 1.0, 1.0, 1.0)
    }

    test("unfold with overlapping windows (step < size) adds the windows' gradients back") {
        checkBoth(randn(2, 5)) { it[0].unfold(1, 3, 1) }
        checkBoth(randn(4, 3)) { it[0].unfold(0, 2, 1) }
        checkBoth(randn(2, 7)) { it[0].unfold(-1, 3, 2) }
        checkBoth(randn(2, 6, 2)) { it[0].unfold(1, 4, 2).mul(it[0].unfold(1, 4, 2)) }
        checkBoth(randn(2, 6)) { it[0].unfold(1, 2, 3) }
        // element j of 0..4 is in windows max(0, j-2)..min(j, 2): counts 1, 2, 3, 2, 1
        gradOf(f64(1.0, 2.0, 3.0, 4.0, 5.0)) { it.unfold(0, 3, 1) } shouldBeClose doubleArrayOf(1.0, 2.0, 3.0, 2.0, 1.0)
    }

    test("chained views") {
        checkBoth(randn(4, 3)) { it[0].t().narrow(1, 1, 2).reshape(-1) }
        checkBoth(randn(2, 3, 4)) { it[0].permute(2, 0, 1).select(1, 1).unsqueeze(0).slice(2, 0, 3, 2).squeeze(0) }
        checkBoth(randn(3, 4)) { it[0].unsqueeze(1).expand(3, 2, 4).transpose(0, 2).flatten().narrow(0, 3, 10) }
        checkBoth(randn(6)) { it[0].view(2, 3).t().unfold(0, 2, 1).contiguous() }
    }

    test("views to and from 0-d tensors: select of a vector, unsqueeze and expand of a scalar, stack of scalars") {
        checkBoth(randn(5)) { it[0].select(0, 2) }
        checkBoth(randn(5)) { it[0].select(0, 2).unsqueeze(0).expand(3) }
        val s = Tensor.scalar(0.4, DType.FLOAT64).requiresGrad_(true)
        checkBoth(s) { it[0].expand(2, 3) }
        checkBoth(s) { it[0].reshape(1, 1) }
        checkBoth(s, Tensor.scalar(-1.2, DType.FLOAT64).requiresGrad_(true)) { Tensor.stack(listOf(it[0], it[1], it[0]), 0) }
    }

    // ------------------------------------------------------------------ indexing

    test("indexSelect with repeated indices: the gradients add up") {
        val x = randn(3, 4)
        val idx = longs(2, 0, 2, 1, 2)
        checkBoth(x) { it[0].indexSelect(0, idx) }
        checkBoth(x) { it[0].indexSelect(1, longs(3, 3, 0)) }
        checkBoth(x) { it[0].indexSelect(-1, longs(1)) }
        gradOf(f64(1.0, 2.0, 3.0)) { it.indexSelect(0, idx) } shouldBeClose doubleArrayOf(1.0, 1.0, 3.0)
    }

    test("index(Tensor) with a 2-D index, repeated") {
        val idx = longs(0, 2, 2, 2, shape = intArrayOf(2, 2))
        checkBoth(randn(3, 2)) { it[0].index(idx) }
        gradOf(f64(1.0, 2.0, 3.0)) { it.index(idx) } shouldBeClose doubleArrayOf(1.0, 0.0, 3.0)
    }

    test("gather, along either dim, with repeated indices") {
        val x = randn(3, 4)
        checkBoth(x) { it[0].gather(1, longs(0, 3, 1, 1, 2, 0, shape = intArrayOf(3, 2))) }
        checkBoth(x) { it[0].gather(0, longs(2, 0, 2, 1, 1, 1, 0, 0, shape = intArrayOf(2, 4))) }
        // an index smaller than the input along the other dims too, as PyTorch allows
        checkBoth(x) { it[0].gather(1, longs(3, 0, 2, 2, shape = intArrayOf(2, 2))) }
        gradOf(f64(1.0, 2.0, 3.0)) { it.gather(0, longs(1, 1, 2)) } shouldBeClose doubleArrayOf(0.0, 2.0, 1.0)
    }

    test("scatter w.r.t. both self and src (distinct positions), also with a src larger than the index") {
        val idx = longs(0, 3, 1, 2, 3, 0, shape = intArrayOf(3, 2))
        checkBoth(randn(3, 4), randn(3, 2)) { it[0].scatter(1, idx, it[1]) }
        checkBoth(randn(3, 4), randn(3, 3)) { it[0].scatter(1, idx.narrow(0, 0, 2), it[1]) }
        checkBoth(randn(3, 4), randn(4, 5)) { it[0].scatter(0, longs(2, 0, 1, 1, shape = intArrayOf(1, 4)), it[1]) }
        val self = f64(1.0, 2.0, 3.0, 4.0)
        val src = f64(10.0, 20.0, 30.0)
        val (gs, gsrc) = Autograd.grad(arrayOf(self.scatter(0, longs(2, 0), src).mul(f64(1.0, 2.0, 3.0, 4.0).detach()).sum()),
            arrayOf(self, src), null, false, false)
        gs.toDoubleArray() shouldBeClose doubleArrayOf(0.0, 2.0, 0.0, 4.0)
        gsrc.toDoubleArray() shouldBeClose doubleArrayOf(3.0, 1.0, 0.0)
    }

    test("scatterAdd w.r.t. both self and src, with repeated indices and a src larger than the index") {
        val idx = longs(0, 0, 3, 1, 1, 1, 2, 0, 2, shape = intArrayOf(3, 3))
        checkBoth(randn(3, 4), randn(3, 3)) { it[0].scatterAdd(1, idx, it[1]) }
        checkBoth(randn(3, 4), randn(3, 5)) { it[0].scatterAdd(1, idx.narrow(1, 0, 2), it[1]) }
        checkBoth(randn(3, 4), randn(4, 4)) { it[0].scatterAdd(0, longs(0, 2, 1, 2, 2, 0, shape = intArrayOf(2, 3)), it[1]) }
        val self = f64(1.0, 2.0, 3.0)
        val src = f64(10.0, 20.0, 30.0, 40.0)
        val w = f64(1.0, 2.0, 3.0).detach()
        val (gs, gsrc) = Autograd.grad(arrayOf(self.scatterAdd(0, longs(2, 2, 0), src).mul(w).sum()),
            arrayOf(self, src), null, false, false)
        gs.toDoubleArray() shouldBeClose doubleArrayOf(1.0, 2.0, 3.0)
        gsrc.toDoubleArray() shouldBeClose doubleArrayOf(3.0, 3.0, 1.0, 0.0)
    }

    test("maskedFill, with a full and with a broadcast mask") {
        val x = randn(3, 4)
        val mask = Tensor.rand(DType.FLOAT64, 3, 4).gt(0.5)
        checkBoth(x) { it[0].maskedFill(mask, 0.5) }
        checkBoth(x) { it[0].maskedFill(bools(true, false, false, true), -1.0) }
        checkBoth(x) { it[0].maskedFill(bools(false, true, false, shape = intArrayOf(3, 1)), 2.0).mul(it[0]) }
        gradOf(f64(1.0, 2.0, 3.0)) { it.maskedFill(bools(false, true, false), 9.0) } shouldBeClose doubleArrayOf(1.0, 0.0, 1.0)
    }

    test("maskedSelect, with a full mask, a broadcast mask, and a mask that broadcasts the input") {
        val x = randn(3, 4)
        checkBoth(x) { it[0].maskedSelect(bools(true, false, true, true, false, false, true, false, true, true, true, false,
            shape = intArrayOf(3, 4))) }
        checkBoth(x) { it[0].maskedSelect(bools(false, true, true, false)) }
        val wide = bools(true, false, true, true, true, false, shape = intArrayOf(2, 3))
        checkBoth(randn(3)) { it[0].maskedSelect(wide) }
        gradOf(f64(1.0, 2.0, 3.0)) { it.maskedSelect(wide) } shouldBeClose doubleArrayOf(2.0, 1.0, 1.0)
    }

    test("indexAdd w.r.t. both self and src, with repeated indices") {
        checkBoth(randn(3, 4), randn(3, 4)) { it[0].indexAdd(0, longs(2, 0, 2), it[1]) }
        checkBoth(randn(3, 4), randn(3, 2)) { it[0].indexAdd(1, longs(1, 1), it[1]) }
        val self = f64(1.0, 2.0, 3.0)
        val src = f64(5.0, 6.0)
        val w = f64(1.0, 2.0, 3.0).detach()
        val (gs, gsrc) = Autograd.grad(arrayOf(self.indexAdd(0, longs(2, 2), src).mul(w).sum()), arrayOf(self, src),
            null, false, false)
        gs.toDoubleArray() shouldBeClose doubleArrayOf(1.0, 2.0, 3.0)
        gsrc.toDoubleArray() shouldBeClose doubleArrayOf(3.0, 3.0)
    }

    // ------------------------------------------------------------------ joining and padding

    test("cat of inputs of different sizes along either dim") {
        checkBoth(randn(2, 3), randn(1, 3), randn(4, 3)) { Tensor.cat(listOf(it[0], it[1], it[2]), 0) }
        checkBoth(randn(2, 1), randn(2, 3)) { Tensor.cat(listOf(it[0], it[1].exp(), it[0]), -1) }
    }

    test("cat with only some inputs requiring grad") {
        val c = Tensor.randn(DType.FLOAT64, 2, 3)
        checkBoth(randn(1, 3), c, randn(3, 3)) { Tensor.cat(listOf(it[0], it[1], it[2]), 0) }
        val a = f64(1.0, 2.0)
        val y = Tensor.cat(listOf(c.reshape(-1), a), 0)
        Autograd.grad(arrayOf(y), arrayOf(a), arrayOf(Tensor.arange(0.0, 8.0, 1.0, DType.FLOAT64)), false, false)[0]
            .toDoubleArray() shouldBeClose doubleArrayOf(6.0, 7.0)
    }

    test("stack along dims 0, 1 and -1") {
        for (d in listOf(0, 1, 2, -1)) checkBoth(randn(2, 3), randn(2, 3), randn(2, 3)) { Tensor.stack(listOf(it[0], it[1], it[2]), d) }
        checkBoth(randn(3), Tensor.randn(DType.FLOAT64, 3)) { Tensor.stack(listOf(it[0], it[1], it[0]), 0) }
    }

    test("split(size) and split(sizes): each piece's gradient flows back to its own stretch") {
        checkBoth(randn(3, 5)) {
            val p = it[0].split(2, 1)
            p.size shouldBe 3
            Tensor.cat(listOf(p[0].exp(), p[2].mul(3.0), p[1].sin()), 1)
        }
        checkBoth(randn(5, 2)) {
            val p = it[0].split(intArrayOf(1, 3, 1), 0)
            p[1].sum(0, false).mul(p[0].squeeze(0)).add(p[2].squeeze(0))
        }
    }

    test("chunk, with the gradient flowing through only a subset of the pieces") {
        checkBoth(randn(6, 2)) { it[0].chunk(3, 0)[1].mul(2.0) }
        checkBoth(randn(2, 7)) { val p = it[0].chunk(3, -1); p[0].mul(p[2]) }
        gradOf(f64(1.0, 2.0, 3.0, 4.0, 5.0, 6.0)) { it.chunk(3, 0)[1].mul(2.0) } shouldBeClose
            doubleArrayOf(0.0, 0.0, 2.0, 2.0, 0.0, 0.0)
    }

    test("pad with positive, negative and mixed pads") {
        val x = randn(3, 4)
        checkBoth(x) { it[0].pad(intArrayOf(1, 2), 0.0) }
        checkBoth(x) { it[0].pad(intArrayOf(1, 0, 2, 1), 1.5) }
        checkBoth(x) { it[0].pad(intArrayOf(-1, -1), 0.0) }
        checkBoth(x) { it[0].pad(intArrayOf(-1, 2, 1, -2), 0.0) }
    }

    test("a classifier's loss (logSoftmax, gather, mean) composed with views: gradcheck and gradgradcheck") {
        val target = longs(2, 0, 3, shape = intArrayOf(3, 1))
        checkBoth(randn(3, 5), randn(5, 4)) {
            it[0].matmul(it[1]).tanh().logSoftmax(-1).gather(1, target).neg().mean()
        }
    }

    // ------------------------------------------------------------------ conversions

    test("to(FLOAT32) and back: the gradient comes back as float64") {
        // float32 rounding drowns a 1e-6 step, so use a coarse one: the round trip is linear.
        val x = randn(3, 4)
        GradCheck.gradcheck({ it[0].to(DType.FLOAT32).mul(3.0).to(DType.FLOAT64) }, 1e-2, 1e-3, 1e-3, x) shouldBe true
        val y = x.to(DType.FLOAT32)
        y.dtype() shouldBe DType.FLOAT32
        val g = Autograd.grad(y.mul(2.0).sum(), x)[0]
        g.dtype() shouldBe DType.FLOAT64
        g.toDoubleArray() shouldBeClose DoubleArray(12) { 2.0 }
        checkBoth(x) { it[0].to(DType.FLOAT64) }
    }

    test("clone") {
        checkBoth(randn(3, 4)) { it[0].clone() }
        checkBoth(randn(3, 4)) { it[0].t().clone().mul(it[0].t()) }
    }
})
