package dev.kindling.tensor

import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.string.shouldContain

/** Every bad argument fails before any work, with a message naming the op and the shapes involved. */
class ErrorsSpec : FunSpec({
    fun f32(vararg shape: Int) = NDArray.zeros(DType.FLOAT32, *shape)

    fun Throwable.shouldMention(vararg parts: String) {
        for (p in parts) message shouldContain p
    }

    test("a binary op on shapes that do not broadcast names the op and both shapes") {
        shouldThrow<IllegalArgumentException> { f32(2, 3).add(f32(4)) }.shouldMention("add", "[2, 3]", "[4]")
        shouldThrow<IllegalArgumentException> { f32(2, 3).binary(BinaryOp.MAXIMUM, f32(3, 2)) }.shouldMention("maximum", "[2, 3]", "[3, 2]")
        shouldThrow<IllegalArgumentException> { NDArray.where(NDArray.zeros(DType.BOOL, 5), f32(2), f32(2)) }.shouldMention("where", "[5]", "[2]")
    }

    test("select with an index out of range names the index, the dim and its size") {
        shouldThrow<IndexOutOfBoundsException> { f32(2, 3).select(1, 3) }.shouldMention("select", "index 3", "dim 1", "size 3")
        shouldThrow<IndexOutOfBoundsException> { f32(2, 3).select(0, -3) }.shouldMention("select", "index -3", "dim 0", "size 2")
    }

    test("a dim out of range names the op and the valid range") {
        shouldThrow<IndexOutOfBoundsException> { f32(2, 3).sum(2, false) }.shouldMention("sum", "dim 2", "rank 2", "[-2, 1]")
        shouldThrow<IndexOutOfBoundsException> { f32(2, 3).transpose(0, -3) }.shouldMention("transpose", "dim -3")
        shouldThrow<IndexOutOfBoundsException> { f32(2, 3).unsqueeze(4) }.shouldMention("unsqueeze", "dim 4")
    }

    test("reshape to an incompatible size names both shapes' sizes") {
        shouldThrow<IllegalArgumentException> { f32(2, 3).reshape(4, 2) }.shouldMention("reshape", "[4, 2]", "size 6")
        shouldThrow<IllegalArgumentException> { f32(2, 3).reshape(-1, 4) }.shouldMention("reshape", "[-1, 4]", "size 6")
        shouldThrow<IllegalArgumentException> { f32(2, 3).reshape(-1, -1) }.shouldMention("reshape", "only one dim can be -1")
        shouldThrow<IllegalArgumentException> { f32(2, 3).view(7) }.shouldMention("view", "[7]", "size 6")
    }

    test("cat with mismatched shapes names the tensor and both shapes") {
        shouldThrow<IllegalArgumentException> { NDArray.cat(listOf(f32(2, 3), f32(2, 4)), 0) }
            .shouldMention("cat", "dim 0", "tensor 1", "[2, 4]", "[2, 3]")
        shouldThrow<IllegalArgumentException> { NDArray.cat(listOf(f32(2, 3), f32(3)), 0) }.shouldMention("cat", "[3]", "[2, 3]")
        shouldThrow<IllegalArgumentException> { NDArray.stack(listOf(f32(2), f32(3)), 0) }.shouldMention("stack", "[3]", "[2]")
        shouldThrow<IllegalArgumentException> { NDArray.cat(listOf(), 0) }.shouldMention("cat", "non-empty")
    }

    test("permute with a repeated or missing dim names the dims") {
        shouldThrow<IllegalArgumentException> { f32(2, 3, 4).permute(0, 1, 1) }.shouldMention("permute", "dim 1 repeats", "[0, 1, 1]")
        shouldThrow<IllegalArgumentException> { f32(2, 3, 4).permute(0, -2, 1) }.shouldMention("permute", "repeats")
        shouldThrow<IllegalArgumentException> { f32(2, 3, 4).permute(0, 1) }.shouldMention("permute", "[0, 1]", "[2, 3, 4]")
    }

    test("item on a tensor with more than one element names its shape") {
        shouldThrow<IllegalArgumentException> { f32(2, 3).item() }.shouldMention("item", "[2, 3]", "6 elements")
        shouldThrow<IllegalArgumentException> { f32(0).item() }.shouldMention("item", "[0]")
    }

    test("expand of a dim that is not 1 names the dim, its size and the target") {
        shouldThrow<IllegalArgumentException> { f32(2, 3).expand(2, 4) }.shouldMention("expand", "size 3", "dim 1", "[2, 4]")
        shouldThrow<IllegalArgumentException> { f32(2, 3).expand(3) }.shouldMention("expand", "[3]", "[2, 3]")
    }

    test("narrow and slice out of range or with a bad step are refused") {
        shouldThrow<IndexOutOfBoundsException> { f32(2, 3).narrow(1, 2, 2) }.shouldMention("narrow", "start 2", "length 2", "size 3")
        shouldThrow<IllegalArgumentException> { f32(4).slice(0, 0, 4, 0) }.shouldMention("slice", "step")
        shouldThrow<IllegalArgumentException> { f32(4).unfold(0, 5, 1) }.shouldMention("unfold", "size 5")
    }

    test("index ops name the bad index and the dim size") {
        val x = f32(3, 4)
        shouldThrow<IndexOutOfBoundsException> { x.indexSelect(0, NDArray.of(longArrayOf(0, 3), 2)) }
            .shouldMention("indexSelect", "index 3", "dim 0", "size 3")
        shouldThrow<IndexOutOfBoundsException> { x.gather(1, NDArray.of(longArrayOf(4), 1, 1)) }.shouldMention("gather", "index 4", "size 4")
        shouldThrow<IllegalArgumentException> { x.gather(1, NDArray.of(floatArrayOf(0f), 1, 1)) }.shouldMention("gather", "int64")
        shouldThrow<IllegalArgumentException> { x.gather(1, NDArray.of(longArrayOf(0, 0, 0, 0), 4, 1)) }
            .shouldMention("gather", "index size 4", "dim 0", "[3, 4]", "[4, 1]")
        shouldThrow<IllegalArgumentException> { x.indexAdd_(0, NDArray.of(longArrayOf(0), 1), f32(2, 4)) }
            .shouldMention("indexAdd", "[2, 4]", "[1, 4]")
    }

    test("a mask must be bool and broadcast to the array") {
        shouldThrow<IllegalArgumentException> { f32(2, 3).maskedFill(f32(2, 3), 1.0) }.shouldMention("maskedFill", "bool")
        shouldThrow<IllegalArgumentException> { f32(2, 3).maskedFill(NDArray.zeros(DType.BOOL, 4, 2, 3), 1.0) }
            .shouldMention("maskedFill", "[4, 2, 3]", "[2, 3]")
        shouldThrow<IllegalArgumentException> { NDArray.where(f32(2), f32(2), f32(2)) }.shouldMention("where", "bool")
    }

    test("mean of an integer tensor asks for a float") {
        shouldThrow<IllegalArgumentException> { NDArray.zeros(DType.INT64, 3).mean() }.shouldMention("mean", "floating point", "INT64")
    }

    test("pad that would leave a negative size names the dim and the pads") {
        shouldThrow<IllegalArgumentException> { f32(2, 3).pad(intArrayOf(-2, -2), 0.0) }.shouldMention("pad", "[-2, -2]", "dim 1", "negative size")
        shouldThrow<IllegalArgumentException> { f32(2, 3).pad(intArrayOf(1), 0.0) }.shouldMention("pad", "even number")
    }

    test("copy_ from a shape that does not broadcast to the destination names both") {
        shouldThrow<IllegalArgumentException> { f32(3).copy_(f32(2, 3)) }.shouldMention("copy_", "[2, 3]", "[3]")
    }

    test("in-place writes into an expanded view are refused, naming the op and the shared dim") {
        val expanded = f32(1, 3).expand(4, 3)
        shouldThrow<IllegalArgumentException> { expanded.binary_(BinaryOp.ADD, 1.0) }.shouldMention("add_", "[4, 3]", "dim 0")
        shouldThrow<IllegalArgumentException> { expanded.fill_(0.0) }.shouldMention("fill_", "expanded")
        shouldThrow<IllegalArgumentException> { expanded.unary_(UnaryOp.NEG) }.shouldMention("neg_")
    }
})
