package dev.kindling.cuda

import dev.kindling.tensor.DType
import dev.kindling.tensor.Device
import dev.kindling.tensor.Generator
import dev.kindling.tensor.NDArray
import io.kotest.assertions.withClue
import io.kotest.core.spec.style.scopes.FunSpecRootScope
import io.kotest.core.test.Enabled
import io.kotest.core.test.TestScope
import io.kotest.matchers.shouldBe
import kotlin.math.abs
import kotlin.math.max

/*
 * Shared by the GPU specs: every test runs only where a GPU is usable and is otherwise reported as
 * skipped with the probe's reason (no driver library, no device...), so CI without a GPU stays green.
 * Each op is checked against the CPU backend on the same random inputs.
 */

internal val GPU: Device = Device.cuda(0)

internal fun gpuEnabled(): Enabled =
    if (Cuda.isAvailable()) Enabled.enabled else Enabled.disabled("no usable GPU: ${Cuda.unavailableReason()}")

/** A test that needs a GPU. */
internal fun FunSpecRootScope.gpuTest(name: String, body: suspend TestScope.() -> Unit) {
    test(name).config(enabledOrReasonIf = { gpuEnabled() }, test = body)
}

/** Relative error allowed per dtype: float32 kernels round in float, float64 ones in double. */
internal fun rtolOf(t: DType): Double = when (t) {
    DType.FLOAT32 -> 2e-5
    DType.FLOAT64 -> 1e-11
    DType.FLOAT16 -> 2e-3
    DType.BFLOAT16 -> 1.6e-2
    else -> 0.0
}

/** The GPU result equals the CPU one: same shape, dtype and device-independent values within the dtype's bound. */
internal fun assertMatches(cpu: NDArray, gpu: NDArray, what: String, rtol: Double = rtolOf(cpu.dtype())) {
    withClue(what) {
        gpu.device() shouldBe GPU
        gpu.shape().toList() shouldBe cpu.shape().toList()
        gpu.dtype() shouldBe cpu.dtype()
        val expected = cpu.toDoubleArray()
        val actual = gpu.toDoubleArray()
        val scale = expected.fold(0.0) { m, v -> if (v.isFinite()) max(m, abs(v)) else m }
        for (i in expected.indices) {
            val e = expected[i]
            val a = actual[i]
            if (e.isNaN() || a.isNaN()) {
                withClue("element $i: expected $e, got $a") { a.isNaN() shouldBe e.isNaN() }
            } else if (rtol == 0.0 || e.isInfinite()) {
                withClue("element $i") { a shouldBe e }
            } else {
                // Relative to the element, with a floor relative to the array's scale for values near 0.
                val bound = rtol * max(abs(e), 1e-3 * scale) + Double.MIN_VALUE
                if (abs(a - e) > bound) throw AssertionError("$what: element $i is $a on the GPU, $e on the CPU (bound $bound)")
            }
        }
    }
}

internal val gen = Generator(20261121)

internal fun randn(t: DType, vararg shape: Int): NDArray = NDArray.randn(gen, DType.FLOAT64, *shape).to(t)

internal fun randint(low: Long, high: Long, t: DType, vararg shape: Int): NDArray = NDArray.randint(gen, low, high, t, *shape)

/** The same op on the CPU and on the GPU, its inputs moved there; results compared. */
internal fun checkOp(what: String, vararg inputs: NDArray, rtol: Double? = null, op: (List<NDArray>) -> NDArray) {
    val cpu = op(inputs.toList())
    val gpu = op(inputs.map { it.to(GPU) })
    assertMatches(cpu, gpu, what, rtol ?: rtolOf(cpu.dtype()))
}
