package dev.kindling.cuda

import dev.kindling.cuda.memory.CudaOutOfMemoryError
import dev.kindling.tensor.DType
import dev.kindling.tensor.NDArray
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain

class CudaMemorySpec : FunSpec({
    gpuTest("a tensor's block is allocated on creation and reused once the tensor is unreachable") {
        Cuda.emptyCache()
        val before = Cuda.memoryStats()
        var x: NDArray? = NDArray.zeros(DType.FLOAT32, GPU, 1 shl 20)
        val held = Cuda.memoryStats()
        (held.allocatedBytes() - before.allocatedBytes()) shouldBe 4L * (1 shl 20)
        x!!.numel() shouldBe (1L shl 20)
        x = null
        System.gc()
        Thread.sleep(200)
        NDArray.zeros(DType.FLOAT32, GPU, 1 shl 20)
        val after = Cuda.memoryStats()
        after.driverMallocs() shouldBe held.driverMallocs()     // the collected block was handed out again
        (after.allocatedBytes() <= held.allocatedBytes()) shouldBe true
    }

    gpuTest("emptyCache returns free segments to the driver") {
        run { NDArray.zeros(DType.FLOAT64, GPU, 50_000_000) }
        System.gc()
        Thread.sleep(200)
        Cuda.memoryStats()
        (Cuda.emptyCache() > 0) shouldBe true
        Cuda.memoryStats().cachedBytes() shouldBe 0L
    }

    gpuTest("exhausting the device gives an out-of-memory error that says what is held") {
        val held = mutableListOf<NDArray>()
        val e = shouldThrow<CudaOutOfMemoryError> {
            repeat(100) { held.add(NDArray.zeros(DType.FLOAT64, GPU, Int.MAX_VALUE - 8)) }   // 16 GiB each
        }
        e.message shouldContain "CUDA out of memory on cuda:0: tried to allocate"
        e.message shouldContain "live tensors hold"
        held.clear()
        System.gc()
        Thread.sleep(200)
        Cuda.emptyCache()
        NDArray.zeros(DType.FLOAT32, GPU, 10).sum().item() shouldBe 0.0
    }

    gpuTest("the kernel cache compiles each kernel once") {
        val x = randn(DType.FLOAT32, 100).to(GPU)
        x.add(x).mul(x)
        val first = Cuda.kernelCacheSummary(0)
        x.add(x).mul(x)
        Cuda.kernelCacheSummary(0) shouldBe first
    }
})
