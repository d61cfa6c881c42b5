package dev.kindling.amp

import dev.kindling.Random
import dev.kindling.autograd.Tensor
import dev.kindling.nn.Conv2d
import dev.kindling.nn.Linear
import dev.kindling.nn.functional.F
import dev.kindling.optim.SGD
import dev.kindling.tensor.DType
import dev.kindling.tensor.Device
import dev.kindling.tensor.HalfFloats
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.assertions.withClue
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.doubles.shouldBeLessThan
import io.kotest.matchers.shouldBe
import kotlin.math.abs

/** Autocast's casting rules, exercised for real on the CPU (bfloat16, as PyTorch's CPU autocast). */
class AutocastSpec : FunSpec({
    fun bf16(v: Double) = HalfFloats.bfloat16ToFloat(HalfFloats.toBfloat16(v)).toDouble()

    fun <T> cpuAutocast(body: () -> T): T = Autocast.enable(Device.Type.CPU).use { body() }

    test("policies follow PyTorch's lists: products and convolutions in 16 bits, reductions and losses in float32") {
        for (op in listOf("matmul", "mm", "bmm", "linear", "conv2d", "convTranspose2d")) {
            Autocast.policy(op) shouldBe Autocast.Policy.LOWER_PRECISION
        }
        for (op in listOf("softmax", "logSoftmax", "exp", "log", "pow", "sum", "mseLoss", "crossEntropy", "nllLoss")) {
            Autocast.policy(op) shouldBe Autocast.Policy.FLOAT32
        }
        for (op in listOf("relu", "add", "mul", "maxPool2d", "cat", "dropout")) Autocast.policy(op) shouldBe Autocast.Policy.UNCHANGED
    }

    test("recurrent layers and attention follow PyTorch's lists: all of them on CUDA, only the LSTM layer on the CPU") {
        for (op in listOf("lstm", "gru", "rnnTanh", "rnnRelu", "lstmCell", "gruCell", "scaledDotProductAttention", "multiheadAttention")) {
            Autocast.policy(Device.Type.CUDA, op) shouldBe Autocast.Policy.LOWER_PRECISION
        }
        Autocast.policy(Device.Type.CPU, "lstm") shouldBe Autocast.Policy.LOWER_PRECISION
        Autocast.policy(Device.Type.CPU, "scaledDotProductAttention") shouldBe Autocast.Policy.LOWER_PRECISION
        for (op in listOf("gru", "rnnTanh", "rnnRelu", "lstmCell", "gruCell")) Autocast.policy(Device.Type.CPU, op) shouldBe Autocast.Policy.UNCHANGED
    }

    test("under CPU autocast an LSTM runs in bfloat16 and gives float32 gradients; a GRU stays in float32, as PyTorch's CPU list") {
        Random.manualSeed(6)
        val lstm = dev.kindling.nn.LSTM(3, 4)
        val gru = dev.kindling.nn.GRU(3, 4)
        val x = Tensor.randn(5, 2, 3)
        val out = cpuAutocast { lstm.forward(x) }
        out.dtype() shouldBe DType.BFLOAT16
        val full = lstm.forward(x).toDoubleArray()
        out.toDoubleArray().zip(full.toList()).forEach { (a, b) -> abs(a - b) shouldBeLessThan 0.03 }
        out.to(DType.FLOAT32).sum().backward()
        lstm.parameters().forEach { it.grad()!!.dtype() shouldBe DType.FLOAT32 }
        cpuAutocast { gru.forward(x) }.dtype() shouldBe DType.FLOAT32
        val q = Tensor.randn(2, 4, 8)
        cpuAutocast { F.scaledDotProductAttention(q, q, q) }.dtype() shouldBe DType.BFLOAT16
    }

    test("default types: float16 on CUDA, bfloat16 on the CPU; a non-16-bit type is refused") {
        Autocast.enable(Device.Type.CUDA).use { Autocast.dtype(Device.Type.CUDA) shouldBe DType.FLOAT16 }
        cpuAutocast { Autocast.dtype(Device.Type.CPU) shouldBe DType.BFLOAT16 }
        Autocast.isEnabled(Device.Type.CPU) shouldBe false
        shouldThrow<IllegalArgumentException> { Autocast.enable(Device.Type.CPU, DType.FLOAT32) }.message shouldBe
            "autocast: the lower-precision type must be FLOAT16 or BFLOAT16, got FLOAT32"
    }

    test("Linear under CPU autocast computes in bfloat16 from bfloat16-rounded operands, with float accumulation") {
        Random.manualSeed(1)
        val lin = Linear(7, 5)
        val x = Tensor.randn(4, 7)
        val y = cpuAutocast { lin.forward(x) }
        y.dtype() shouldBe DType.BFLOAT16
        val xs = x.toDoubleArray().map(::bf16)
        val ws = lin.weight.toDoubleArray().map(::bf16)
        val bs = lin.bias!!.toDoubleArray().map(::bf16)
        val got = y.toDoubleArray()
        for (i in 0 until 4) for (o in 0 until 5) {
            var acc = 0.0
            for (k in 0 until 7) acc += xs[i * 7 + k] * ws[o * 7 + k]
            val want = bf16(bf16(acc) + bs[o])
            withClue("y[$i, $o]") { abs(got[i * 5 + o] - want) shouldBeLessThan abs(want) * Math.pow(2.0, -7.0) + 1e-30 }
        }
    }

    test("float32 parameters get float32 gradients through the casts, close to the float32 gradients") {
        Random.manualSeed(2)
        val lin = Linear(6, 3)
        val x = Tensor.randn(5, 6)
        val target = Tensor.randn(5, 3)
        cpuAutocast { F.mseLoss(lin.forward(x), target) }.backward()
        val gw16 = lin.weight.grad()!!
        gw16.dtype() shouldBe DType.FLOAT32
        lin.zeroGrad()
        F.mseLoss(lin.forward(x), target).backward()
        val gw32 = lin.weight.grad()!!.toDoubleArray()
        gw16.toDoubleArray().zip(gw32.toList()).forEach { (a, b) -> abs(a - b) shouldBeLessThan 0.03 * (abs(b) + 0.1) }
    }

    test("reductions, softmax and losses run in float32 under autocast") {
        val h = Tensor.randn(3, 4).to(DType.BFLOAT16)
        cpuAutocast {
            h.softmax(1).dtype() shouldBe DType.FLOAT32
            h.logSoftmax(1).dtype() shouldBe DType.FLOAT32
            h.sum().dtype() shouldBe DType.FLOAT32
            h.exp().dtype() shouldBe DType.FLOAT32
            F.crossEntropy(h, Tensor.of(longArrayOf(0, 1, 3), 3)).dtype() shouldBe DType.FLOAT32
            F.mseLoss(h, Tensor.zeros(3, 4)).dtype() shouldBe DType.FLOAT32
            h.relu().dtype() shouldBe DType.BFLOAT16
        }
        h.sum().dtype() shouldBe DType.BFLOAT16
    }

    test("float64 and integer tensors are never cast, so float64 gradchecks are unaffected") {
        val a = Tensor.randn(DType.FLOAT64, 2, 3)
        val b = Tensor.randn(DType.FLOAT64, 3, 2)
        cpuAutocast {
            a.matmul(b).dtype() shouldBe DType.FLOAT64
            a.softmax(1).dtype() shouldBe DType.FLOAT64
        }
    }

    test("a conv2d layer under CPU autocast gives bfloat16; max pooling keeps it") {
        Random.manualSeed(3)
        val conv = Conv2d(2, 3, 3)
        val y = cpuAutocast { F.maxPool2d(conv.forward(Tensor.randn(1, 2, 6, 6)), 2, 2, 0) }
        y.dtype() shouldBe DType.BFLOAT16
    }

    test("scopes nest and restore; disable turns autocast off inside; CUDA autocast leaves CPU tensors alone") {
        val a = Tensor.randn(2, 2)
        cpuAutocast {
            a.matmul(a).dtype() shouldBe DType.BFLOAT16
            Autocast.disable(Device.Type.CPU).use { a.matmul(a).dtype() shouldBe DType.FLOAT32 }
            Autocast.enable(Device.Type.CPU, DType.FLOAT16).use { a.matmul(a).dtype() shouldBe DType.FLOAT16 }
            a.matmul(a).dtype() shouldBe DType.BFLOAT16
        }
        a.matmul(a).dtype() shouldBe DType.FLOAT32
        Autocast.enable(Device.Type.CUDA).use { a.matmul(a).dtype() shouldBe DType.FLOAT32 }
        Autocast.isActive() shouldBe false
    }

    test("scopes are per thread: another thread computes in float32 meanwhile") {
        val a = Tensor.randn(2, 2)
        cpuAutocast {
            var other: DType? = null
            val t = Thread { other = a.matmul(a).dtype() }
            t.start(); t.join()
            other shouldBe DType.FLOAT32
        }
    }

    test("an MLP trained under CPU bfloat16 autocast fits as well as in float32") {
        fun train(autocast: Boolean): Double {
            Random.manualSeed(5)
            val l1 = Linear(2, 16)
            val l2 = Linear(16, 2)
            val opt = SGD(l1.parameters() + l2.parameters(), 0.5)
            val x = Tensor.randn(128, 2)
            val label = x.select(1, 0).mul(x.select(1, 1)).gt(0.0).to(DType.INT64) // XOR of signs
            var loss = 0.0
            repeat(300) {
                opt.zeroGrad()
                val l = if (autocast) cpuAutocast { F.crossEntropy(l2.forward(l1.forward(x).relu()), label) }
                        else F.crossEntropy(l2.forward(l1.forward(x).relu()), label)
                l.backward()
                opt.step()
                loss = l.item()
            }
            return loss
        }
        val full = train(false)
        val mixed = train(true)
        full shouldBeLessThan 0.3
        abs(mixed - full) shouldBeLessThan 0.05
    }
})
