package dev.kindling.cuda

import dev.kindling.Kindling
import dev.kindling.tensor.DType
import dev.kindling.tensor.Device
import dev.kindling.tensor.NDArray
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.shouldNotBe
import io.kotest.matchers.string.shouldContain

class DoctorSpec : FunSpec({
    test("Device.cudaAvailable() agrees with the CUDA probe") {
        Device.cudaAvailable() shouldBe Cuda.isAvailable()
    }

    test("the doctor reports the JVM, OpenBLAS and a CUDA section") {
        val report = Kindling.doctor()
        report shouldContain "Kindling doctor"
        report shouldContain "Java " + System.getProperty("java.version")
        report shouldContain "OpenBLAS loaded"
        report shouldContain "CPU threads: ${dev.kindling.tensor.cpu.Parallel.threads()} (-Dkindling.threads)"
        report shouldContain "CUDA (kindling-cuda, JNI bindings org.bytedeco:cuda"
        report shouldContain "GEMM operands: ${dev.kindling.tensor.cpu.CpuBackend.gemmOperands()}"
        report shouldContain "Recurrent layers (float32): ${dev.kindling.tensor.cpu.DnnlRecurrent.status()}"
    }

    test("without a usable GPU the doctor says exactly why and where the NVIDIA libraries were looked for")
        .config(enabledIf = { !Cuda.isAvailable() }) {
            val reason = Cuda.unavailableReason()
            reason shouldNotBe null
            val report = Kindling.doctor()
            report shouldContain "unavailable: $reason"
            report shouldContain "libcuda.so.1: "
            report shouldContain "libcublas.so.13: "
            Cuda.deviceCount() shouldBe 0
        }

    test("without a usable GPU a CUDA tensor is an error that points at the doctor").config(enabledIf = { !Cuda.isAvailable() }) {
        val e = shouldThrow<IllegalStateException> { NDArray.zeros(DType.FLOAT32, Device.cuda(0), 2) }
        e.message shouldContain "no backend for device cuda:0"
        e.message shouldContain "Kindling.doctor()"
    }

    test("with a GPU the doctor lists each device with its compute capability and the loaded libraries")
        .config(enabledIf = { Cuda.isAvailable() }) {
            val report = Kindling.doctor()
            report shouldContain "cuda:0 "
            report shouldContain "compute capability"
            report shouldContain "cuBLAS "
            report shouldContain "NVRTC "
            report shouldContain "libcudart"
            println(report)
        }
})
