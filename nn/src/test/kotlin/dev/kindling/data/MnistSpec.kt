package dev.kindling.data

import dev.kindling.autograd.Tensor
import dev.kindling.tensor.DType
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.TestConfiguration
import io.kotest.engine.spec.tempdir
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import java.nio.file.Files
import java.nio.file.Path
import java.nio.file.Paths
import java.util.zip.GZIPInputStream

/** A committed fixture under src/test/resources/dev/kindling/data. */
internal fun dataFixture(name: String): Path =
    Paths.get(MnistSpec::class.java.getResource("/dev/kindling/data/$name")!!.toURI())

/** The IDX bytes of a fixture, gunzipped if it is compressed. */
internal fun idxBytes(file: Path): ByteArray {
    val raw = Files.readAllBytes(file)
    return if (file.toString().endsWith(".gz")) GZIPInputStream(raw.inputStream()).readAllBytes() else raw
}

/** A temporary directory (deleted after the spec) holding copies of the given fixtures under the given names. */
internal fun TestConfiguration.dirWith(vararg files: Pair<String, Path>): Path {
    val dir = tempdir("kindling-mnist-").toPath()
    for ((name, from) in files) Files.copy(from, dir.resolve(name))
    return dir
}

class MnistSpec : FunSpec({
    val trainLabels = listOf(5, 0, 4, 1, 9, 2, 1, 3, 1, 4, 3, 5, 3, 6, 1, 7, 2, 8, 6, 9, 4, 0, 9, 1, 1, 2, 4, 3, 2, 7, 3, 8, 6, 9, 0, 5, 6, 0, 7, 6)
    val testLabels = listOf(7, 2, 1, 0, 4, 1, 4, 9, 5, 9, 0, 6, 9, 0, 1, 5, 9, 7, 3, 4)

    test("reads a raw IDX split: images as [1, 28, 28] floats pixel / 255, labels as int64") {
        val train = MNIST.train(dataFixture("mnist"))
        train.size() shouldBe 40
        (0 until 40).map { train.label(it) } shouldBe trainLabels
        val bytes = idxBytes(dataFixture("mnist/train-images-idx3-ubyte"))
        val item = train.get(7)
        item[0].shape().toList() shouldBe listOf(1, 28, 28)
        assertClose(item[0].toFloatArray(), FloatArray(784) { (bytes[16 + 7 * 784 + it].toInt() and 0xFF) / 255f })
        item[1].dtype() shouldBe DType.INT64
        item[1].item() shouldBe 3.0
        train.image(7).pixels().toList() shouldBe bytes.copyOfRange(16 + 7 * 784, 16 + 8 * 784).toList()
    }

    test("reads a gzipped split the same way") {
        val test = MNIST.test(dataFixture("mnist"))
        test.size() shouldBe 20
        test.targets().toLongArray().toList() shouldBe testLabels.map { it.toLong() }
        val bytes = idxBytes(dataFixture("mnist/t10k-images-idx3-ubyte.gz"))
        assertClose(test.get(19)[0].toFloatArray(), FloatArray(784) { (bytes[16 + 19 * 784 + it].toInt() and 0xFF) / 255f })
    }

    test("the whole-split tensors equal the items stacked") {
        val train = MNIST.train(dataFixture("mnist"))
        val images = train.images()
        images.shape().toList() shouldBe listOf(40, 1, 28, 28)
        images.toFloatArray().toList() shouldBe Tensor.stack((0 until 40).map { train.get(it)[0] }, 0).toFloatArray().toList()
        train.targets().shape().toList() shouldBe listOf(40)
        train.targets().dtype() shouldBe DType.INT64
        train.targets().toLongArray().toList() shouldBe trainLabels.map { it.toLong() }
    }

    test("a transform applies to each image, and a DataLoader batches the items") {
        val train = MNIST.train(dataFixture("mnist"))
            .transform(Compose(ToTensor(), Normalize(doubleArrayOf(0.1307), doubleArrayOf(0.3081))))
        val x = train.get(0)[0].toFloatArray()
        val raw = MNIST.train(dataFixture("mnist")).get(0)[0].toFloatArray()
        assertClose(x, raw.map { (it - 0.1307f) / 0.3081f }.toFloatArray(), 1e-5f)
        val batches = DataLoader(train, 16, false).toList()
        batches.map { it[0].shape().toList() } shouldBe listOf(listOf(16, 1, 28, 28), listOf(16, 1, 28, 28), listOf(8, 1, 28, 28))
        batches.flatMap { b -> b[1].toLongArray().toList() } shouldBe trainLabels.map { it.toLong() }
    }

    test("a truncated images file is an error naming it and the sizes expected") {
        val dir = dataFixture("mnist-truncated")
        val e = shouldThrow<DatasetException> { MNIST.train(dir) }
        e.message shouldContain dir.resolve("train-images-idx3-ubyte").toString()
        e.message shouldContain "is truncated: its header says 40 images of 28 x 28, which take 31376 bytes, but it holds 8156"
    }

    test("a labels file where images belong is refused by its magic number") {
        val dir = dirWith("train-images-idx3-ubyte" to dataFixture("mnist/train-labels-idx1-ubyte"),
            "train-labels-idx1-ubyte" to dataFixture("mnist/train-labels-idx1-ubyte"))
        val e = shouldThrow<DatasetException> { MNIST.train(dir) }
        e.message shouldContain "train-images-idx3-ubyte is not an IDX images file: its magic number is 2049 (an IDX labels file), expected 2051"
    }

    test("a damaged gzip file is an error naming it") {
        val whole = Files.readAllBytes(dataFixture("mnist/t10k-images-idx3-ubyte.gz"))
        val dir = dirWith("t10k-labels-idx1-ubyte.gz" to dataFixture("mnist/t10k-labels-idx1-ubyte.gz"))
        Files.write(dir.resolve("t10k-images-idx3-ubyte.gz"), whole.copyOf(whole.size / 2))
        val e = shouldThrow<DatasetException> { MNIST.test(dir) }
        e.message shouldContain "cannot read ${dir.resolve("t10k-images-idx3-ubyte.gz")}"
        e.message shouldContain "gzip stream is damaged or cut short"
    }

    test("images and labels of different lengths are refused") {
        val dir = dirWith("train-images-idx3-ubyte" to dataFixture("mnist/train-images-idx3-ubyte"),
            "train-labels-idx1-ubyte.gz" to dataFixture("mnist/t10k-labels-idx1-ubyte.gz"))
        shouldThrow<DatasetException> { MNIST.train(dir) }.message shouldContain "holds 40 images but"
    }

    test("FashionMNIST reads the same format and names its classes") {
        val f = FashionMNIST.train(dataFixture("mnist"))
        f.size() shouldBe 40
        f.classes()[9] shouldBe "Ankle boot"
        val same: FashionMNIST = f.transform(ToTensor())
        same.toString() shouldBe "FashionMNIST(40 images, transform=ToTensor())"
        MNIST.train(dataFixture("mnist")).classes()[3] shouldBe "3 - three"
    }

    test("out-of-range indices name the dataset size") {
        shouldThrow<IndexOutOfBoundsException> { MNIST.test(dataFixture("mnist")).get(20) }.message shouldContain
            "index 20 is out of range for 20 images"
    }

    test("the data root is \$KINDLING_DATA, else ~/.kindling/data") {
        Datasets.root(mapOf("KINDLING_DATA" to "/data/k"), "/home/u") shouldBe Paths.get("/data/k")
        Datasets.root(emptyMap(), "/home/u") shouldBe Paths.get("/home/u/.kindling/data")
        Datasets.root(mapOf("KINDLING_DATA" to " "), "/home/u") shouldBe Paths.get("/home/u/.kindling/data")
    }
})
