package dev.kindling.io

import dev.kindling.autograd.Tensor
import dev.kindling.tensor.DType
import dev.kindling.tensor.Device
import dev.kindling.tensor.NDArray
import dev.kindling.tensor.Storage
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.collections.shouldContainExactly
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import java.nio.ByteBuffer
import java.nio.ByteOrder
import java.nio.file.Files
import java.nio.file.Path
import java.util.Comparator

/** Every tensor element as its exact bits, so NaN payloads and signed zeros count. */
fun bits(t: Tensor): List<Any> = when (t.dtype()) {
    DType.FLOAT32 -> t.toFloatArray().map { it.toRawBits() }
    DType.FLOAT64 -> t.toDoubleArray().map { it.toRawBits() }
    DType.INT64 -> t.toLongArray().toList()
    DType.INT32 -> t.data().toIntArray().toList()
    else -> t.toBooleanArray().toList()
}

fun tempDir(): Path = Files.createTempDirectory("kindling-io-")

fun Path.deleteTree() {
    if (Files.exists(this)) Files.walk(this).sorted(Comparator.reverseOrder()).forEach { Files.delete(it) }
}

/** A safetensors file from its parts, as the format defines it: u64 LE header size, header, data. */
fun safetensorsBytes(header: String, data: ByteArray, padTo8: Boolean = true): ByteArray {
    var h = header.toByteArray(Charsets.UTF_8)
    if (padTo8) h += ByteArray((8 - h.size % 8) % 8) { ' '.code.toByte() }
    return ByteBuffer.allocate(8 + h.size + data.size).order(ByteOrder.LITTLE_ENDIAN)
        .putLong(h.size.toLong()).put(h).put(data).array()
}

fun le(size: Int, fill: ByteBuffer.() -> Unit): ByteArray =
    ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN).apply(fill).array()

