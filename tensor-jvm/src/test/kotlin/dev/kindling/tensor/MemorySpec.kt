package dev.kindling.tensor

import dev.kindling.Memory
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain

class MemorySpec : FunSpec({
    afterTest { Memory.trackAllocations(false) }

    test("memoryStats reports the heap and the process's resident set") {
        val s = Memory.memoryStats()
        (s.heapUsedBytes() > 0) shouldBe true
        (s.heapMaxBytes() >= s.heapCommittedBytes()) shouldBe true
        (s.residentBytes() > 0) shouldBe true
        s.toString() shouldContain "resident"
    }

    test("the leak detector lists live storages with the test line that allocated them") {
        Memory.trackAllocations(true)
        val kept = NDArray.zeros(DType.FLOAT32, 1000)
        val stats = Memory.memoryStats()
        (stats.trackedLiveStorages() >= 1) shouldBe true
        (stats.trackedLiveBytes() >= 4000) shouldBe true
        Memory.liveAllocationReport() shouldContain "MemorySpec"
        Memory.trackAllocations(false)
        Memory.liveAllocationReport() shouldContain "tracking is off"
        kept.numel() shouldBe 1000L
    }
})
