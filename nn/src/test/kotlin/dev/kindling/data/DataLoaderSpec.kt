package dev.kindling.data

import dev.kindling.Random
import dev.kindling.autograd.Tensor
import dev.kindling.tensor.DType
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.collections.shouldContainExactly
import io.kotest.matchers.shouldBe
import io.kotest.matchers.shouldNotBe
import io.kotest.matchers.string.shouldContain

/** Sample i is (x = [i, -i] as float, y = i as int64), so a batch tells which indices it holds. */
fun indexed(n: Int) = TensorDataset(
    Tensor.of(FloatArray(2 * n) { if (it % 2 == 0) (it / 2).toFloat() else -(it / 2).toFloat() }, n, 2),
    Tensor.arange(n.toLong()),
)

fun <T> Iterable<T>.indices(ofBatch: (T) -> Tensor): List<List<Long>> = map { ofBatch(it).toLongArray().toList() }

fun workerThreads() = Thread.getAllStackTraces().keys.count { it.isAlive && it.name.startsWith("kindling-dataloader-") }

fun eventually(seconds: Int, check: () -> Boolean): Boolean {
    val deadline = System.nanoTime() + seconds * 1_000_000_000L
    while (System.nanoTime() < deadline) {
        if (check()) return true
        Thread.sleep(20)
    }
    return check()
}

