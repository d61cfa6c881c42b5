package dev.kindling.dsl

import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.ints.shouldBeLessThanOrEqual
import io.kotest.matchers.shouldBe
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.delay
import kotlinx.coroutines.flow.map
import kotlinx.coroutines.flow.take
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.runBlocking
import java.util.concurrent.atomic.AtomicInteger

/** Sample i is the scalar tensor i; counts every read, so a test can see how far the loader ran. */
private class CountingDataset(private val n: Int) : Dataset<Tensor> {
    val reads = AtomicInteger()
    override fun size(): Int = n
    override fun get(index: Int): Tensor {
        reads.incrementAndGet()
        return Tensor.of(longArrayOf(index.toLong())).reshape()
    }
}

class DslFlowSpec : FunSpec({
    fun indicesOf(batches: List<Tensor>) = batches.map { b -> b.toLongArray().toList() }

    test("the flow delivers every batch exactly once, in order when not shuffled, with and without prefetch") {
        for (prefetch in listOf(0, 1, 2, 8)) {
            for (workers in listOf(0, 2)) {
                val loader = dataLoader(CountingDataset(23), batchSize = 5, numWorkers = workers)
                val got = runBlocking { loader.asFlow(prefetch).toList() }
                indicesOf(got) shouldBe (0 until 23).map { it.toLong() }.chunked(5)
            }
        }
    }

    test("shuffled, each collection is a new epoch that still covers every sample once") {
        val loader = dataLoader(CountingDataset(40), batchSize = 6, shuffle = true, seed = 3)
        val first = runBlocking { loader.asFlow().toList() }.flatMap { it.toLongArray().toList() }
        val second = runBlocking { loader.asFlow().toList() }.flatMap { it.toLongArray().toList() }
        first.sorted() shouldBe (0L until 40L).toList()
        second.sorted() shouldBe (0L until 40L).toList()
        (first == second) shouldBe false
    }

    test("TensorDataset batches destructure into inputs and targets") {
        val (x, y) = blobs(8)
        val loader = dataLoader(tensorDataset(x, y), batchSize = 4)
        val sizes = runBlocking { loader.asFlow().map { (inputs, targets) -> inputs.size(0) to targets.size(0) }.toList() }
        sizes shouldBe List(4) { 4 to 4 }
    }

    test("a stalled collector holds the loader back: at most prefetch batches wait, plus one in hand") {
        val ds = CountingDataset(1000)
        val loader = dataLoader(ds, batchSize = 1)
        val seen = runBlocking {
            var readsWhileStalled = -1
            loader.asFlow(prefetch = 3).take(1).collect {
                delay(300)
                readsWhileStalled = ds.reads.get()
            }
            readsWhileStalled
        }
        // The collected batch, 3 in the buffer and 1 made and waiting to be sent.
        seen shouldBeLessThanOrEqual 5
    }

    test("take(n) cancels the producer: the loader stops reading and its worker threads end") {
        val ds = CountingDataset(10_000)
        val loader = dataLoader(ds, batchSize = 10, numWorkers = 2)
        val got = runBlocking { loader.asFlow(prefetch = 2).take(3).toList() }
        indicesOf(got).map { it.first() } shouldBe listOf(0L, 10L, 20L)
        eventuallyTrue { loaderThreads() == 0 } shouldBe true
        val reads = ds.reads.get()
        Thread.sleep(200)
        ds.reads.get() shouldBe reads
        (reads < 10_000) shouldBe true
    }

    test("an exception in the collector cancels the producer and propagates") {
        val ds = CountingDataset(10_000)
        val loader = dataLoader(ds, batchSize = 10, numWorkers = 1)
        shouldThrow<IllegalStateException> {
            runBlocking {
                loader.asFlow(prefetch = 2, dispatcher = Dispatchers.Default).collect { b ->
                    if (b.toLongArray()[0] == 50L) throw IllegalStateException("stop")
                }
            }
        }.message shouldBe "stop"
        eventuallyTrue { loaderThreads() == 0 } shouldBe true
        val reads = ds.reads.get()
        Thread.sleep(200)
        ds.reads.get() shouldBe reads
    }

    test("an exception in the loader reaches the collector") {
        val bad = object : Dataset<Tensor> {
            override fun size() = 10
            override fun get(index: Int): Tensor = if (index == 7) throw IllegalArgumentException("bad sample 7") else Tensor.scalar(1.0)
        }
        shouldThrow<IllegalArgumentException> { runBlocking { dataLoader(bad, batchSize = 2).asFlow().toList() } }
            .message shouldBe "bad sample 7"
    }

    test("a negative prefetch is refused") {
        shouldThrow<IllegalArgumentException> { dataLoader(CountingDataset(1)).asFlow(prefetch = -1) }.message shouldBe
            "asFlow: prefetch must be >= 0, got -1"
    }
})
