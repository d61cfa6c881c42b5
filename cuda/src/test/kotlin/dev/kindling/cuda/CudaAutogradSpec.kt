package dev.kindling.cuda

import dev.kindling.Random
import dev.kindling.autograd.GradCheck
import dev.kindling.autograd.GradMode
import dev.kindling.autograd.Tensor
import dev.kindling.nn.Linear
import dev.kindling.nn.ReLU
import dev.kindling.nn.Sequential
import dev.kindling.nn.functional.F
import dev.kindling.optim.SGD
import dev.kindling.tensor.DType
import dev.kindling.tensor.Device
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import kotlin.math.abs

/** A float64 leaf on the GPU that requires grad. */
private fun gpuLeaf(vararg shape: Int): Tensor = Tensor.wrap(randn(DType.FLOAT64, *shape).to(GPU)).requiresGrad_(true)

private fun gradcheckOnGpu(vararg inputs: Tensor, fn: (Array<Tensor>) -> Tensor) {
    GradCheck.gradcheck(java.util.function.Function<Array<Tensor>, Tensor> { fn(it) }, *inputs) shouldBe true
}

class CudaAutogradSpec : FunSpec({
    gpuTest("gradients of elementwise ops, reductions and softmax computed on the GPU agree with finite differences") {
        gradcheckOnGpu(gpuLeaf(3, 4), gpuLeaf(4)) { (it[0].mul(it[1]).tanh().add(it[0].sigmoid())).sum(1, false) }
        gradcheckOnGpu(gpuLeaf(3, 5)) { it[0].softmax(1).mul(it[0]).mean() }
        gradcheckOnGpu(gpuLeaf(3, 5)) { it[0].logSoftmax(0).sum() }
        gradcheckOnGpu(gpuLeaf(4, 6)) { it[0].exp().div(it[0].mul(it[0]).add(1.0)).max(1, false).values() }
    }

    gpuTest("gradients through cuBLAS products, batched and transposed") {
        gradcheckOnGpu(gpuLeaf(4, 3), gpuLeaf(3, 5)) { it[0].matmul(it[1]) }
        gradcheckOnGpu(gpuLeaf(2, 4, 3), gpuLeaf(3, 5)) { it[0].matmul(it[1]).relu().sum(2, false) }
        gradcheckOnGpu(gpuLeaf(5, 3), gpuLeaf(2, 3)) { F.linear(it[0], it[1]) }
    }

    gpuTest("gradients through indexing: gather, indexSelect, maskedFill") {
        val idx = Tensor.wrap(randint(0, 5, DType.INT64, 3, 2).to(GPU))
        gradcheckOnGpu(gpuLeaf(3, 5)) { it[0].gather(1, idx) }
        val rows = Tensor.wrap(randint(0, 4, DType.INT64, 6).to(GPU))
        gradcheckOnGpu(gpuLeaf(4, 3)) { it[0].indexSelect(0, rows) }
        gradcheckOnGpu(gpuLeaf(4, 3)) { it[0].maskedFill(it[0].detach().gt(0.0), 0.0).mul(it[0]) }
    }

    gpuTest("crossEntropy's gradient on the GPU") {
        val labels = Tensor.wrap(randint(0, 4, DType.INT64, 6).to(GPU))
        gradcheckOnGpu(gpuLeaf(6, 4)) { F.crossEntropy(it[0], labels) }
    }

    gpuTest("an MLP trains on the GPU with the same losses as on the CPU") {
        fun run(device: Device): List<Double> {
            Random.manualSeed(7)
            val model = Sequential(Linear(20, 64), ReLU(), Linear(64, 64), ReLU(), Linear(64, 5))
            model.to(device)
            val opt = SGD(model.parameters(), 0.1, 0.9)
            val x = Tensor.randn(32, 20).to(device)
            val y = Tensor.randint(0, 5, 32).to(device)
            return (1..30).map {
                model.zeroGrad()
                val loss = F.crossEntropy(model.forward(x), y)
                loss.backward()
                opt.step()
                loss.item()
            }
        }
        val cpu = run(Device.CPU)
        val gpu = run(GPU)
        for (i in cpu.indices) {
            if (abs(cpu[i] - gpu[i]) > 1e-4 * (1 + abs(cpu[i]))) throw AssertionError("step ${i + 1}: loss ${gpu[i]} on the GPU, ${cpu[i]} on the CPU")
        }
        (gpu.last() < gpu.first() / 2) shouldBe true
    }

    gpuTest("Module.to moves parameters, gradients land on the GPU") {
        val layer = Linear(3, 2).to(GPU)
        layer.parameters().forEach { it.device() shouldBe GPU }
        val out = layer.forward(Tensor.randn(4, 3).to(GPU)).sum()
        out.backward()
        layer.parameters().forEach { it.grad()!!.device() shouldBe GPU }
        GradMode.isEnabled() shouldBe true
    }
})
