package dev.kindling.tensor.cpu;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import java.util.concurrent.ForkJoinWorkerThread;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * Splits large loops over all cores. The common ForkJoinPool has one thread fewer than the core count
 * (it counts the caller), which on a 2-core machine means no parallelism at all, so Kindling keeps its
 * own pool. Override the size with {@code -Dkindling.threads=N}.
 *
 * <p>A loop is cut into a few pieces per thread that the caller and the pool's workers claim one at a
 * time. The caller never waits for a piece nobody has started: when the other cores are busy (other
 * processes, or OpenBLAS's workers still spinning after a GEMM) a forked worker may not run for
 * milliseconds, and handing it a fixed share made the caller wait that long (an LSTM step went from
 * 40 to 300 ms on a loaded machine). Claiming, the caller simply does the work itself.
 */
public final class Parallel {
    /** Below this many elements a loop runs on the caller: forking costs a few microseconds. */
    public static final long GRAIN = 32_768;

    /** Pieces per thread: small enough that a late worker leaves little for the caller to wait on. */
    private static final int PIECES_PER_THREAD = 4;

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

    /**
     * Runs body over [0, n), split over at most {@link #threads()} threads when n * cost is large. The
     * chunks body sees are disjoint and cover [0, n); their number and bounds are not part of the contract.
     */
    public static void forRange(long n, long costPerItem, Range body) {
        long work = n * Math.max(1, costPerItem);
        int threads = (int) Math.min(THREADS, Math.min(n, work / GRAIN));
        // Nested calls from a worker run inline: the outer split already uses every core.
        if (threads <= 1 || ForkJoinTask.inForkJoinPool()) {
            if (n > 0) body.run(0, n);
            return;
        }
        Pieces pieces = new Pieces(n, (int) Math.min(n, (long) threads * PIECES_PER_THREAD), body);
        for (int t = 1; t < threads; t++) POOL.execute(pieces::claimUntilNoneLeft);
        pieces.claimUntilNoneLeft();
        pieces.awaitAllDone();
    }

    /** One loop's pieces: a claim counter, a done counter, and the first failure. */
    private static final class Pieces {
        /** Spins before parking: most pieces a worker holds finish within microseconds. */
        private static final int SPINS = 1 << 12;

        private final long n;
        private final int count;
        private final Range body;
        private final Thread caller = Thread.currentThread();
        private final AtomicInteger next = new AtomicInteger();
        private final AtomicInteger done = new AtomicInteger();
        private final AtomicReference<Throwable> failure = new AtomicReference<>();

        Pieces(long n, int count, Range body) {
            this.n = n;
            this.count = count;
            this.body = body;
        }

        void claimUntilNoneLeft() {
            for (int p; (p = next.getAndIncrement()) < count; ) {
                try {
                    if (failure.get() == null) body.run(n * p / count, n * (p + 1) / count);
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                } finally {
                    if (done.incrementAndGet() == count && Thread.currentThread() != caller) LockSupport.unpark(caller);
                }
            }
        }

        void awaitAllDone() {
            for (int spin = 0; done.get() < count; spin++) {
                if (spin < SPINS) Thread.onSpinWait();
                else LockSupport.park(this);
            }
            Throwable e = failure.get();
            if (e instanceof RuntimeException) throw (RuntimeException) e;
            if (e instanceof Error) throw (Error) e;
            if (e != null) throw new IllegalStateException(e);
        }
    }
}