class DataLoaderSpec : FunSpec({
    test("TensorDataset items are dim-0 slices of every tensor") {
        val ds = indexed(5)
        ds.size() shouldBe 5
        val item = ds.get(3)
        item.size shouldBe 2
        item[0].toFloatArray().toList() shouldBe listOf(3f, -3f)
        item[1].shape().toList() shouldBe emptyList()
        item[1].item() shouldBe 3.0
        shouldThrow<IndexOutOfBoundsException> { ds.get(5) }.message shouldContain "index 5"
    }

    test("TensorDataset refuses tensors of different lengths, naming both shapes") {
        val e = shouldThrow<IllegalArgumentException> { TensorDataset(Tensor.zeros(10, 3), Tensor.zeros(9)) }
        e.message shouldContain "[10, 3]"
        e.message shouldContain "[9]"
        shouldThrow<IllegalArgumentException> { TensorDataset() }
        shouldThrow<IllegalArgumentException> { TensorDataset(Tensor.scalar(1.0)) }.message shouldContain "0-d"
    }

    test("batches stack samples along a new dim 0, in order, with a smaller last batch") {
        val loader = DataLoader(indexed(10), 4, false)
        loader.size() shouldBe 3
        val batches = loader.toList()
        batches.map { it[0].shape().toList() } shouldBe listOf(listOf(4, 2), listOf(4, 2), listOf(2, 2))
        batches.map { it[1].dtype() }.toSet() shouldBe setOf(DType.INT64)
        batches.indices { it[1] } shouldBe listOf(listOf(0L, 1, 2, 3), listOf(4L, 5, 6, 7), listOf(8L, 9))
        batches[2][0].toFloatArray().toList() shouldBe listOf(8f, -8f, 9f, -9f)
    }

    test("dropLast skips the partial batch") {
        val loader = DataLoader(indexed(10), 4, false).dropLast(true)
        loader.size() shouldBe 2
        loader.indices { it[1] } shouldBe listOf(listOf(0L, 1, 2, 3), listOf(4L, 5, 6, 7))
        DataLoader(indexed(8), 4, false).dropLast(true).size() shouldBe 2
        DataLoader(indexed(3), 4, false).dropLast(true).toList().size shouldBe 0
    }

    test("shuffling visits every sample exactly once per epoch, in a new order each epoch") {
        val loader = DataLoader(indexed(100), 7, true).seed(1)
        val epochs = (1..3).map { loader.indices { it[1] }.flatten() }
        for (e in epochs) e.sorted() shouldBe (0L until 100L).toList()
        epochs[0] shouldNotBe epochs[1]
        epochs[1] shouldNotBe epochs[2]
        epochs[0] shouldNotBe (0L until 100L).toList()
    }

    test("shuffled batches keep each sample's tensors together") {
        for (b in DataLoader(indexed(20), 6, true)) {
            b[0].toFloatArray().toList().chunked(2).map { it[0].toLong() } shouldBe b[1].toLongArray().toList()
        }
    }

    test("the same seed gives the same sequence of epochs; another seed another") {
        fun orders(seed: Long) = DataLoader(indexed(50), 8, true).seed(seed).let { l -> (1..3).map { l.indices { it[1] } } }
        orders(42) shouldBe orders(42)
        orders(42) shouldNotBe orders(43)
        val loader = DataLoader(indexed(50), 8, true).seed(5)
        val first = loader.indices { it[1] }
        loader.indices { it[1] } shouldNotBe first
        loader.seed(5).indices { it[1] } shouldBe first
    }

    test("Random.manualSeed before building a loader makes its shuffling reproducible") {
        fun order(): List<List<Long>> {
            Random.manualSeed(99)
            return DataLoader(indexed(30), 4, true).indices { it[1] }
        }
        order() shouldBe order()
    }

    test("three workers give the same batches in the same order as none, even when samples take uneven time") {
        val slow = object : Dataset<Array<Tensor>> {
            val inner = indexed(60)
            override fun size() = inner.size()
            override fun get(index: Int): Array<Tensor> {
                Thread.sleep(((index * 7) % 5).toLong())
                return inner.get(index)
            }
        }
        for (ds in listOf<Dataset<Array<Tensor>>>(indexed(60), slow)) {
            val serial = DataLoader(ds, 5, true).seed(3).toList()
            val parallel = DataLoader(ds, 5, true).seed(3).numWorkers(3).toList()
            parallel.size shouldBe serial.size
            for ((p, s) in parallel.zip(serial)) {
                p[0].toFloatArray().toList() shouldBe s[0].toFloatArray().toList()
                p[1].toLongArray().toList() shouldBe s[1].toLongArray().toList()
            }
        }
    }

    test("an exception in the dataset reaches the iterating thread, after the batches before it") {
        val failing = object : Dataset<Tensor> {
            override fun size() = 20
            override fun get(index: Int): Tensor {
                if (index == 13) throw IllegalStateException("sample 13 is corrupt")
                return Tensor.scalar(index.toDouble())
            }
        }
        for (workers in listOf(0, 3)) {
            val seen = mutableListOf<Double>()
            val e = shouldThrow<IllegalStateException> {
                for (b in DataLoader(failing, 4, false).numWorkers(workers)) seen += b.toDoubleArray().toList()
            }
            e.message shouldBe "sample 13 is corrupt"
            seen shouldBe (0 until 12).map { it.toDouble() }
        }
        eventually(5) { workerThreads() == 0 } shouldBe true
    }

    test("a custom collate turns each list of samples into any batch type") {
        val words = object : Dataset<String> {
            val all = listOf("a", "bb", "ccc", "dddd", "eeeee")
            override fun size() = all.size
            override fun get(index: Int) = all[index]
        }
        val loader: DataLoader<String> = DataLoader(words, 2, false).collate { it.joinToString("+") }
        loader.toList() shouldContainExactly listOf("a+bb", "ccc+dddd", "eeeee")
        val lengths = DataLoader(words, 3, false).numWorkers(2).collate { items -> Tensor.of(items.map { it.length.toLong() }.toLongArray()) }
        lengths.map { it.toLongArray().toList() } shouldBe listOf(listOf(1L, 2, 3), listOf(4L, 5))
        shouldThrow<IllegalStateException> { loader.collate { it } }
    }

    test("a custom collate over a TensorDataset receives the samples") {
        val sums = DataLoader(indexed(6), 3, false).collate { items -> items.sumOf { it[1].item() } }
        sums.toList() shouldBe listOf(3.0, 12.0)
    }

    test("default collation stacks Tensor samples, and Tensor[] samples field by field, like the TensorDataset path") {
        val plain = object : Dataset<Array<Tensor>> {
            val inner = indexed(9)
            override fun size() = inner.size()
            override fun get(index: Int): Array<Tensor> = inner.get(index)
        }
        val generic = DataLoader(plain, 4, false).toList()
        val fast = DataLoader(indexed(9), 4, false).toList()
        generic.map { b -> b.map { it.shape().toList() } } shouldBe fast.map { b -> b.map { it.shape().toList() } }
        generic.map { it[0].toFloatArray().toList() } shouldBe fast.map { it[0].toFloatArray().toList() }
        val single = object : Dataset<Tensor> {
            override fun size() = 5
            override fun get(index: Int) = Tensor.full(index.toDouble(), 2, 2)
        }
        DataLoader(single, 2, false).map { it.shape().toList() } shouldBe listOf(listOf(2, 2, 2), listOf(2, 2, 2), listOf(1, 2, 2))
    }

    test("samples that cannot be stacked ask for a collate function") {
        val words = object : Dataset<String> {
            override fun size() = 3
            override fun get(index: Int) = "w$index"
        }
        shouldThrow<IllegalArgumentException> { DataLoader(words, 2, false).toList() }.message shouldContain "collate function"
    }

    test("worker threads stop when an epoch ends, when the iterator is closed, and when it is abandoned") {
        val loader = DataLoader(indexed(200), 4, true).numWorkers(3)
        loader.toList().size shouldBe 50
        eventually(5) { workerThreads() == 0 } shouldBe true

        val it = loader.iterator()
        it.next()
        workerThreads() shouldNotBe 0
        it.close()
        it.hasNext() shouldBe false
        eventually(5) { workerThreads() == 0 } shouldBe true

        for (b in loader) break // abandoned: its idle workers time out
        eventually(5) { workerThreads() == 0 } shouldBe true
    }

    test("bad settings are refused") {
        shouldThrow<IllegalArgumentException> { DataLoader(indexed(3), 0, false) }.message shouldContain "batchSize"
        shouldThrow<IllegalArgumentException> { DataLoader(indexed(3), 1, false).numWorkers(-1) }
        shouldThrow<NoSuchElementException> { DataLoader(indexed(1), 1, false).iterator().apply { next() }.next() }
    }
})