class SafetensorsSpec : FunSpec({
    val dir = tempDir()
    afterSpec { dir.deleteTree() }
    var n = 0
    fun fresh(name: String = "t") = dir.resolve("${name}${n++}.safetensors")

    fun roundTrip(tensors: Map<String, Tensor>): Map<String, Tensor> {
        val p = fresh()
        Safetensors.save(tensors, p)
        return Safetensors.load(p)
    }

    fun Throwable.shouldMention(vararg parts: String) {
        for (part in parts) message shouldContain part
    }

    // ------------------------------------------------------------------ round trips

    test("every dtype round-trips bit for bit, including NaN payloads, signed zeros, infinities and extremes") {
        val tensors = linkedMapOf(
            "f32" to Tensor.of(floatArrayOf(1.5f, -0.0f, Float.fromBits(0x7fc01234), Float.NEGATIVE_INFINITY, Float.MIN_VALUE, Float.MAX_VALUE), 2, 3),
            "f64" to Tensor.of(doubleArrayOf(Math.PI, -0.0, Double.fromBits(0x7ff8000000abcdefL), Double.MIN_VALUE), 4),
            "i64" to Tensor.of(longArrayOf(Long.MIN_VALUE, -1, 0, Long.MAX_VALUE), 2, 2),
            "i32" to Tensor.of(intArrayOf(Int.MIN_VALUE, -7, 0, Int.MAX_VALUE), 4, 1),
            "bool" to Tensor.of(booleanArrayOf(true, false, false, true, true), 5),
        )
        val back = roundTrip(tensors)
        back.keys.toList() shouldContainExactly tensors.keys.toList()
        for ((k, t) in tensors) {
            back[k]!!.dtype() shouldBe t.dtype()
            back[k]!!.shape().toList() shouldBe t.shape().toList()
            bits(back[k]!!) shouldBe bits(t)
        }
    }

    test("0-d and empty tensors keep their shapes") {
        val tensors = linkedMapOf(
            "scalar" to Tensor.scalar(2.5, DType.FLOAT64),
            "empty" to Tensor.zeros(0, 3),
            "emptyInt" to Tensor.zeros(DType.INT64, 4, 0),
            "scalarBool" to Tensor.scalar(1.0, DType.BOOL),
        )
        val back = roundTrip(tensors)
        back["scalar"]!!.shape().toList() shouldBe emptyList()
        back["scalar"]!!.item() shouldBe 2.5
        back["empty"]!!.shape().toList() shouldBe listOf(0, 3)
        back["emptyInt"]!!.shape().toList() shouldBe listOf(4, 0)
        back["emptyInt"]!!.dtype() shouldBe DType.INT64
        back["scalarBool"]!!.toBooleanArray().toList() shouldBe listOf(true)
    }

    test("non-contiguous tensors are written in row-major order") {
        val base = Tensor.arange(0.0, 24.0, 1.0).reshape(2, 3, 4)
        val tensors = linkedMapOf(
            "transposed" to base.transpose(0, 2),
            "strided" to base.slice(2, 0, 4, 2),
            "expanded" to Tensor.of(floatArrayOf(1f, 2f), 2, 1).expand(2, 3),
        )
        tensors.values.forEach { it.isContiguous() shouldBe false }
        val back = roundTrip(tensors)
        for ((k, t) in tensors) {
            back[k]!!.shape().toList() shouldBe t.shape().toList()
            back[k]!!.toFloatArray().toList() shouldBe t.contiguous().toFloatArray().toList()
        }
    }

    test("metadata round-trips, quotes, newlines and non-ASCII included, and can be read without the data") {
        val p = fresh()
        val meta = linkedMapOf("epoch" to "3", "note \"q\"\n\t\\" to "héllo → 世界 \u0001", "" to "")
        Safetensors.save(mapOf("w" to Tensor.ones(2)), p, meta)
        Safetensors.metadata(p) shouldBe meta
        val all = Safetensors.read(p)
        all.metadata() shouldBe meta
        all.tensors().keys.toList() shouldContainExactly listOf("w")
    }

    test("a file without __metadata__ has empty metadata") {
        val p = fresh()
        Safetensors.save(mapOf("w" to Tensor.ones(2)), p)
        Safetensors.metadata(p) shouldBe emptyMap()
    }

    test("keys come back in the saved order while the data is laid out widest dtype first, each tensor aligned") {
        val tensors = linkedMapOf(
            "z.flag" to Tensor.of(booleanArrayOf(true, false, true)),
            "a.weight" to Tensor.ones(3),
            "m.count" to Tensor.of(longArrayOf(5)),
            "b.int" to Tensor.of(intArrayOf(1, 2, 3)),
        )
        val p = fresh()
        Safetensors.save(tensors, p)
        Safetensors.load(p).keys.toList() shouldContainExactly tensors.keys.toList()
        val bytes = Files.readAllBytes(p)
        val n = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong(0).toInt()
        val header = String(bytes, 8, n, Charsets.UTF_8)
        header shouldContain "\"m.count\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[0,8]}"
        header shouldContain "\"a.weight\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[8,20]}"
        header shouldContain "\"b.int\":{\"dtype\":\"I32\",\"shape\":[3],\"data_offsets\":[20,32]}"
        header shouldContain "\"z.flag\":{\"dtype\":\"BOOL\",\"shape\":[3],\"data_offsets\":[32,35]}"
    }

    test("the header is padded with spaces so the data starts at a multiple of 8") {
        for (name in listOf("a", "ab", "abc", "abcd", "abcde", "abcdef", "abcdefg", "abcdefgh")) {
            val p = fresh()
            Safetensors.save(mapOf(name to Tensor.ones(1)), p)
            val bytes = Files.readAllBytes(p)
            val n = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong(0).toInt()
            (8 + n) % 8 shouldBe 0
            val header = String(bytes, 8, n, Charsets.UTF_8)
            header.trimEnd().last() shouldBe '}'
            header.substring(header.trimEnd().length).all { it == ' ' } shouldBe true
        }
    }

    // ------------------------------------------------------------------ files written elsewhere

    // The reference writer (Python safetensors 0.8.0, safetensors.numpy.save) produces exactly these bytes for
    // {"b": int64 [-1, 0, 7], "a": float32 [[1, 2], [3, 4]]}: compact JSON, keys in data order, I64 first.
    val referenceHeader = """{"b":{"dtype":"I64","shape":[3],"data_offsets":[0,24]},"a":{"dtype":"F32","shape":[2,2],"data_offsets":[24,40]}}"""
    val referenceData = le(40) { putLong(-1).putLong(0).putLong(7).putFloat(1f).putFloat(2f).putFloat(3f).putFloat(4f) }
    val referenceHex = "70000000000000007b2262223a7b226474797065223a22493634222c227368617065223a5b335d2c22646174615f6f66667365" +
        "7473223a5b302c32345d7d2c2261223a7b226474797065223a22463332222c227368617065223a5b322c325d2c22646174615f6f6666" +
        "73657473223a5b32342c34305d7d7dffffffffffffffff000000000000000007000000000000000000803f000000400000404000008040"

    test("a file built byte by byte from the spec matches the reference writer's output and loads to the right values") {
        val bytes = safetensorsBytes(referenceHeader, referenceData)
        bytes.joinToString("") { "%02x".format(it) } shouldBe referenceHex
        val p = fresh("handmade")
        Files.write(p, bytes)
        val t = Safetensors.load(p)
        t.keys.toList() shouldContainExactly listOf("b", "a")
        t["b"]!!.dtype() shouldBe DType.INT64
        t["b"]!!.toLongArray().toList() shouldBe listOf(-1L, 0L, 7L)
        t["a"]!!.dtype() shouldBe DType.FLOAT32
        t["a"]!!.shape().toList() shouldBe listOf(2, 2)
        t["a"]!!.toFloatArray().toList() shouldBe listOf(1f, 2f, 3f, 4f)
    }

    test("saving the same tensors writes the reference writer's bytes exactly") {
        val p = fresh()
        Safetensors.save(linkedMapOf("b" to Tensor.of(longArrayOf(-1, 0, 7)), "a" to Tensor.of(floatArrayOf(1f, 2f, 3f, 4f), 2, 2)), p)
        Files.readAllBytes(p).joinToString("") { "%02x".format(it) } shouldBe referenceHex
    }

    test("headers with other whitespace, key order and unpadded sizes load the same") {
        val header = "\n\t{ \"a\" : {\"data_offsets\" : [ 24 , 40 ],\r\n \"shape\": [2, 2], \"dtype\": \"F32\"},\n" +
            "  \"__metadata__\": {\"format\": \"pt\"}, \"b\": {\"shape\":[3],\"dtype\":\"I64\",\"data_offsets\":[0,24]} }  "
        val p = fresh("pretty")
        Files.write(p, safetensorsBytes(header, referenceData, padTo8 = false))
        val c = Safetensors.read(p)
        c.tensors().keys.toList() shouldContainExactly listOf("a", "b")
        c.tensors()["a"]!!.toFloatArray().toList() shouldBe listOf(1f, 2f, 3f, 4f)
        c.tensors()["b"]!!.toLongArray().toList() shouldBe listOf(-1L, 0L, 7L)
        c.metadata() shouldBe mapOf("format" to "pt")
    }

    test("F16 and BF16 are read as float32 exactly") {
        // Half bits for 1, -2, 0.5, 65504 (largest), 2^-24 (smallest subnormal), inf, -inf, 0, -0, 0.333251953125
        val half = listOf(15360, 49152, 14336, 31743, 1, 31744, 64512, 0, 32768, 13653)
        val halfValues = listOf(1f, -2f, 0.5f, 65504f, 5.9604645E-8f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 0f, -0f, 0.33325195f)
        // BF16 is float32's top half: 1, -2, 3.140625, 9.9688e37, -0
        val bf = listOf(16256, 49152, 16457, 32406, 32768)
        val data = le(30) {
            half.forEach { putShort(it.toShort()) }
            bf.forEach { putShort(it.toShort()) }
        }
        val header = """{"h":{"dtype":"F16","shape":[10],"data_offsets":[0,20]},"bf":{"dtype":"BF16","shape":[5],"data_offsets":[20,30]}}"""
        val p = fresh("half")
        Files.write(p, safetensorsBytes(header, data))
        val t = Safetensors.load(p)
        t["h"]!!.dtype() shouldBe DType.FLOAT32
        t["h"]!!.toFloatArray().map { it.toRawBits() } shouldBe halfValues.map { it.toRawBits() }
        t["bf"]!!.toFloatArray().map { it.toRawBits() } shouldBe bf.map { it shl 16 }
        t["bf"]!!.toFloatArray()[2] shouldBe 3.140625f
    }

    test("a half NaN keeps its payload and every half converts exactly") {
        Safetensors.halfToFloat(0x7e01.toShort()).isNaN() shouldBe true
        for (h in 0 until 65536) {
            val f = Safetensors.halfToFloat(h.toShort())
            if (!f.isNaN()) {
                // Rebuild the half from the float (exact when the conversion is): sign, exponent and mantissa.
                val sign = if (f.toRawBits() < 0) 1.0 else 0.0
                val exp = (h shr 10) and 0x1f
                val mant = h and 0x3ff
                val expected = when (exp) {
                    0 -> mant * Math.pow(2.0, -24.0)
                    31 -> Double.POSITIVE_INFINITY
                    else -> (1 + mant / 1024.0) * Math.pow(2.0, exp - 15.0)
                }
                Math.abs(f.toDouble()) shouldBe expected
                sign shouldBe (if (h and 0x8000 != 0) 1.0 else 0.0)
            }
        }
    }

    test("U8, I8, I16 and U16 are read as int32 and U32 as int64") {
        val data = le(2 + 2 + 4 + 4 + 8) {
            put(0xff.toByte()).put(7.toByte())                  // U8 255, 7
            put(0xff.toByte()).put(0x80.toByte())           // I8 -1, -128
            putShort((-300).toShort()).putShort(0x7fff.toShort())               // I16
            putShort(0xffff.toShort()).putShort(1.toShort())        // U16 65535, 1
            putInt(-1).putInt(42)                           // U32 4294967295, 42
        }
        val header = """{"u8":{"dtype":"U8","shape":[2],"data_offsets":[0,2]},"i8":{"dtype":"I8","shape":[2],"data_offsets":[2,4]},""" +
            """"i16":{"dtype":"I16","shape":[2],"data_offsets":[4,8]},"u16":{"dtype":"U16","shape":[2],"data_offsets":[8,12]},""" +
            """"u32":{"dtype":"U32","shape":[2],"data_offsets":[12,20]}}"""
        val p = fresh("ints")
        Files.write(p, safetensorsBytes(header, data))
        val t = Safetensors.load(p)
        t["u8"]!!.dtype() shouldBe DType.INT32
        t["u8"]!!.data().toIntArray().toList() shouldBe listOf(255, 7)
        t["i8"]!!.data().toIntArray().toList() shouldBe listOf(-1, -128)
        t["i16"]!!.data().toIntArray().toList() shouldBe listOf(-300, 32767)
        t["u16"]!!.data().toIntArray().toList() shouldBe listOf(65535, 1)
        t["u32"]!!.dtype() shouldBe DType.INT64
        t["u32"]!!.toLongArray().toList() shouldBe listOf(4294967295L, 42L)
    }

    test("a file of many megabytes round-trips (data goes through in slices)") {
        val big = Tensor.arange(0.0, 700_000.0, 1.0, DType.FLOAT64)
        val back = roundTrip(mapOf("big" to big))
        bits(back["big"]!!) shouldBe bits(big)
    }

    // ------------------------------------------------------------------ bad files

    fun bad(bytes: ByteArray): Pair<Path, SafetensorsException> {
        val p = fresh("bad")
        Files.write(p, bytes)
        return p to shouldThrow<SafetensorsException> { Safetensors.load(p) }
    }

    val good = safetensorsBytes(referenceHeader, referenceData)

    test("a file shorter than the 8-byte size field is refused, naming the file") {
        for (len in listOf(0, 1, 7)) {
            val (p, e) = bad(good.copyOf(len))
            e.shouldMention(p.toString(), "$len bytes", "8-byte header size")
            e.path() shouldBe p
        }
    }

    test("a file truncated inside the header is refused: the header size runs past the end") {
        for (len in listOf(8, 9, 60, 8 + 111)) {
            val (p, e) = bad(good.copyOf(len))
            e.shouldMention(p.toString(), "header size says 112 bytes", "truncated")
        }
    }

    test("a file truncated inside the data names the tensor whose data is cut off") {
        val (p, e) = bad(good.copyOf(good.size - 1))
        e.shouldMention(p.toString(), "tensor \"a\"", "[24, 40]", "truncated")
        e.key() shouldBe "a"
        val (p2, e2) = bad(good.copyOf(8 + 112 + 10))
        e2.shouldMention(p2.toString(), "tensor \"b\"", "truncated")
    }

    test("a header size beyond the file, or absurdly large, is refused") {
        val tooBig = good.copyOf()
        ByteBuffer.wrap(tooBig).order(ByteOrder.LITTLE_ENDIAN).putLong(0, 10_000)
        bad(tooBig).let { (p, e) -> e.shouldMention(p.toString(), "10000 bytes", "only ${good.size - 8} follow") }
        val huge = good.copyOf()
        ByteBuffer.wrap(huge).order(ByteOrder.LITTLE_ENDIAN).putLong(0, -1)
        bad(huge).let { (p, e) -> e.shouldMention(p.toString(), "18446744073709551615") }
    }

    test("corrupt JSON is refused with the position of the problem") {
        val cases = listOf(
            """{"a":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]}""",   // unclosed
            """{"a":{"dtype":"F32" "shape":[2,2]}}""",                        // missing comma
            """{"a":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16],}}""", // trailing comma
            """{a:1}""",
            """{"a":"\x"}""",
            """{"a":1} {"b":2}""",
            """{"a":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]},"a":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]}}""",
        )
        for (h in cases) {
            val (p, e) = bad(safetensorsBytes(h, ByteArray(16)))
            e.shouldMention(p.toString(), "corrupt JSON header at character")
        }
        bad(safetensorsBytes("[1, 2]", ByteArray(0))).let { (p, e) -> e.shouldMention(p.toString(), "not an object") }
        val notUtf8 = safetensorsBytes("{\"a\":1}", ByteArray(0)).also { it[10] = 0xff.toByte() }
        bad(notUtf8).let { (p, e) -> e.shouldMention(p.toString(), "UTF-8") }
    }

    test("an unknown dtype names the tensor and the dtype") {
        val h = """{"w":{"dtype":"F8_E4M3","shape":[4],"data_offsets":[0,4]}}"""
        val (p, e) = bad(safetensorsBytes(h, ByteArray(4)))
        e.shouldMention(p.toString(), "tensor \"w\"", "unknown dtype \"F8_E4M3\"", "F32")
        e.key() shouldBe "w"
    }

    test("malformed entries name the tensor: missing dtype, negative or fractional shapes, bad offsets") {
        val cases = mapOf(
            """{"w":{"shape":[4],"data_offsets":[0,16]}}""" to "\"dtype\" must be a string",
            """{"w":{"dtype":"F32","shape":[-4],"data_offsets":[0,16]}}""" to "\"shape\" must be an array of non-negative integers",
            """{"w":{"dtype":"F32","shape":[4.0],"data_offsets":[0,16]}}""" to "\"shape\" must be",
            """{"w":{"dtype":"F32","shape":[4],"data_offsets":[0]}}""" to "\"data_offsets\" must be an array of 2",
            """{"w":{"dtype":"F32","shape":[4],"data_offsets":[16,0]}}""" to "end before they begin",
            """{"w":[1,2]}""" to "must be an object",
            """{"__metadata__":{"epoch":3}}""" to "\"epoch\" must be a string",
        )
        for ((h, what) in cases) {
            val (p, e) = bad(safetensorsBytes(h, ByteArray(16)))
            e.shouldMention(p.toString(), what)
            if (!h.startsWith("{\"__")) e.shouldMention("tensor \"w\"")
        }
    }

    test("data offsets that do not match shape times item size name the tensor and both sizes") {
        val h = """{"w":{"dtype":"F32","shape":[2,2],"data_offsets":[0,12]}}"""
        val (p, e) = bad(safetensorsBytes(h, ByteArray(12)))
        e.shouldMention(p.toString(), "tensor \"w\"", "[0, 12]", "span 12 bytes", "F32 [2, 2] needs 16")
    }

    test("overlapping offsets, gaps and trailing bytes are refused, as the format requires contiguous data") {
        val overlap = """{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]},"b":{"dtype":"F32","shape":[4],"data_offsets":[8,24]}}"""
        bad(safetensorsBytes(overlap, ByteArray(24))).let { (p, e) -> e.shouldMention(p.toString(), "tensor \"b\"", "overlap tensor \"a\"") }
        val gap = """{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]},"b":{"dtype":"F32","shape":[1],"data_offsets":[20,24]}}"""
        bad(safetensorsBytes(gap, ByteArray(24))).let { (p, e) -> e.shouldMention(p.toString(), "tensor \"b\"", "gap of 4 bytes") }
        val late = """{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"""
        bad(safetensorsBytes(late, ByteArray(8))).let { (p, e) -> e.shouldMention(p.toString(), "tensor \"a\"", "gap of 4 bytes") }
        bad(safetensorsBytes(referenceHeader, referenceData + ByteArray(3))).let { (p, e) ->
            e.shouldMention(p.toString(), "cover 40 bytes", "43")
        }
    }

    test("a missing file is a NoSuchFileException naming it") {
        val p = dir.resolve("nope.safetensors")
        shouldThrow<java.nio.file.NoSuchFileException> { Safetensors.load(p) }.shouldMention(p.toString())
    }

    // ------------------------------------------------------------------ atomic writes

    fun leftovers() = Files.list(dir).use { s -> s.filter { it.fileName.toString().endsWith(".tmp") }.count() }

    test("saving over a file replaces it completely") {
        val p = fresh()
        Safetensors.save(mapOf("w" to Tensor.ones(1000)), p)
        Safetensors.save(mapOf("v" to Tensor.ones(2)), p)
        Safetensors.load(p).keys.toList() shouldContainExactly listOf("v")
        leftovers() shouldBe 0
    }

    test("a save refused for its input (null tensor, reserved name, null metadata) leaves the old file byte-identical") {
        val p = fresh()
        Safetensors.save(mapOf("w" to Tensor.ones(3)), p)
        val before = Files.readAllBytes(p)
        @Suppress("UNCHECKED_CAST")
        val withNull = linkedMapOf("w" to Tensor.zeros(3), "x" to null) as Map<String, Tensor>
        shouldThrow<IllegalArgumentException> { Safetensors.save(withNull, p) }.shouldMention("tensor \"x\" is null")
        shouldThrow<IllegalArgumentException> { Safetensors.save(mapOf("__metadata__" to Tensor.zeros(3)), p) }.shouldMention("reserved")
        @Suppress("UNCHECKED_CAST")
        val nullMeta = mapOf("k" to null) as Map<String, String>
        shouldThrow<IllegalArgumentException> { Safetensors.save(mapOf("w" to Tensor.zeros(3)), p, nullMeta) }.shouldMention("metadata")
        Files.readAllBytes(p) shouldBe before
        leftovers() shouldBe 0
    }

    test("a save that fails halfway through the data leaves the old file byte-identical and no temporary file") {
        val p = fresh()
        Safetensors.save(mapOf("w" to Tensor.ones(3)), p)
        val before = Files.readAllBytes(p)
        // Storage on a device with no backend: its data cannot be read, so the save fails after the header and
        // the first tensor's data have been written to the temporary file.
        val unreadable = object : Storage() {
            override fun device(): Device = Device.cuda(7)
            override fun dtype(): DType = DType.FLOAT32
            override fun size(): Int = 4
        }
        val broken = Tensor.wrap(NDArray(unreadable, intArrayOf(4), intArrayOf(1), 0))
        shouldThrow<IllegalStateException> {
            Safetensors.save(linkedMapOf("first" to Tensor.ones(1000), "broken" to broken), p)
        }.shouldMention("cuda:7")
        Files.readAllBytes(p) shouldBe before
        leftovers() shouldBe 0
    }

    test("a save into a missing directory, or onto a directory, fails without leaving anything") {
        shouldThrow<java.nio.file.NoSuchFileException> { Safetensors.save(mapOf("w" to Tensor.ones(1)), dir.resolve("no/such/dir/x.safetensors")) }
        val sub = Files.createDirectory(dir.resolve("sub"))
        shouldThrow<java.io.IOException> { Safetensors.save(mapOf("w" to Tensor.ones(1)), sub) }.shouldMention("is a directory")
        Files.isDirectory(sub) shouldBe true
        leftovers() shouldBe 0
    }

    test("a save into a read-only directory fails and leaves the old file byte-identical")
        .config(enabled = System.getProperty("user.name") != "root") {
            val ro = Files.createDirectory(dir.resolve("ro"))
            val p = ro.resolve("w.safetensors")
            Safetensors.save(mapOf("w" to Tensor.ones(3)), p)
            val before = Files.readAllBytes(p)
            ro.toFile().setWritable(false)
            try {
                shouldThrow<java.io.IOException> { Safetensors.save(mapOf("w" to Tensor.zeros(3)), p) }
            } finally {
                ro.toFile().setWritable(true)
            }
            Files.readAllBytes(p) shouldBe before
        }

    test("saving through a symbolic link writes the file it points to") {
        val real = fresh("real")
        Safetensors.save(mapOf("w" to Tensor.ones(1)), real)
        val link = dir.resolve("link.safetensors")
        Files.createSymbolicLink(link, real)
        Safetensors.save(mapOf("v" to Tensor.ones(2)), link)
        Files.isSymbolicLink(link) shouldBe true
        Safetensors.load(real).keys.toList() shouldContainExactly listOf("v")
    }
})
