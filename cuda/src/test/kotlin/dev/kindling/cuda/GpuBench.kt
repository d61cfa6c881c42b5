package dev.kindling.cuda

import dev.kindling.Memory
import dev.kindling.Random
import dev.kindling.autograd.GradMode
import dev.kindling.autograd.Tensor
import dev.kindling.nn.Linear
import dev.kindling.nn.ReLU
import dev.kindling.nn.Sequential
import dev.kindling.nn.functional.F
import dev.kindling.tensor.BinaryOp
import dev.kindling.tensor.DType
import dev.kindling.tensor.Device
import dev.kindling.tensor.NDArray
import java.io.File

/**
 * The GPU benchmarks of cuda/gpu/run.sh (not a unit test: run on a GPU machine, next to PyTorch's
 * figures from cuda/gpu/torch_bench.py on the same card):
 * <pre>
 * java -cp ... dev.kindling.cuda.GpuBench matmul|mlp|lenet|lstm|soak [torch-results-file]
 * </pre>
 * Each prints one line per measurement, "name value unit", and, given PyTorch's file (lines of the
 * same form), the ratio against its target.
 */
object GpuBench {
    private val gpu = Device.cuda(0)

    @JvmStatic
    fun main(args: Array<String>) {
        val torch = if (args.size > 1) readResults(File(args[1])) else emptyMap()
        when (args.getOrElse(0) { "all" }) {
            "matmul" -> matmul(torch)
            "mlp" -> mlp(torch)
            "lenet" -> lenet(torch)
            "lstm" -> lstm(torch)
            "soak" -> soak(args.getOrNull(2)?.toInt() ?: 10_000)
            else -> { matmul(torch); mlp(torch); soak(10_000) }
        }
    }

    private fun readResults(f: File): Map<String, Double> = if (!f.exists()) emptyMap() else
        f.readLines().mapNotNull { l -> l.trim().split(Regex("\\s+")).takeIf { it.size >= 2 }?.let { it[0] to it[1].toDouble() } }.toMap()

    private fun report(name: String, value: Double, unit: String) = println(String.format("%s %.4f %s", name, value, unit))

    /** Seconds per call of [body], timed over [iterations] after [warmup], with the stream drained around it. */
    private fun time(warmup: Int, iterations: Int, body: () -> Unit): Double {
        repeat(warmup) { body() }
        Cuda.synchronize()
        var best = Double.MAX_VALUE
        repeat(5) {
            val t0 = System.nanoTime()
            repeat(iterations) { body() }
            Cuda.synchronize()
            best = minOf(best, (System.nanoTime() - t0) / 1e9 / iterations)
        }
        return best
    }

    /** cuBLAS SGEMM 1024^2 through NDArray.matmul (target: at least 0.95 x torch.matmul). */
    fun matmul(torch: Map<String, Double>) {
        val n = 1024
        val a = NDArray.randn(dev.kindling.tensor.Generator(1), DType.FLOAT32, n, n).to(gpu)
        val b = NDArray.randn(dev.kindling.tensor.Generator(2), DType.FLOAT32, n, n).to(gpu)
        val s = time(20, 200) { a.matmul(b) }
        val gflops = 2.0 * n * n * n / s / 1e9
        report("matmul1024_fp32_gflops", gflops, "GFLOP/s")
        torch["matmul1024_fp32_gflops"]?.let { report("matmul1024_ratio_vs_torch", gflops / it, "(target >= 0.95)") }
    }

    private fun mlpModel(): Sequential {
        Random.manualSeed(1)
        return Sequential(Linear(784, 512), ReLU(), Linear(512, 512), ReLU(), Linear(512, 10)).also { it.to(gpu) }
    }

    /**
     * Plain SGD on the device: p -= lr * grad. (optim.SGD updates through the host when parameters
     * are not on the CPU; see docs/cuda.md.)
     */
    private fun sgdStep(model: dev.kindling.nn.Module, lr: Double) {
        GradMode.noGrad().use {
            for (p in model.parameters()) p.data().binary_(BinaryOp.SUB, p.grad()!!.data().mul(lr))
        }
    }

