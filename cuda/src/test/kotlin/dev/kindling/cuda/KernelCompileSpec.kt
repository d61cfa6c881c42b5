package dev.kindling.cuda

import dev.kindling.cuda.kernels.Nvrtc
import io.kotest.core.spec.style.FunSpec
import io.kotest.core.test.Enabled
import io.kotest.matchers.shouldBe

/**
 * Every kernel source compiles with NVRTC. NVRTC needs no GPU, but its bindings load the CUDA
 * driver library, so this runs on a GPU machine, or where -Dkindling.cuda.compileCheck=true says a
 * libnvrtc (and a driver library, even a stub) is on the library path; elsewhere it is skipped.
 */
class KernelCompileSpec : FunSpec({
    test("NVRTC compiles every kernel of the catalog for the GPU's architecture (sm_90 without one)").config(enabledOrReasonIf = {
        if (Cuda.isAvailable() || System.getProperty("kindling.cuda.compileCheck") == "true") Enabled.enabled
        else Enabled.disabled("no CUDA driver to load NVRTC's bindings with (${Cuda.unavailableReason()}); " +
            "run with -Dkindling.cuda.compileCheck=true where libnvrtc.so.13 loads")
    }) {
        val arch = if (Cuda.isAvailable()) CudaDevice.get(0).capability() else 90
        val failures = KernelCatalog.all().mapNotNull { e ->
            try {
                Nvrtc.compile(e.source(), e.name() + ".cu", arch)
                null
            } catch (ex: CudaException) {
                "${e.key()}: ${ex.message}"
            }
        }
        failures.joinToString("\n\n") shouldBe ""
    }
})
