package io.kotest.provided

import dev.kindling.cuda.Cuda
import io.kotest.core.config.AbstractProjectConfig

/** Says once, in the build log, whether the GPU specs run here and why not (Surefire drops skip reasons). */
class ProjectConfig : AbstractProjectConfig() {
    override suspend fun beforeProject() {
        if (Cuda.isAvailable()) println("kindling-cuda: ${Cuda.deviceCount()} GPU(s) found; the GPU specs run")
        else println("kindling-cuda: GPU specs are skipped: ${Cuda.unavailableReason()}")
    }
}
