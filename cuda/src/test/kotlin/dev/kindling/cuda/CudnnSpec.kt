package dev.kindling.cuda

import dev.kindling.Random
import dev.kindling.amp.Autocast
import dev.kindling.amp.GradScaler
import dev.kindling.autograd.GradCheck
import dev.kindling.autograd.Tensor
import dev.kindling.nn.Conv2d
import dev.kindling.nn.ConvTranspose2d
import dev.kindling.nn.LSTM
import dev.kindling.nn.Linear
import dev.kindling.nn.functional.F
import dev.kindling.optim.SGD
import dev.kindling.tensor.ConvParams
import dev.kindling.tensor.DType
import dev.kindling.tensor.Device
import dev.kindling.tensor.Resampling
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.doubles.shouldBeLessThan
import io.kotest.matchers.shouldBe
import kotlin.math.abs

/**
 * cuDNN convolutions, the pooling kernels, 16-bit tensors and autocast on the GPU, against the CPU
 * backend on the same random inputs and weights; LeNet and LSTM training runs compared with the CPU
 * run. Skipped, with the probe's reason, where no GPU is usable.
 */
class CudnnSpec : FunSpec({
    val geometries = listOf(
        ConvParams(1, 1, 0, 0, 1, 1, 1) to intArrayOf(2, 3, 9, 9, 4, 3, 3),
        ConvParams(2, 1, 1, 2, 1, 1, 1) to intArrayOf(3, 4, 8, 7, 6, 3, 5),
        ConvParams(1, 2, 2, 1, 2, 1, 1) to intArrayOf(2, 2, 10, 9, 3, 3, 3),
        ConvParams(1, 1, 1, 1, 1, 1, 2) to intArrayOf(2, 4, 6, 6, 6, 3, 3),   // groups
    )

    for (dtype in listOf(DType.FLOAT32, DType.FLOAT64, DType.FLOAT16, DType.BFLOAT16)) {
        gpuTest("conv2d forward and both backwards through cuDNN match the CPU in $dtype (stride, padding, dilation, groups)") {
            for ((p, g) in geometries) {
                val (n, c, h, w, o, kh, kw) = g.toList()
                val x = randn(DType.FLOAT32, n, c, h, w).to(dtype)
                val wt = randn(DType.FLOAT32, o, c / p.groups(), kh, kw).to(dtype)
                val b = randn(DType.FLOAT32, o).to(dtype)
                val y = x.conv2d(wt, b, p)
                assertMatches(y, x.to(GPU).conv2d(wt.to(GPU), b.to(GPU), p).to(Device.CPU), "conv2d $p $dtype", rtolOf(dtype) * 10)
                val gy = randn(DType.FLOAT32, *y.shape()).to(dtype)
                assertMatches(gy.conv2dBackwardInput(wt, p, h, w), gy.to(GPU).conv2dBackwardInput(wt.to(GPU), p, h, w).to(Device.CPU),
                        "conv2d backward input $p $dtype", rtolOf(dtype) * 10)
                assertMatches(x.conv2dBackwardWeight(gy, p, kh, kw), x.to(GPU).conv2dBackwardWeight(gy.to(GPU), p, kh, kw).to(Device.CPU),
                        "conv2d backward weight $p $dtype", rtolOf(dtype) * 10)
            }
        }
    }

    gpuTest("float64 gradchecks through cuDNN conv2d and the transposed convolution") {
        val x = Tensor.wrap(randn(DType.FLOAT64, 2, 2, 5, 5).to(GPU)).requiresGrad_(true)
        val w = Tensor.wrap(randn(DType.FLOAT64, 3, 2, 3, 3).to(GPU)).requiresGrad_(true)
        val b = Tensor.wrap(randn(DType.FLOAT64, 3).to(GPU)).requiresGrad_(true)
        GradCheck.gradcheck(java.util.function.Function { a: Array<Tensor> -> F.conv2d(a[0], a[1], a[2], 2, 1) }, x, w, b) shouldBe true
        val wt = Tensor.wrap(randn(DType.FLOAT64, 2, 3, 3, 3).to(GPU)).requiresGrad_(true)
        GradCheck.gradcheck(java.util.function.Function { a: Array<Tensor> -> F.convTranspose2d(a[0], a[1], null, 2, 1) }, x, wt) shouldBe true
    }

    gpuTest("layers: Conv2d and ConvTranspose2d moved to the GPU give the CPU's outputs") {
        Random.manualSeed(4)
        val conv = Conv2d(3, 5, 3, 1, 1)
        val up = ConvTranspose2d(5, 2, 4, 2, 1)
        val x = Tensor.randn(2, 3, 8, 8)
        val cpu = up.forward(conv.forward(x))
        conv.to(GPU); up.to(GPU)
        assertMatches(cpu.data(), up.forward(conv.forward(x.to(GPU))).data().to(Device.CPU), "conv -> convTranspose", 1e-4)
    }

    for (dtype in listOf(DType.FLOAT32, DType.FLOAT64, DType.FLOAT16)) {
        gpuTest("max pooling values, indices and backward match the CPU in $dtype") {
            val x = randn(DType.FLOAT32, 2, 3, 9, 8).to(dtype)
            val cpu = x.maxPool2d(3, 3, 2, 2, 1, 1, 1, 1, false)
            val gpu = x.to(GPU).maxPool2d(3, 3, 2, 2, 1, 1, 1, 1, false)
            assertMatches(cpu[0], gpu[0].to(Device.CPU), "values", 0.0)
            gpu[1].to(Device.CPU).toLongArray().toList() shouldBe cpu[1].toLongArray().toList()
            val gy = randn(DType.FLOAT32, *cpu[0].shape()).to(dtype)
            assertMatches(gy.maxPool2dBackward(cpu[1], 9, 8), gy.to(GPU).maxPool2dBackward(gpu[1], 9, 8).to(Device.CPU),
                    "maxPool2d backward", rtolOf(dtype))
        }
    }

    for (dtype in listOf(DType.FLOAT32, DType.FLOAT64, DType.FLOAT16)) {
        gpuTest("resample2d (nearest, bilinear, adaptive pooling) and its backward match the CPU in $dtype") {
            val x = randn(DType.FLOAT32, 2, 3, 5, 7).to(dtype)
            val maps = listOf(
                Resampling.nearest(5, 10, Double.NaN) to Resampling.nearest(7, 13, Double.NaN),
                Resampling.linear(5, 9, false, Double.NaN) to Resampling.linear(7, 14, true, Double.NaN),
                Resampling.adaptive(5, 3) to Resampling.adaptive(7, 4))
            for ((mh, mw) in maps) {
                val cpu = x.resample2d(mh, mw)
                assertMatches(cpu, x.to(GPU).resample2d(mh, mw).to(Device.CPU), "resample2d $dtype", rtolOf(dtype) * 4)
                val gy = randn(DType.FLOAT32, *cpu.shape()).to(dtype)
                assertMatches(gy.resample2d(mh.transpose(), mw.transpose()),
                        gy.to(GPU).resample2d(mh.transpose(), mw.transpose()).to(Device.CPU), "resample2d backward $dtype", rtolOf(dtype) * 4)
            }
        }
    }

    gpuTest("F.interpolate on the GPU: bilinear upsampling and its gradient match the CPU; float64 gradcheck") {
        val x = Tensor.randn(1, 2, 4, 5)
        val cpu = F.interpolate(x, 2.0, "bilinear")
        assertMatches(cpu.data(), F.interpolate(x.to(GPU), 2.0, "bilinear").data().to(Device.CPU), "interpolate", 1e-5)
        val xd = Tensor.wrap(randn(DType.FLOAT64, 1, 2, 3, 4).to(GPU)).requiresGrad_(true)
        GradCheck.gradcheck(java.util.function.Function { a: Array<Tensor> -> F.interpolate(a[0], 2.0, "bilinear") }, xd) shouldBe true
    }

    for (dtype in listOf(DType.FLOAT16, DType.BFLOAT16)) {
        gpuTest("$dtype tensors: transfers keep the bits, conversions round as on the CPU, matmul runs in cuBLAS with float accumulation") {
            val x = randn(DType.FLOAT64, 64, 48).mul(10.0)
            val h = x.to(dtype)
            h.to(GPU).to(Device.CPU).toDoubleArray().toList() shouldBe h.toDoubleArray().toList()
            x.to(GPU).to(dtype).to(Device.CPU).toDoubleArray().toList() shouldBe h.toDoubleArray().toList()
            val y = randn(DType.FLOAT32, 48, 32).to(dtype)
            assertMatches(h.matmul(y), h.to(GPU).matmul(y.to(GPU)).to(Device.CPU), "matmul $dtype", rtolOf(dtype) * 4)
            assertMatches(h.binary(dev.kindling.tensor.BinaryOp.MUL, h), h.to(GPU).binary(dev.kindling.tensor.BinaryOp.MUL, h.to(GPU)).to(Device.CPU),
                    "mul $dtype", 0.0)
        }
    }

    /** LeNet-5 steps on random MNIST-shaped data; the losses of each step. */
    fun lenetLosses(device: Device, steps: Int, autocast: Boolean): List<Double> {
        Random.manualSeed(7)
        val model = GpuModels.lenet()
        model.to(device)
        val opt = SGD(model.parameters(), 0.05, 0.9)
        val scaler = GradScaler(65536.0, 2.0, 0.5, 2000, autocast)
        val x = Tensor.randn(64, 1, 28, 28).to(device)
        val y = Tensor.randint(0, 10, 64).to(device)
        return List(steps) {
            opt.zeroGrad()
            val loss = if (autocast) Autocast.enable(device.type()).use { F.crossEntropy(model.forward(x), y) }
                       else F.crossEntropy(model.forward(x), y)
            scaler.scale(loss).backward()
            scaler.step(opt)
            scaler.update()
            loss.item()
        }
    }

    gpuTest("LeNet-5 trains on the GPU with the CPU's losses (float32) and close to them under float16 autocast") {
        val cpu = lenetLosses(Device.CPU, 30, false)
        val gpu = lenetLosses(GPU, 30, false)
        cpu.zip(gpu).forEach { (a, b) -> abs(a - b) shouldBeLessThan 1e-3 * (1 + abs(a)) }
        val mixed = lenetLosses(GPU, 30, true)
        abs(mixed.last() - cpu.last()) shouldBeLessThan 0.05 * (1 + cpu.last())
        mixed.last() shouldBeLessThan mixed.first()
    }

    fun lstmLosses(device: Device, steps: Int, autocast: Boolean): List<Double> {
        Random.manualSeed(8)
        val lstm = LSTM(64, 256)
        val head = Linear(256, 64)
        lstm.to(device); head.to(device)
        val opt = SGD(lstm.parameters() + head.parameters(), 0.1)
        val x = Tensor.randn(35, 32, 64).to(device)
        val y = Tensor.randint(0, 64, 32).to(device)
        return List(steps) {
            opt.zeroGrad()
            val body = { F.crossEntropy(head.forward(lstm.forward(x).select(0, 34)), y) }
            val loss = if (autocast) Autocast.enable(device.type()).use { body() } else body()
            loss.backward()
            opt.step()
            loss.item()
        }
    }

    gpuTest("an LSTM (64 -> 256, 35 steps, batch 32) trains on the GPU with the CPU's losses, and under autocast") {
        val cpu = lstmLosses(Device.CPU, 10, false)
        val gpu = lstmLosses(GPU, 10, false)
        cpu.zip(gpu).forEach { (a, b) -> abs(a - b) shouldBeLessThan 1e-3 * (1 + abs(a)) }
        val mixed = lstmLosses(GPU, 10, true)
        abs(mixed.last() - cpu.last()) shouldBeLessThan 0.05 * (1 + cpu.last())
    }
})

private operator fun <T> List<T>.component6(): T = this[5]
private operator fun <T> List<T>.component7(): T = this[6]
