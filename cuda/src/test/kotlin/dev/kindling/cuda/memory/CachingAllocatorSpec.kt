package dev.kindling.cuda.memory

import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.longs.shouldBeLessThanOrEqual
import io.kotest.matchers.shouldBe
import io.kotest.matchers.shouldNotBe
import io.kotest.matchers.string.shouldContain

/** Device memory faked by address arithmetic: what a GPU's cuMemAlloc would hand out, with a capacity. */
internal class FakeDeviceMemory(private val capacity: Long) : RawMemory {
    val live = mutableMapOf<Long, Long>()
    private var next = 0x7f0000000000L
    var mallocs = 0
    var frees = 0

    val used: Long get() = live.values.sum()

    override fun malloc(bytes: Long): Long {
        if (used + bytes > capacity) return 0
        val address = next
        next += bytes + (1L shl 20)   // a gap, so blocks of different segments can never look adjacent
        live[address] = bytes
        mallocs++
        return address
    }

    override fun free(address: Long) {
        check(live.remove(address) != null) { "freeing unknown segment 0x${address.toString(16)}" }
        frees++
    }

    override fun freeAndTotal() = longArrayOf(capacity - used, capacity)
}

private const val KiB = 1024L
private const val MiB = 1024L * 1024

private fun allocatorOver(memory: RawMemory, gcThreshold: Long = 1L shl 40, gc: Runnable = Runnable { System.gc() }) =
    CachingAllocator("cuda:0", memory, gc, gcThreshold)

/** A block tied to an owner that nothing else references once this returns. */
private fun leakOwner(a: CachingAllocator, bytes: Long) {
    val owner = Any()
    a.track(owner, a.allocate(bytes))
}

