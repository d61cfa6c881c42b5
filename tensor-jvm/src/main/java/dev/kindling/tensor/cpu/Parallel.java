package dev.kindling.tensor.cpu;

import java.util.concurrent.ForkJoinTask;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * Splits large loops over all cores, on Kindling's own worker threads ({@code kindling-cpu-N}, one fewer
 * than the core count: the caller is the last). Override the count with {@code -Dkindling.threads=N}.
 *
 * <p>A loop is cut into a few pieces per thread that the caller and the workers claim one at a time. The
 * caller never waits for a piece nobody has started: when the other cores are busy (other processes, or
 * another caller's loop) a worker may not run for milliseconds, and handing it a fixed share made the
 * caller wait that long (an LSTM step went from 40 to 300 ms on a loaded machine). Claiming, the caller
 * simply does the work itself.
 *
 * <p>A worker that finishes polls for the next loop for {@link #POLL_NANOS} before it parks. Waking a
 * parked thread is a futex system call, and on a virtual machine a cross-core interrupt: with a pool
 * that parked between loops (a ForkJoinPool), two 10 us pieces with 10 us of serial work between
 * loops took 36 us per loop, slower than the 30 us of running it all on the caller; polling, 21 us.
 * Waking the pool was 30% of an LSTM step's main thread, whose recurrence hands out two loops per
 * time step.
 */
public final class Parallel {
    /** Below this many elements a loop runs on the caller: handing out pieces costs a few microseconds. */
    public static final long GRAIN = 32_768;

    /** Pieces per thread: small enough that a late worker leaves little for the caller to wait on. */
    private static final int PIECES_PER_THREAD = 4;

    /**
     * How long an idle worker keeps polling before it parks: longer than most gaps between the loops of
     * a training step. Measured against 1 ms: the same steady state, but a slower first few dozen steps,
     * as a polling worker takes CPU from the JIT's compiler threads. Polling spins rather than yields:
     * on a loaded machine a yielding worker gave its core away for a whole time slice (LSTM step 30 ->
     * 40 ms), where a parked one is woken at once.
     */
    private static final long POLL_NANOS = 200_000;

    private static final int THREADS = Integer.getInteger("kindling.threads", Runtime.getRuntime().availableProcessors());
    private static final Worker[] WORKERS = startWorkers(Math.max(0, THREADS - 1));

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
        // Nested calls run inline: from a worker, or from another fork-join pool's thread (a parallel
        // stream over samples), the outer split already uses every core.
        if (threads <= 1 || Thread.currentThread() instanceof Worker || ForkJoinTask.inForkJoinPool()) {
            if (n > 0) body.run(0, n);
            return;
        }
        Pieces pieces = new Pieces(n, (int) Math.min(n, (long) threads * PIECES_PER_THREAD), body);
        for (int t = 0; t < threads - 1; t++) WORKERS[t].offer(pieces);
        pieces.claimUntilNoneLeft();
        pieces.awaitAllDone();
    }

    private static Worker[] startWorkers(int count) {
        Worker[] workers = new Worker[count];
        for (int i = 0; i < count; i++) {
            workers[i] = new Worker(i);
            workers[i].start();
        }
        return workers;
    }

    /**
     * A pool thread. It holds at most one loop at a time: a caller that offers a loop while the worker is
     * busy replaces the offer it has not taken yet, which costs nothing but help, as every caller claims
     * its own pieces until none are left.
     */
    private static final class Worker extends Thread {
        private final AtomicReference<Pieces> job = new AtomicReference<>();
        private volatile boolean parked;

        Worker(int index) {
            super("kindling-cpu-" + index);
            setDaemon(true);
        }

        void offer(Pieces pieces) {
            job.set(pieces);
            // Pairs with run(): it sets parked before its last look at job, so one of the two sees the other.
            if (parked) LockSupport.unpark(this);
        }

        @Override
        public void run() {
            long idleSince = System.nanoTime();
            while (true) {
                Pieces pieces = job.get();
                if (pieces != null) {
                    pieces.claimUntilNoneLeft();
                    // Only clear the loop just finished: a newer offer may already be waiting. Clearing
                    // also drops the body, so its captured arrays are not kept alive by an idle worker.
                    job.compareAndSet(pieces, null);
                    idleSince = System.nanoTime();
                } else if (System.nanoTime() - idleSince < POLL_NANOS) {
                    Thread.onSpinWait();
                } else {
                    parked = true;
                    if (job.get() == null) LockSupport.park(this);
                    parked = false;
                    // A pending interrupt would make every later park return at once: a busy loop.
                    Thread.interrupted();
                    idleSince = System.nanoTime();
                }
            }
        }
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
        /** Set once the caller parks: only then does the last worker to finish need to wake it. */
        private volatile boolean callerParked;

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
                    if (done.incrementAndGet() == count && callerParked) LockSupport.unpark(caller);
                }
            }
        }

        void awaitAllDone() {
            for (int spin = 0; done.get() < count; spin++) {
                if (spin < SPINS) {
                    Thread.onSpinWait();
                } else {
                    // Pairs with claimUntilNoneLeft(): one of the two sees the other's write.
                    callerParked = true;
                    if (done.get() < count) LockSupport.park(this);
                }
            }
            Throwable e = failure.get();
            if (e instanceof RuntimeException) throw (RuntimeException) e;
            if (e instanceof Error) throw (Error) e;
            if (e != null) throw new IllegalStateException(e);
        }
    }
}
