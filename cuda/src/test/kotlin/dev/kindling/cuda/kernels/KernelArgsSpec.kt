package dev.kindling.cuda.kernels

import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import org.bytedeco.javacpp.BytePointer
import org.bytedeco.javacpp.Pointer

/** Reads native memory at a raw address, as the driver reads kernel parameters. */
private class RawAddress(a: Long) : Pointer() {
    init { address = a }
}

private fun bytesAt(address: Long) = BytePointer(RawAddress(address))

class KernelArgsSpec : FunSpec({
    test("each value lands at its C alignment and the pointer array points at it") {
        val args = KernelArgs.begin().ints(intArrayOf(7, 8, 9)).i32(-1).f64(2.5).ptr(0x7f00_1234_5678L).i64(-3)
        val p = args.pointers()
        val base = p.get(0)
        p.get(1) - base shouldBe 12L         // after three ints
        p.get(2) - base shouldBe 16L         // a double aligns to 8
        p.get(3) - base shouldBe 24L
        p.get(4) - base shouldBe 32L
        bytesAt(p.get(0)).getInt(0) shouldBe 7
        bytesAt(p.get(0)).getInt(8) shouldBe 9
        bytesAt(p.get(1)).getInt(0) shouldBe -1
        bytesAt(p.get(2)).getDouble(0) shouldBe 2.5
        bytesAt(p.get(3)).getLong(0) shouldBe 0x7f00_1234_5678L
        bytesAt(p.get(4)).getLong(0) shouldBe -3L
    }

    test("a new launch starts from an empty block") {
        KernelArgs.begin().i64(1).i64(2)
        val p = KernelArgs.begin().i32(5).pointers()
        bytesAt(p.get(0)).getInt(0) shouldBe 5
    }

    test("too many arguments is an error, not a buffer overrun") {
        val a = KernelArgs.begin()
        shouldThrow<IllegalStateException> { repeat(65) { a.i32(it) } }
    }
})