class CachingAllocatorSpec : FunSpec({
    test("requests round up to multiples of 512 bytes") {
        CachingAllocator.roundSize(1) shouldBe 512L
        CachingAllocator.roundSize(512) shouldBe 512L
        CachingAllocator.roundSize(513) shouldBe 1024L
        CachingAllocator.roundSize(3 * MiB + 1) shouldBe 3 * MiB + 512
    }

    test("segment sizes: 2 MiB for small requests, 20 MiB below 10 MiB, else the request rounded to 2 MiB") {
        CachingAllocator.segmentSize(512) shouldBe 2 * MiB
        CachingAllocator.segmentSize(MiB) shouldBe 2 * MiB
        CachingAllocator.segmentSize(MiB + 512) shouldBe 20 * MiB
        CachingAllocator.segmentSize(10 * MiB - 512) shouldBe 20 * MiB
        CachingAllocator.segmentSize(10 * MiB) shouldBe 10 * MiB
        CachingAllocator.segmentSize(11 * MiB) shouldBe 12 * MiB
    }

    test("small requests share one 2 MiB segment") {
        val mem = FakeDeviceMemory(1L shl 30)
        val a = allocatorOver(mem)
        val blocks = (1..100).map { a.allocate(4 * KiB) }
        mem.mallocs shouldBe 1
        blocks.map { it.address() }.toSet().size shouldBe 100
        blocks.zipWithNext().forEach { (x, y) -> y.address() - x.address() shouldBe 4 * KiB }
        val s = a.stats()
        s.allocatedBytes() shouldBe 400 * KiB
        s.reservedBytes() shouldBe 2 * MiB
        s.activeBlocks() shouldBe 100L
    }

    test("a freed block is handed out again without asking the driver") {
        val mem = FakeDeviceMemory(1L shl 30)
        val a = allocatorOver(mem)
        val first = a.allocate(30 * MiB)
        val address = first.address()
        a.free(first)
        a.allocate(29 * MiB).address() shouldBe address
        mem.mallocs shouldBe 1
        a.stats().driverMallocs() shouldBe 1L
        a.stats().allocations() shouldBe 2L
    }

    test("the smallest cached block that fits is chosen") {
        val a = allocatorOver(FakeDeviceMemory(1L shl 30))
        val big = a.allocate(16 * MiB)
        val small = a.allocate(12 * MiB)
        a.free(big)
        a.free(small)
        a.allocate(11 * MiB).address() shouldBe small.address()
    }

    test("a block split from a large segment leaves the rest cached, and frees merge back into one segment") {
        val mem = FakeDeviceMemory(1L shl 30)
        val a = allocatorOver(mem)
        val x = a.allocate(4 * MiB)
        val y = a.allocate(4 * MiB)
        val z = a.allocate(4 * MiB)
        mem.mallocs shouldBe 1                       // one 20 MiB segment serves all three
        y.address() shouldBe x.address() + 4 * MiB
        a.free(x)
        a.free(z)
        a.emptyCache() shouldBe 0L                   // y still holds the segment
        a.free(y)
        a.emptyCache() shouldBe 20 * MiB             // x, y, z and the tail merged into the whole segment
        mem.live.size shouldBe 0
        a.stats().reservedBytes() shouldBe 0L
    }

    test("small remainders of large blocks are not split off") {
        val a = allocatorOver(FakeDeviceMemory(1L shl 30))
        val seg = a.allocate(20 * MiB - 512 * KiB)   // rest 512 KiB: kept with the block, as PyTorch does
        seg.size() shouldBe 20 * MiB
    }

    test("emptyCache returns only wholly free segments") {
        val mem = FakeDeviceMemory(1L shl 30)
        val a = allocatorOver(mem)
        val kept = a.allocate(12 * MiB)
        a.free(a.allocate(14 * MiB))
        a.emptyCache() shouldBe 14 * MiB
        mem.live.keys shouldBe setOf(kept.address())
    }

    test("freeing a block twice is an error") {
        val a = allocatorOver(FakeDeviceMemory(1L shl 30))
        val b = a.allocate(KiB)
        a.free(b)
        shouldThrow<IllegalStateException> { a.free(b) }.message shouldContain "freed twice"
    }

    test("when the driver runs out, cached segments are released and the request retried") {
        val mem = FakeDeviceMemory(64 * MiB)
        val a = allocatorOver(mem)
        a.free(a.allocate(40 * MiB))                 // 40 MiB cached
        val b = a.allocate(50 * MiB)                 // does not fit beside the cache: the cache goes first
        b.size() shouldBe 50 * MiB
        a.stats().driverFrees() shouldBe 1L
        mem.used shouldBe 50 * MiB
    }

    test("out of memory names the request, what live tensors hold and what is reserved") {
        val mem = FakeDeviceMemory(64 * MiB)
        val a = allocatorOver(mem)
        val held = a.allocate(40 * MiB)
        val e = shouldThrow<CudaOutOfMemoryError> { a.allocate(30 * MiB) }
        e.message shouldContain "CUDA out of memory on cuda:0: tried to allocate 30.00 MiB"
        e.message shouldContain "live tensors hold 40.00 MiB in 1 blocks"
        e.message shouldContain "40.00 MiB reserved"
        e.message shouldContain "the driver reports 24.00 MiB free of 64.00 MiB total"
        held.size() shouldBe 40 * MiB
    }

    test("on exhaustion one collection returns the blocks of unreachable owners") {
        val mem = FakeDeviceMemory(40 * MiB)
        var collections = 0
        val a = allocatorOver(mem, gc = Runnable { collections++; System.gc() })
        leakOwner(a, 16 * MiB)
        leakOwner(a, 16 * MiB)
        val b = a.allocate(16 * MiB)                 // the device is full until the owners are collected
        b.size() shouldBe 16 * MiB
        collections shouldBe 1
        a.stats().collections() shouldBe 1L
        mem.mallocs shouldBe 2
    }

    test("a released lease returns its block at once and only once") {
        val a = allocatorOver(FakeDeviceMemory(1L shl 30))
        val owner = Any()
        val lease = a.track(owner, a.allocate(MiB))
        a.stats().activeBlocks() shouldBe 1L
        lease.release()
        lease.release()
        a.stats().activeBlocks() shouldBe 0L
        a.stats().allocatedBytes() shouldBe 0L
        owner shouldNotBe null
    }

    test("under the gc threshold, reserved memory stays flat while owners come and go") {
        val mem = FakeDeviceMemory(1L shl 30)
        val a = allocatorOver(mem, gcThreshold = 8 * MiB)
        repeat(300) { leakOwner(a, MiB) }            // 300 MiB requested in total, none of it kept
        val s = a.stats()
        s.peakReservedBytes() shouldBeLessThanOrEqual 16 * MiB     // without collections it would reach 300 MiB
        (s.collections() > 0) shouldBe true
        s.toString() shouldContain "collections"
    }

    test("statistics print sizes in binary units") {
        CudaMemoryStats.bytes(512) shouldBe "512 B"
        CudaMemoryStats.bytes(3 * MiB / 2) shouldBe "1.50 MiB"
        CudaMemoryStats.bytes(5L shl 30) shouldBe "5.00 GiB"
    }
})
