package dev.kindling.data;

import dev.kindling.Random;
import dev.kindling.autograd.Tensor;
import dev.kindling.tensor.Generator;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * Iterates over a {@link Dataset} in batches (torch.utils.data.DataLoader). Each {@code for} loop over
 * the loader is one epoch; with {@code shuffle} every epoch visits the samples in a fresh random order.
 * <pre>{@code
 * DataLoader<Tensor[]> loader = new DataLoader<>(new TensorDataset(x, y), 64, true).numWorkers(2).seed(0);
 * for (Tensor[] batch : loader) {       // batch[0]: [64, ...] inputs, batch[1]: [64] targets
 *     Tensor loss = F.crossEntropy(model.forward(batch[0]), batch[1]);
 * }
 * }</pre>
 * <p><b>Batches.</b> The default collation stacks samples along a new dim 0: {@code Tensor} samples give a
 * {@code Tensor} batch, {@code Tensor[]} samples a {@code Tensor[]} batch (each field stacked). Over a
 * {@link TensorDataset} the batch is built directly with one indexSelect per tensor. Anything else needs
 * {@link #collate(Function)}. The last batch is smaller when the batch size does not divide the dataset,
 * unless {@link #dropLast(boolean)}.
 * <p><b>Order.</b> Epoch e's permutation depends only on the seed and e, so the same seed gives the same
 * sequence of epochs. The default seed is drawn from {@link Random}'s global generator when the loader is
 * built, so {@code Random.manualSeed} before building makes shuffling reproducible.
 * <p><b>Workers.</b> With {@code numWorkers(n)}, n daemon threads prepare up to 2n batches ahead, which are
 * still returned in order; an exception in a worker is rethrown by {@code next()} on the iterating thread.
 * The threads stop when the epoch ends or the iterator is {@linkplain BatchIterator#close() closed}; an
 * iterator abandoned mid-epoch finishes the few batches already queued and its threads exit after a
 * second without work, so nothing outlives it for long.
 */
public final class DataLoader<T> implements Iterable<T> {
    private static final AtomicInteger THREAD_IDS = new AtomicInteger();
    /** Batches prepared ahead per worker (PyTorch's prefetch_factor). */
    private static final int PREFETCH_PER_WORKER = 2;

    private final Dataset<?> dataset;
    private final int batchSize;
    private final boolean shuffle;
    /** Null for the default collation. */
    private final Function<List<Object>, T> collate;
    private int numWorkers;
    private boolean dropLast;
    private long seed;
    private final AtomicInteger epoch = new AtomicInteger();

    /** Batches of {@code batchSize} samples of {@code dataset}, reshuffled every epoch when {@code shuffle}. */
    public DataLoader(Dataset<T> dataset, int batchSize, boolean shuffle) {
        if (dataset == null) throw new IllegalArgumentException("DataLoader: the dataset is null");
        if (batchSize <= 0) throw new IllegalArgumentException("DataLoader: batchSize must be positive, got " + batchSize);
        this.dataset = dataset;
        this.batchSize = batchSize;
        this.shuffle = shuffle;
        this.collate = null;
        this.seed = Random.defaultGenerator().nextLong();
    }

    private DataLoader(DataLoader<?> from, Function<List<Object>, T> collate) {
        this.dataset = from.dataset;
        this.batchSize = from.batchSize;
        this.shuffle = from.shuffle;
        this.collate = collate;
        this.numWorkers = from.numWorkers;
        this.dropLast = from.dropLast;
        this.seed = from.seed;
        this.epoch.set(from.epoch.get());
    }

    /** Prepares batches on {@code n} background threads (0, the default, prepares them on the iterating thread). */
    public DataLoader<T> numWorkers(int n) {
        if (n < 0) throw new IllegalArgumentException("DataLoader.numWorkers: must be >= 0, got " + n);
        numWorkers = n;
        return this;
    }

    /** Whether to skip the last batch when it would be smaller than the batch size. */
    public DataLoader<T> dropLast(boolean drop) {
        dropLast = drop;
        return this;
    }

    /** Seeds the shuffling and restarts its sequence of epochs: two loaders with one seed give the same orders. */
    public DataLoader<T> seed(long seed) {
        this.seed = seed;
        epoch.set(0);
        return this;
    }

    /**
     * A loader that turns each list of samples into a batch with {@code fn} instead of stacking them
     * (PyTorch's collate_fn). The other settings carry over. Call it once, on a loader built from a dataset.
     * <pre>{@code
     * DataLoader<Tensor> lengths = new DataLoader<>(sentences, 32, true)
     *         .collate(items -> Tensor.of(items.stream().mapToLong(List::size).toArray()));
     * }</pre>
     */
    @SuppressWarnings("unchecked")
    public <B> DataLoader<B> collate(Function<List<T>, B> fn) {
        if (fn == null) throw new IllegalArgumentException("DataLoader.collate: the function is null");
        // The type parameter is the batch type; only before a custom collate is it also the sample type fn expects.
        if (collate != null) throw new IllegalStateException("DataLoader.collate: this loader already has a collate function");
        return new DataLoader<>(this, (Function<List<Object>, B>) (Function<?, ?>) fn);
    }

    /** Batches per epoch. */
    public int size() {
        int n = dataset.size();
        return dropLast ? n / batchSize : (n + batchSize - 1) / batchSize;
    }

    public int batchSize() { return batchSize; }

    public Dataset<?> dataset() { return dataset; }

    /** Starts an epoch. Closing the iterator early stops its workers at once. */
    @Override
    public BatchIterator iterator() { return new BatchIterator(); }

    /** The sample order of the next epoch: a permutation when shuffling, else 0, 1, ... */
    private int[] order(int n) {
        int[] order = new int[n];
        for (int i = 0; i < n; i++) order[i] = i;
        if (!shuffle) return order;
        int e = epoch.getAndIncrement();
        // Hashing (seed, epoch) through one SplitMix step gives each epoch an unrelated stream; seeding with
        // seed + e directly would make epoch e+1's stream epoch e's shifted by one draw.
        Generator g = new Generator(new Generator(seed ^ (e * 0xD1B54A32D192ED03L)).nextLong());
        for (int i = n - 1; i > 0; i--) {
            int j = (int) g.nextLong(0, i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        return order;
    }

    @SuppressWarnings("unchecked")
    private T batch(int[] indices) {
        if (collate == null && dataset instanceof TensorDataset) {
            long[] idx = new long[indices.length];
            for (int i = 0; i < idx.length; i++) idx[i] = indices[i];
            Tensor index = Tensor.of(idx);
            Tensor[] source = ((TensorDataset) dataset).tensors();
            Tensor[] out = new Tensor[source.length];
            for (int i = 0; i < out.length; i++) out[i] = source[i].indexSelect(0, index);
            return (T) out;
        }
        List<Object> items = new ArrayList<>(indices.length);
        for (int i : indices) items.add(dataset.get(i));
        return collate != null ? collate.apply(items) : (T) defaultCollate(items);
    }

    private static Object defaultCollate(List<Object> items) {
        Object first = items.get(0);
        if (first instanceof Tensor) {
            List<Tensor> ts = new ArrayList<>(items.size());
            for (Object o : items) ts.add(sampleAs(Tensor.class, o, first));
            return Tensor.stack(ts, 0);
        }
        if (first instanceof Tensor[]) {
            int fields = ((Tensor[]) first).length;
            Tensor[] out = new Tensor[fields];
            for (int f = 0; f < fields; f++) {
                List<Tensor> ts = new ArrayList<>(items.size());
                for (Object o : items) {
                    Tensor[] sample = sampleAs(Tensor[].class, o, first);
                    if (sample.length != fields) {
                        throw new IllegalArgumentException("DataLoader: samples have different numbers of tensors (" + fields
                                + " and " + sample.length + "), so they cannot be stacked; pass a collate function");
                    }
                    ts.add(sample[f]);
                }
                out[f] = Tensor.stack(ts, 0);
            }
            return out;
        }
        throw new IllegalArgumentException("DataLoader: samples of type " + (first == null ? "null" : first.getClass().getName())
                + " need a collate function; the default stacks Tensor and Tensor[] samples");
    }

    private static <S> S sampleAs(Class<S> type, Object o, Object first) {
        if (!type.isInstance(o)) {
            throw new IllegalArgumentException("DataLoader: cannot stack a " + (o == null ? "null" : o.getClass().getSimpleName())
                    + " sample with " + first.getClass().getSimpleName() + " samples; pass a collate function");
        }
        return type.cast(o);
    }

    /**
     * One epoch's batches. Iterating to the end releases everything; to stop early with workers running,
     * {@link #close()} it (or leave it: its workers finish the queued batches and exit a second later).
     */
    public final class BatchIterator implements Iterator<T>, AutoCloseable {
        private final int[] order;
        private final int batches;
        private int next;
        /** With workers: the pool, its in-flight batches in order, and the next batch to submit. */
        private final ThreadPoolExecutor pool;
        private final ArrayDeque<Future<T>> pending = new ArrayDeque<>();
        private int submitted;

        private BatchIterator() {
            order = order(dataset.size());
            batches = size();
            if (numWorkers == 0 || batches == 0) {
                pool = null;
                return;
            }
            pool = new ThreadPoolExecutor(numWorkers, numWorkers, 1, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
                Thread t = new Thread(r, "kindling-dataloader-" + THREAD_IDS.incrementAndGet());
                t.setDaemon(true);
                return t;
            });
            // Idle workers exit on their own: that is what stops the threads of an iterator abandoned mid-epoch.
            pool.allowCoreThreadTimeOut(true);
            int ahead = Math.min(batches, numWorkers * PREFETCH_PER_WORKER);
            while (submitted < ahead) submitNext();
        }

        private void submitNext() {
            int[] indices = indicesOf(submitted++);
            pending.add(pool.submit(() -> batch(indices)));
        }

        private int[] indicesOf(int b) {
            int from = b * batchSize;
            return Arrays.copyOfRange(order, from, Math.min(order.length, from + batchSize));
        }

        @Override
        public boolean hasNext() {
            if (next < batches) return true;
            close();
            return false;
        }

        @Override
        public T next() {
            if (next >= batches) throw new NoSuchElementException("DataLoader: the epoch has ended (" + batches + " batches)");
            int b = next++;
            if (pool == null) return batch(indicesOf(b));
            Future<T> head = pending.poll();
            if (submitted < batches) submitNext();
            try {
                T out = head.get();
                if (next == batches) close();
                return out;
            } catch (ExecutionException e) {
                close();
                Throwable cause = e.getCause();
                if (cause instanceof RuntimeException) throw (RuntimeException) cause;
                if (cause instanceof Error) throw (Error) cause;
                throw new IllegalStateException("DataLoader: a worker failed on batch " + b, cause);
            } catch (InterruptedException e) {
                close();
                Thread.currentThread().interrupt();
                throw new IllegalStateException("DataLoader: interrupted while waiting for batch " + b, e);
            } catch (CancellationException e) {
                throw new IllegalStateException("DataLoader: this iterator was closed", e);
            }
        }

        /** Stops the workers and drops prepared batches; the iterator then has no more batches. Idempotent. */
        @Override
        public void close() {
            next = batches;
            if (pool != null) {
                for (Future<T> f : pending) f.cancel(true);
                pending.clear();
                pool.shutdownNow();
            }
        }
    }
}
