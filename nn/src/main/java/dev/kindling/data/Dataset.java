package dev.kindling.data;

/**
 * A map from index to sample, as PyTorch's map-style {@code Dataset}: {@link #size()} samples,
 * {@link #get(int)} for each index in {@code [0, size())}. A {@link DataLoader} batches and shuffles it;
 * with {@code numWorkers > 0} it calls {@code get} from several threads at once, so {@code get} must be
 * safe to call concurrently (reading is; caching needs care).
 * <pre>{@code
 * Dataset<Tensor[]> squares = new Dataset<>() {
 *     public int size() { return 100; }
 *     public Tensor[] get(int i) { return new Tensor[]{Tensor.scalar(i), Tensor.scalar(i * i)}; }
 * };
 * }</pre>
 */
public interface Dataset<T> {
    int size();

    /** The sample at {@code index}, {@code 0 <= index < size()}. */
    T get(int index);
}
