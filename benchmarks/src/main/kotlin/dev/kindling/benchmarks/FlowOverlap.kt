package dev.kindling.benchmarks

import dev.kindling.dsl.DataLoader
import dev.kindling.dsl.Dataset
import dev.kindling.dsl.Tensor
import dev.kindling.dsl.adam
import dev.kindling.dsl.asFlow
import dev.kindling.dsl.crossEntropy
import dev.kindling.dsl.invoke
import dev.kindling.dsl.randint
import dev.kindling.dsl.randn
import dev.kindling.dsl.seed
import dev.kindling.dsl.sequential
import kotlinx.coroutines.runBlocking

private const val BATCHES = 25
private const val ROUNDS = 10

/** An index dataset whose batches cost [loadMillis] to make, by sleeping or by spinning. */
private fun loader(loadMillis: Long, spin: Boolean): DataLoader<Array<Tensor>> {
    val indices = object : Dataset<Int> {
        override fun size() = BATCHES * 128
        override fun get(index: Int) = index
    }
    return DataLoader(indices, 128, false).collate { _ ->
        if (spin) {
            val end = System.nanoTime() + loadMillis * 1_000_000
            while (System.nanoTime() < end) Thread.onSpinWait()
        } else {
            Thread.sleep(loadMillis)
        }
        arrayOf(randn(128, 784), randint(0, 10, 128))
    }
}

/**
 * How much `DataLoader.asFlow(prefetch)` overlaps loading with compute (not a unit test, not JMH: the
 * effect is milliseconds per batch, far above timer noise). Each epoch is [BATCHES] batches; making a batch
 * costs loadMs (a sleep, as waiting for a disk or a decoder does, or a busy spin, as CPU-bound
 * augmentation does), and each training step of an MLP 784-512-10 on 128 samples costs what it costs.
 * Timed: compute alone, loading alone, then the epoch four ways: a plain `for` over the loader, and
 * `asFlow` with prefetch 0 (same coroutine, no overlap), 1 and 4; the best of [ROUNDS] interleaved rounds each.
 * ```
 * java -cp benchmarks/target/benchmarks.jar dev.kindling.benchmarks.FlowOverlapKt [loadMs]
 * ```
 */
fun main(args: Array<String>) {
    val loadMillis = args.firstOrNull()?.toLong() ?: 20L
    seed(1)
    val model = sequential { linear(784, 512); relu(); linear(512, 10) }
    val optimizer = adam(model.parameters(), lr = 1e-3)
    fun step(batch: Array<Tensor>) {
        optimizer.zeroGrad()
        crossEntropy(model(batch[0]), batch[1]).backward()
        optimizer.step()
    }
    val sample = arrayOf(randn(128, 784), randint(0, 10, 128))
    println("load: %d ms per batch; %d batches per epoch; compute: a training step of MLP 784-512-10 on 128 samples (Adam)"
        .format(loadMillis, BATCHES))
    for (spin in listOf(false, true)) {
        val data = loader(loadMillis, spin)
        val modes = linkedMapOf<String, () -> Unit>(
            "compute only" to { repeat(BATCHES) { step(sample) } },
            "load only" to { for (b in data) b.size },
            "for (batch in loader)" to { for (b in data) step(b) },
        )
        for (prefetch in listOf(0, 1, 4)) modes["asFlow(prefetch = $prefetch)"] = { runBlocking { data.asFlow(prefetch).collect { step(it) } } }
        // A warm-up round (the JIT), then rounds that interleave the modes, so a burst of load from elsewhere on
        // the machine hits all of them alike; the best of each is kept.
        modes.values.forEach { it() }
        val best = modes.keys.associateWith { Double.MAX_VALUE }.toMutableMap()
        repeat(ROUNDS) { for ((name, run) in modes) best[name] = minOf(best.getValue(name), timed(run)) }
        val compute = best.getValue("compute only")
        val load = best.getValue("load only")
        val plain = best.getValue("for (batch in loader)")
        println("load by ${if (spin) "busy spin (CPU-bound)" else "sleep (I/O-bound)"}:")
        for ((name, ms) in best) println("  %-22s %7.1f ms per epoch  (%.2fx the plain loop's speed)".format(name, ms, plain / ms))
        println("  bounds: no overlap %.0f ms (load + compute), perfect overlap %.0f ms (the larger)".format(load + compute, maxOf(load, compute)))
    }
}

/** Wall time of one run, in ms. */
private fun timed(run: () -> Unit): Double {
    val start = System.nanoTime()
    run()
    return (System.nanoTime() - start) / 1e6
}

