package dev.kindling.data;

import dev.kindling.autograd.Tensor;
import java.util.Arrays;

/**
 * Fixed-length windows over a 1-d sequence of ids, for a shuffled language-model loader: item i is
 * {@code {input, target}}, both int64 [seqLen], where {@code input = tokens[i*stride, i*stride + seqLen)} and
 * {@code target} is the same window shifted by one (each position's next character). A
 * {@link DataLoader} stacks them into [batch, seqLen].
 * <pre>{@code
 * Tensor[] split = corpus.split(0.1);
 * DataLoader<Tensor[]> loader = new DataLoader<>(new CharWindows(split[0], 100), 32, true);
 * }</pre>
 */
public final class CharWindows implements Dataset<Tensor[]> {
    private final Tensor tokens;
    private final int seqLen, stride, size;

    /** Non-overlapping windows: {@code stride = seqLen}. */
    public CharWindows(Tensor tokens, int seqLen) { this(tokens, seqLen, seqLen); }

    /** Windows of {@code seqLen} ids starting every {@code stride} ids, as many as fit with their targets. */
    public CharWindows(Tensor tokens, int seqLen, int stride) {
        if (tokens.dim() != 1) {
            throw new IllegalArgumentException("CharWindows: tokens must be 1-d, got shape " + Arrays.toString(tokens.shape()));
        }
        if (seqLen < 1 || stride < 1) {
            throw new IllegalArgumentException("CharWindows: seqLen and stride must be >= 1, got " + seqLen + " and " + stride);
        }
        if (tokens.size(0) < seqLen + 1) {
            throw new IllegalArgumentException("CharWindows: " + tokens.size(0) + " ids are too few for one window of " + seqLen
                    + " and its target (needs " + (seqLen + 1) + ")");
        }
        this.tokens = tokens;
        this.seqLen = seqLen;
        this.stride = stride;
        this.size = (tokens.size(0) - seqLen - 1) / stride + 1;
    }

    @Override
    public int size() { return size; }

    @Override
    public Tensor[] get(int index) {
        if (index < 0 || index >= size) {
            throw new IndexOutOfBoundsException("CharWindows: index " + index + " is out of range for " + size + " windows");
        }
        int start = index * stride;
        return new Tensor[]{tokens.narrow(0, start, seqLen).contiguous(), tokens.narrow(0, start + 1, seqLen).contiguous()};
    }

    /** The window length. */
    public int seqLen() { return seqLen; }

    @Override
    public String toString() { return "CharWindows(" + size + " windows of " + seqLen + ", stride " + stride + ")"; }
}
