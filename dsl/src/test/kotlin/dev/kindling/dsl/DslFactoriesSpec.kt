package dev.kindling.dsl

import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain

class DslFactoriesSpec : FunSpec({
    test("tensor of Kotlin numbers keeps each type's width: Float float32, Double float64, Int and Long int64, Boolean bool") {
        tensor(1f, 2f, 3f).shouldMatch(Tensor.of(floatArrayOf(1f, 2f, 3f)))
        tensor(1.5, 2.5).shouldMatch(Tensor.of(doubleArrayOf(1.5, 2.5)))
        tensor(1, 2, 3).shouldMatch(Tensor.of(longArrayOf(1, 2, 3)))
        tensor(4L, 5L).shouldMatch(Tensor.of(longArrayOf(4, 5)))
        tensor(true, false).shouldMatch(Tensor.of(booleanArrayOf(true, false)))
        tensor(1.5, 2.5, dtype = DType.FLOAT32).dtype() shouldBe DType.FLOAT32
    }

    test("tensor of nested lists reads the shape from the nesting, row-major") {
        val t = tensor(listOf(listOf(1f, 2f, 3f), listOf(4f, 5f, 6f)))
        t.shouldMatch(Tensor.of(floatArrayOf(1f, 2f, 3f, 4f, 5f, 6f), 2, 3))
        val cube = tensor(listOf(listOf(listOf(1, 2)), listOf(listOf(3, 4))))
        cube.dims() shouldBe listOf(2, 1, 2)
        cube.dtype() shouldBe DType.INT64
        tensor(listOf(floatArrayOf(1f, 2f), floatArrayOf(3f, 4f))).shouldMatch(Tensor.of(floatArrayOf(1f, 2f, 3f, 4f), 2, 2))
        tensor(arrayOf(doubleArrayOf(1.0), doubleArrayOf(2.0))).shouldMatch(Tensor.of(doubleArrayOf(1.0, 2.0), 2, 1))
    }

    test("nested data takes the widest element type, as PyTorch promotes [1, 2.0] to float") {
        tensor(listOf(1, 2f)).dtype() shouldBe DType.FLOAT32
        tensor(listOf(1f, 2.0)).dtype() shouldBe DType.FLOAT64
        tensor(listOf(true, 3)).shouldMatch(Tensor.of(longArrayOf(1, 3)))
        tensor(listOf(listOf(true, false))).dtype() shouldBe DType.BOOL
        tensor(emptyList<Float>()).let { it.dims() shouldBe listOf(0); it.dtype() shouldBe DType.FLOAT32 }
        tensor(listOf(1, 2), dtype = DType.FLOAT64).shouldMatch(Tensor.of(doubleArrayOf(1.0, 2.0)))
    }

    test("ragged nested data is an error naming where the lengths differ") {
        shouldThrow<IllegalArgumentException> { tensor(listOf(listOf(1f, 2f), listOf(3f))) }.message shouldBe
            "tensor: ragged nested data: data[1] has 1 elements, data[0] has 2"
        shouldThrow<IllegalArgumentException> { tensor(listOf(listOf(listOf(1f, 2f)), listOf(listOf(3f), listOf(4f)))) }
            .message shouldContain "data[1] has 2 elements, data[0] has 1"
        shouldThrow<IllegalArgumentException> { tensor(listOf(listOf(1f), 2f)) }.message shouldContain
            "data[1] is a Float where a list of 1 was expected"
        shouldThrow<IllegalArgumentException> { tensor(listOf(1f, listOf(2f))) }.message shouldContain "data[1] is a"
        shouldThrow<IllegalArgumentException> { tensor(listOf("a")) }.message shouldContain "data[0] is a String; elements must be numbers"
        shouldThrow<IllegalArgumentException> { tensor(listOf(zeros(2))) }.message shouldContain "join tensors with stack or cat"
    }

    test("scalar makes a 0-d tensor whose dtype follows the value") {
        scalar(2.5f).let { it.dims() shouldBe emptyList(); it.dtype() shouldBe DType.FLOAT32; it.item() shouldBe 2.5 }
        scalar(2.5).dtype() shouldBe DType.FLOAT64
        scalar(7).let { it.dims() shouldBe emptyList(); it.dtype() shouldBe DType.INT64; it.item() shouldBe 7.0 }
    }

    test("zeros, ones and full take the shape first and PyTorch's keyword arguments") {
        zeros(2, 3).shouldMatch(Tensor.zeros(2, 3))
        ones(4, dtype = DType.INT64).shouldMatch(Tensor.ones(DType.INT64, 4))
        full(7.5, 2, 2).shouldMatch(Tensor.full(7.5, 2, 2))
        full(3, 2, dtype = DType.INT32).shouldMatch(Tensor.full(3.0, DType.INT32, 2))
        val w = zeros(3, requiresGrad = true)
        w.requiresGrad() shouldBe true
        w.isLeaf shouldBe true
    }

    test("rand, randn and randint draw from the global generator, so seed makes them reproducible") {
        seed(11)
        val a = randn(3, 4)
        seed(11)
        a.shouldMatch(Tensor.randn(3, 4))
        seed(5)
        val r = rand(1000, dtype = DType.FLOAT64)
        r.dtype() shouldBe DType.FLOAT64
        r.values().all { it >= 0 && it < 1 } shouldBe true
        val ints = randint(0, 10, 500)
        ints.dtype() shouldBe DType.INT64
        ints.values().all { it in 0.0..9.0 } shouldBe true
        randn(2, 3, requiresGrad = true).requiresGrad() shouldBe true
    }

    test("arange follows PyTorch: integers give int64, doubles float32, steps of either sign") {
        arange(5).shouldMatch(Tensor.arange(5))
        arange(2, 11, 3).shouldMatch(Tensor.of(longArrayOf(2, 5, 8)))
        arange(5, 0, -2).shouldMatch(Tensor.of(longArrayOf(5, 3, 1)))
        arange(0.0, 1.0, 0.25).shouldMatch(Tensor.arange(0.0, 1.0, 0.25))
        arange(3, dtype = DType.FLOAT32).shouldMatch(Tensor.of(floatArrayOf(0f, 1f, 2f)))
    }

    test("linspace, eye and the *Like factories") {
        linspace(0.0, 1.0, 5).shouldMatch(Tensor.linspace(0.0, 1.0, 5))
        eye(3).shouldMatch(Tensor.eye(3))
        eye(2, 3, dtype = DType.FLOAT64).shouldMatch(Tensor.eye(2, 3, DType.FLOAT64))
        val like = Tensor.ones(DType.FLOAT64, 2, 5)
        zerosLike(like).shouldMatch(Tensor.zeros(DType.FLOAT64, 2, 5))
        onesLike(like, dtype = DType.INT64).shouldMatch(Tensor.ones(DType.INT64, 2, 5))
        fullLike(like, 4).shouldMatch(Tensor.full(4.0, DType.FLOAT64, 2, 5))
        randLike(like).let { it.dims() shouldBe listOf(2, 5); it.dtype() shouldBe DType.FLOAT64 }
        randnLike(like, requiresGrad = true).requiresGrad() shouldBe true
    }

    test("requiresGrad on an integer dtype is refused, naming the dtype") {
        shouldThrow<IllegalArgumentException> { zeros(2, dtype = DType.INT64, requiresGrad = true) }.message shouldContain "INT64"
        shouldThrow<IllegalArgumentException> { tensor(1, 2, requiresGrad = true) }
    }

    test("onDevice sets the factories' default device for its block only, nesting and restoring") {
        defaultDevice shouldBe Device.CPU
        onDevice(Device.CPU) {
            defaultDevice shouldBe Device.CPU
            zeros(2).device() shouldBe Device.CPU
        }
        defaultDevice shouldBe Device.CPU
    }

    test("inside onDevice every DSL factory consults the device: without a CUDA backend each names it") {
        val gpu = Device.cuda(0)
        if (!Device.cudaAvailable()) {
            onDevice(gpu) {
                val attempts = listOf<() -> Any>(
                    { zeros(2) }, { ones(2) }, { full(1, 2) }, { tensor(1f) }, { tensor(listOf(1f)) }, { scalar(1f) },
                    { rand(2) }, { randn(2) }, { randint(0, 2, 2) }, { arange(3) }, { eye(2) }, { linspace(0.0, 1.0, 3) },
                    { linear(2, 2) }, { sequential { linear(1, 1) } },
                )
                for (attempt in attempts) shouldThrow<IllegalStateException> { attempt() }.message shouldContain "cuda:0"
                // An explicit device wins over the scope's.
                zeros(2, device = Device.CPU).device() shouldBe Device.CPU
            }
        }
        shouldThrow<IllegalStateException> { onDevice(gpu) { error("boom") } }
        defaultDevice shouldBe Device.CPU
    }

    test("the default device is per thread") {
        var seenElsewhere: Device? = null
        onDevice(Device.cuda(1)) {
            val t = Thread { seenElsewhere = defaultDevice }
            t.start()
            t.join()
            defaultDevice shouldBe Device.cuda(1)
        }
        seenElsewhere shouldBe Device.CPU
    }
})
