package dev.kindling.tensor.cpu;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import java.util.concurrent.ForkJoinWorkerThread;

/**
 * Splits large loops over all cores. The common ForkJoinPool has one thread fewer than the core count
 * (it counts the caller), which on a 2-core machine means no parallelism at all, so Kindling keeps its
 * own pool and runs one chunk on the calling thread. Override the size with
 * {@code -Dkindling.threads=N}.
 */
public final class Parallel {
    /** Below this many elements a loop runs on the caller: forking costs a few microseconds. */
    public static final long GRAIN = 32_768;

    private static final int THREADS = Integer.getInteger("kindling.threads", Runtime.getRuntime().availableProcessors());
    private static final ForkJoinPool POOL = new ForkJoinPool(Math.max(1, THREADS - 1), pool -> {
        ForkJoinWorkerThread t = ForkJoinPool.defaultForkJoinWorkerThreadFactory.newThread(pool);
        t.setName("kindling-cpu-" + t.getPoolIndex());
        t.setDaemon(true);
        return t;
    }, null, false);

    private Parallel() {}

    /** A body run over one chunk [from, to) of a range. */
    @FunctionalInterface
    public interface Range {
        void run(long from, long to);
    }

    public static int threads() { return THREADS; }

    /** Runs body over [0, n), split into at most {@link #threads()} chunks when n * cost is large. */
    public static void forRange(long n, long costPerItem, Range body) {
        long work = n * Math.max(1, costPerItem);
        int chunks = (int) Math.min(THREADS, Math.min(n, work / GRAIN));
        // Nested calls from a worker run inline: the outer split already uses every core.
        if (chunks <= 1 || ForkJoinTask.inForkJoinPool()) {
            if (n > 0) body.run(0, n);
            return;
        }
        ForkJoinTask<?>[] tasks = new ForkJoinTask<?>[chunks - 1];
        for (int c = 1; c < chunks; c++) {
            long from = n * c / chunks, to = n * (c + 1) / chunks;
            tasks[c - 1] = POOL.submit(() -> body.run(from, to));
        }
        body.run(0, n / chunks);
        for (ForkJoinTask<?> t : tasks) t.join();
    }
}