    /**
     * LeNet-5 training step, batch 64 (target: at most 1.1 x PyTorch's), in float32 and under float16
     * autocast with a GradScaler (the update is the device-side p -= lr * grad, as for the MLP).
     */
    fun lenet(torch: Map<String, Double>) {
        Random.manualSeed(1)
        val model = GpuModels.lenet().also { it.to(gpu) }
        val x = Tensor.randn(64, 1, 28, 28).to(gpu)
        val y = Tensor.randint(0, 10, 64).to(gpu)
        val s = time(50, 300) {
            model.zeroGrad()
            F.crossEntropy(model.forward(x), y).backward()
            sgdStep(model, 0.01)
        }
        report("lenet_step_ms", s * 1e3, "ms")
        torch["lenet_step_ms"]?.let { report("lenet_step_ratio_vs_torch", s * 1e3 / it, "(target <= 1.1)") }
        val scaler = dev.kindling.amp.GradScaler()
        val amp = time(50, 300) {
            model.zeroGrad()
            val loss = dev.kindling.amp.Autocast.enable(Device.Type.CUDA).use { F.crossEntropy(model.forward(x), y) }
            scaler.scale(loss).backward()
            for (p in model.parameters()) p.grad()!!.data().binary_(BinaryOp.MUL, 1.0 / scaler.getScale())
            sgdStep(model, 0.01)
        }
        report("lenet_amp_step_ms", amp * 1e3, "ms")
        torch["lenet_amp_step_ms"]?.let { report("lenet_amp_step_ratio_vs_torch", amp * 1e3 / it, "(target <= 1.1)") }
    }

    /** LSTM 64 -> 256, 35 steps, batch 32, last state -> 64 classes (target: at most 1.1 x PyTorch's step). */
    fun lstm(torch: Map<String, Double>) {
        Random.manualSeed(1)
        val rnn = dev.kindling.nn.LSTM(64, 256).also { it.to(gpu) }
        val head = Linear(256, 64).also { it.to(gpu) }
        val x = Tensor.randn(35, 32, 64).to(gpu)
        val y = Tensor.randint(0, 64, 32).to(gpu)
        val s = time(20, 100) {
            rnn.zeroGrad(); head.zeroGrad()
            F.crossEntropy(head.forward(rnn.forward(x).select(0, 34)), y).backward()
            sgdStep(rnn, 0.01); sgdStep(head, 0.01)
        }
        report("lstm_step_ms", s * 1e3, "ms")
        torch["lstm_step_ms"]?.let { report("lstm_step_ratio_vs_torch", s * 1e3 / it, "(target <= 1.1)") }
    }

    /** One MLP 784-512-512-10 training step, batch 128 (target: at most 1.1 x PyTorch's step). */
    fun mlp(torch: Map<String, Double>) {
        val model = mlpModel()
        val x = Tensor.rand(128, 784).to(gpu)
        val y = Tensor.randint(0, 10, 128).to(gpu)
        val s = time(50, 300) {
            model.zeroGrad()
            F.crossEntropy(model.forward(x), y).backward()
            sgdStep(model, 0.01)
        }
        report("mlp_step_ms", s * 1e3, "ms")
        torch["mlp_step_ms"]?.let { report("mlp_step_ratio_vs_torch", s * 1e3 / it, "(target <= 1.1)") }
    }

    /**
     * The plain loop with fresh batches from the host every step, nothing freed by hand: the
     * allocator's reserved bytes and the process's resident memory must stay flat after warm-up
     * (less than 5% growth from step 1000 to the end). Exit status 1 otherwise.
     */
    fun soak(steps: Int) {
        val model = mlpModel()
        var reservedAt1000 = 0L
        var rssAt1000 = 0L
        var last = Cuda.memoryStats()
        var lastRss = 0L
        val t0 = System.nanoTime()
        var firstLoss = Double.NaN
        var loss = 0.0
        for (step in 1..steps) {
            val x = Tensor.rand(128, 784).to(gpu)
            val y = Tensor.randint(0, 10, 128).to(gpu)
            model.zeroGrad()
            val l = F.crossEntropy(model.forward(x), y)
            l.backward()
            sgdStep(model, 0.01)
            if (step == 1) firstLoss = l.item()
            if (step % 500 == 0) {
                loss = l.item()
                last = Cuda.memoryStats()
                lastRss = Memory.memoryStats().residentBytes()
                if (step == 1000) { reservedAt1000 = last.reservedBytes(); rssAt1000 = lastRss }
                println(String.format("step %5d loss %.4f %s, resident %d MiB (%.1f s)", step, loss, last, lastRss shr 20,
                    (System.nanoTime() - t0) / 1e9))
            }
        }
        val reservedGrowth = 100.0 * (last.reservedBytes() - reservedAt1000) / maxOf(1L, reservedAt1000)
        val rssGrowth = 100.0 * (lastRss - rssAt1000) / maxOf(1L, rssAt1000)
        report("soak_reserved_growth_pct", reservedGrowth, "% (target < 5)")
        report("soak_resident_growth_pct", rssGrowth, "% (target < 5)")
        report("soak_loss_first_last", loss - firstLoss, "(negative: it learns)")
        if (reservedGrowth >= 5 || rssGrowth >= 5) System.exit(1)
    }
}
