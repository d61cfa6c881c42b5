package dev.kindling.dsl

import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.buffer
import kotlinx.coroutines.flow.flow
import kotlinx.coroutines.flow.flowOn

/**
 * One epoch of this loader as a cold [Flow], for coroutine pipelines. With [prefetch] > 0 the batches are
 * made on [dispatcher] and up to [prefetch] of them wait in a buffer (one more may be in the making), so
 * loading and collating the next batches overlap the collector's compute; the buffer is bounded, so a
 * slow collector holds the loader back instead of filling memory. With [prefetch] = 0 the batches are
 * made on the collector's own coroutine, one at a time.
 *
 * Each collection is a new epoch (a fresh shuffle). Batches arrive in the loader's order, each exactly
 * once. Cancelling the collector (or `take(n)`, or an exception) stops the producer at its next batch
 * and closes the epoch's iterator, which stops the loader's worker threads; `collect` returns only
 * after that.
 * ```
 * loader.asFlow(prefetch = 4).collect { (x, y) -> step(x, y) }
 * ```
 */
fun <T> DataLoader<T>.asFlow(prefetch: Int = 2, dispatcher: CoroutineDispatcher = Dispatchers.IO): Flow<T> {
    require(prefetch >= 0) { "asFlow: prefetch must be >= 0, got $prefetch" }
    val loader = this
    val batches = flow {
        val epoch = loader.iterator()
        try {
            while (epoch.hasNext()) emit(epoch.next())
        } finally {
            epoch.close()
        }
    }
    return if (prefetch == 0) batches else batches.buffer(prefetch).flowOn(dispatcher)
}
