package dev.kindling.io;

import dev.kindling.autograd.Tensor;
import dev.kindling.tensor.DType;
import dev.kindling.tensor.NDArray;
import dev.kindling.tensor.Shapes;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Reads and writes <a href="https://github.com/huggingface/safetensors">safetensors</a> files, the format
 * PyTorch, JAX and Hugging Face use to share weights: an 8-byte little-endian header size N, N bytes of
 * UTF-8 JSON ({@code {"fc.weight": {"dtype": "F32", "shape": [10, 784], "data_offsets": [0, 31360]},
 * ..., "__metadata__": {"epoch": "3"}}}), then the raw little-endian data of every tensor, back to back.
 * <pre>{@code
 * Safetensors.save(model.stateDict(), Path.of("model.safetensors"));
 * Map<String, Tensor> state = Safetensors.load(Path.of("model.safetensors"));   // in the file's order
 * }</pre>
 * <p><b>Types.</b> F32, F64, I64, I32 and BOOL round-trip exactly. Files from elsewhere may also hold
 * F16 and BF16 (read as float32, exactly), I16, I8, U16 and U8 (read as int32) and U32 (read as int64).
 * <p><b>Writes are atomic.</b> The file is written beside the target under a temporary name, flushed to
 * disk, then renamed over the target, so a crash or an error mid-save leaves either the old file or the
 * new one, never a mix; the target is not touched until the new file is complete.
 * <p><b>Reads are validated</b> before any tensor is returned: header size, JSON, dtypes, shapes and
 * data offsets (which must tile the data section exactly, as the format requires). Every problem is a
 * {@link SafetensorsException} naming the file and, where one is at fault, the tensor.
 */
public final class Safetensors {
    /** The largest header accepted, as the reference implementation: a bigger one means a corrupt file, not a big model. */
    public static final long MAX_HEADER_SIZE = 100_000_000L;

    static final String METADATA_KEY = "__metadata__";
    /** Data is converted in slices of this size so a multi-gigabyte tensor never needs a second full-size buffer. */
    private static final int CHUNK_BYTES = 1 << 20;

    private Safetensors() {}

    /** A whole file: its tensors (in the header's order) and its {@code __metadata__} strings, both mutable LinkedHashMaps. */
    public record Contents(Map<String, Tensor> tensors, Map<String, String> metadata) {}

    // ------------------------------------------------------------------ dtypes

    /** The file's dtype names, their sizes, and the Kindling dtype each is read as. */
    private enum FileDType {
        F64(8, DType.FLOAT64), F32(4, DType.FLOAT32), F16(2, DType.FLOAT32), BF16(2, DType.FLOAT32),
        I64(8, DType.INT64), I32(4, DType.INT32), I16(2, DType.INT32), I8(1, DType.INT32),
        U32(4, DType.INT64), U16(2, DType.INT32), U8(1, DType.INT32), BOOL(1, DType.BOOL);

        final int itemSize;
        final DType readAs;

        FileDType(int itemSize, DType readAs) {
            this.itemSize = itemSize;
            this.readAs = readAs;
        }

        static FileDType parse(String name) {
            for (FileDType d : values()) if (d.name().equals(name)) return d;
            return null;
        }

        static FileDType forWriting(DType d) {
            switch (d) {
                case FLOAT32: return F32;
                case FLOAT64: return F64;
                case INT64: return I64;
                case INT32: return I32;
                case BOOL: return BOOL;
                default: return null;
            }
        }
    }

    private static final String READABLE = "F64, F32, F16, BF16, I64, I32, I16, I8, U32, U16, U8, BOOL";

    // ------------------------------------------------------------------ writing

    /**
     * Writes {@code tensors} to {@code path} (replacing it atomically), in the map's order. Tensors may be
     * views or on any device: each is written as its elements in row-major order. Throws
     * IllegalArgumentException, before touching any file, for a null name or tensor, the reserved name
     * {@code __metadata__}, or a dtype the format cannot hold.
     */
    public static void save(Map<String, Tensor> tensors, Path path) throws IOException { save(tensors, path, Map.of()); }

    /**
     * As {@link #save(Map, Path)}, also storing {@code metadata} as the header's {@code __metadata__}
     * (string to string, as the format allows; read it back with {@link #metadata(Path)} or {@link #read(Path)}).
     * <pre>{@code
     * Safetensors.save(model.stateDict(), path, Map.of("epoch", "3", "arch", "mlp-784-128-10"));
     * }</pre>
     */
    public static void save(Map<String, Tensor> tensors, Path path, Map<String, String> metadata) throws IOException {
        List<Entry> entries = plan(tensors, metadata);
        byte[] header = header(entries, metadata);
        writeAtomically(path, ch -> {
            ByteBuffer size = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, header.length);
            writeFully(ch, size);
            writeFully(ch, ByteBuffer.wrap(header));
            List<Entry> byOffset = new ArrayList<>(entries);
            byOffset.sort(Comparator.comparingLong(e -> e.begin));
            for (Entry e : byOffset) writeData(ch, e.dtype, e.tensor.data());
        });
    }

    /** One tensor's place in a file. {@code tensor} is set when writing, null when reading. */
    private static final class Entry {
        final String key;
        final FileDType dtype;
        final int[] shape;
        long begin, end;
        final Tensor tensor;

        Entry(String key, FileDType dtype, int[] shape, long begin, long end, Tensor tensor) {
            this.key = key;
            this.dtype = dtype;
            this.shape = shape;
            this.begin = begin;
            this.end = end;
            this.tensor = tensor;
        }

        String offsets() { return "[" + begin + ", " + end + "]"; }
    }

    /** Checks the input and assigns data offsets, before any file is opened. */
    private static List<Entry> plan(Map<String, Tensor> tensors, Map<String, String> metadata) {
        if (tensors == null) throw new IllegalArgumentException("Safetensors.save: the tensor map is null");
        if (metadata == null) throw new IllegalArgumentException("Safetensors.save: metadata is null; pass Map.of() for none");
        for (Map.Entry<String, String> m : metadata.entrySet()) {
            if (m.getKey() == null || m.getValue() == null) {
                throw new IllegalArgumentException("Safetensors.save: metadata entries must be non-null strings, got "
                        + m.getKey() + " = " + m.getValue());
            }
        }
        List<Entry> entries = new ArrayList<>();
        for (Map.Entry<String, Tensor> t : tensors.entrySet()) {
            String key = t.getKey();
            if (key == null) throw new IllegalArgumentException("Safetensors.save: a tensor has a null name");
            if (key.equals(METADATA_KEY)) {
                throw new IllegalArgumentException("Safetensors.save: \"" + METADATA_KEY + "\" is reserved for the metadata;"
                        + " pass metadata with save(tensors, path, metadata)");
            }
            if (t.getValue() == null) throw new IllegalArgumentException("Safetensors.save: tensor \"" + key + "\" is null");
            FileDType d = FileDType.forWriting(t.getValue().dtype());
            if (d == null) {
                throw new IllegalArgumentException("Safetensors.save: tensor \"" + key + "\" has dtype " + t.getValue().dtype()
                        + ", which safetensors files cannot hold");
            }
            entries.add(new Entry(key, d, t.getValue().shape(), 0, 0, t.getValue()));
        }
        // The header keeps the caller's order, but the data goes widest items first (stable, as the reference
        // writer sorts by alignment): with an 8-aligned start every tensor is then aligned to its item size,
        // which memory-mapping readers rely on.
        List<Entry> byAlignment = new ArrayList<>(entries);
        byAlignment.sort(Comparator.comparingInt((Entry e) -> -e.dtype.itemSize));
        long offset = 0;
        for (Entry e : byAlignment) {
            e.begin = offset;
            offset += Shapes.numel(e.shape) * e.dtype.itemSize;
            e.end = offset;
        }
        return entries;
    }

    /** The JSON header, padded with spaces to a multiple of 8 bytes so the data starts 8-aligned. */
    private static byte[] header(List<Entry> entries, Map<String, String> metadata) {
        StringBuilder json = new StringBuilder("{");
        if (!metadata.isEmpty()) {
            Json.writeString(json, METADATA_KEY);
            json.append(":{");
            boolean first = true;
            for (Map.Entry<String, String> m : metadata.entrySet()) {
                if (!first) json.append(',');
                first = false;
                Json.writeString(json, m.getKey());
                json.append(':');
                Json.writeString(json, m.getValue());
            }
            json.append('}');
            if (!entries.isEmpty()) json.append(',');
        }
        for (int i = 0; i < entries.size(); i++) {
            Entry e = entries.get(i);
            if (i > 0) json.append(',');
            Json.writeString(json, e.key);
            json.append(":{\"dtype\":\"").append(e.dtype.name()).append("\",\"shape\":[");
            for (int j = 0; j < e.shape.length; j++) json.append(j > 0 ? "," : "").append(e.shape[j]);
            json.append("],\"data_offsets\":[").append(e.begin).append(',').append(e.end).append("]}");
        }
        json.append('}');
        byte[] raw = json.toString().getBytes(StandardCharsets.UTF_8);
        int padded = (raw.length + 7) / 8 * 8;
        byte[] out = Arrays.copyOf(raw, padded);
        Arrays.fill(out, raw.length, padded, (byte) ' ');
        return out;
    }

    /** Streams one tensor's elements in row-major order, converting a slice at a time. */
    private static void writeData(FileChannel ch, FileDType d, NDArray a) throws IOException {
        // to*Array returns the elements in row-major order whatever the strides, copying from the device if needed.
        Object values;
        switch (d) {
            case F32: values = a.toFloatArray(); break;
            case F64: values = a.toDoubleArray(); break;
            case I64: values = a.toLongArray(); break;
            case I32: values = a.toIntArray(); break;
            default: values = a.toBooleanArray(); break;
        }
        int n = java.lang.reflect.Array.getLength(values);
        int perChunk = CHUNK_BYTES / d.itemSize;
        ByteBuffer buf = ByteBuffer.allocate(Math.min(n, perChunk) * d.itemSize).order(ByteOrder.LITTLE_ENDIAN);
        for (int start = 0; start < n; start += perChunk) {
            int count = Math.min(perChunk, n - start);
            buf.clear();
            switch (d) {
                // Bulk puts through typed views keep float bits exactly (NaN payloads included).
                case F32: buf.asFloatBuffer().put((float[]) values, start, count); break;
                case F64: buf.asDoubleBuffer().put((double[]) values, start, count); break;
                case I64: buf.asLongBuffer().put((long[]) values, start, count); break;
                case I32: buf.asIntBuffer().put((int[]) values, start, count); break;
                default: {
                    boolean[] b = (boolean[]) values;
                    for (int i = 0; i < count; i++) buf.put(i, (byte) (b[start + i] ? 1 : 0));
                }
            }
            buf.limit(count * d.itemSize);
            writeFully(ch, buf);
        }
    }

    private static void writeFully(FileChannel ch, ByteBuffer buf) throws IOException {
        while (buf.hasRemaining()) ch.write(buf);
    }

    /** Writes the new content of a file; may fail with any exception, which aborts the save. */
    interface Writer {
        void write(FileChannel ch) throws IOException;
    }

    /**
     * Writes to a fresh file beside {@code path}, forces it to disk, then renames it over {@code path}
     * (atomically where the file system can). On any failure the temporary file is deleted and
     * {@code path} is exactly as before.
     */
    static void writeAtomically(Path path, Writer writer) throws IOException {
        Path target = path.toAbsolutePath();
        // Writing through a symbolic link, as a plain write would, rather than replacing the link itself.
        if (Files.isSymbolicLink(target) && Files.exists(target)) target = target.toRealPath();
        if (Files.isDirectory(target)) throw new IOException(path + ": is a directory, not a file");
        Path dir = target.getParent();
        Path tmp = null;
        boolean done = false;
        try {
            // Our own name rather than Files.createTempFile, whose owner-only permissions would then stick to the target.
            for (int attempt = 0; tmp == null; attempt++) {
                Path candidate = dir.resolve("." + target.getFileName() + "." + Long.toHexString(ThreadLocalRandom.current().nextLong()) + ".tmp");
                try {
                    Files.newByteChannel(candidate, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE).close();
                    tmp = candidate;
                } catch (FileAlreadyExistsException e) {
                    if (attempt > 100) throw e;
                }
            }
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                writer.write(ch);
                ch.force(true);
            }
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
            done = true;
            syncDirectory(dir);
        } finally {
            if (!done && tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // The original failure matters more than a stray temporary file.
                }
            }
        }
    }

    /** Makes the rename itself durable; not every platform lets a directory be opened, hence best effort. */
    private static void syncDirectory(Path dir) {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException | UnsupportedOperationException ignored) {
            // Windows cannot open directories; the file's own data is already on disk.
        }
    }

    // ------------------------------------------------------------------ reading

    /**
     * Reads every tensor of a safetensors file into a LinkedHashMap in the header's order (mutable, so keys
     * can be renamed or dropped before {@code loadStateDict}), each a fresh CPU tensor in the dtype it is
     * read as (see the class notes). Throws {@link SafetensorsException} naming the file
     * (and the tensor) when the file is not valid; nothing is returned unless everything checks out.
     */
    public static Map<String, Tensor> load(Path path) throws IOException { return read(path).tensors(); }

    /** The file's tensors and its {@code __metadata__} (empty when absent). */
    public static Contents read(Path path) throws IOException {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            Header h = readHeader(path, ch);
            Map<String, Tensor> out = new LinkedHashMap<>();
            for (Entry e : h.entries) out.put(e.key, readTensor(path, ch, h.dataStart, e));
            return new Contents(out, h.metadata);
        }
    }

    /** Only the {@code __metadata__} strings (empty when absent), reading and checking just the header. */
    public static Map<String, String> metadata(Path path) throws IOException {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            return readHeader(path, ch).metadata;
        }
    }

    private record Header(List<Entry> entries, Map<String, String> metadata, long dataStart) {}

    private static Header readHeader(Path path, FileChannel ch) throws IOException {
        long fileSize = ch.size();
        if (fileSize < 8) {
            throw new SafetensorsException(path, "the file is " + fileSize + " bytes, too short for the 8-byte header size"
                    + " that starts a safetensors file");
        }
        ByteBuffer sizeBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        readFully(path, ch, sizeBuf, 0);
        long n = sizeBuf.getLong(0);
        if (n < 0 || n > fileSize - 8) {
            throw new SafetensorsException(path, "the header size says " + Long.toUnsignedString(n) + " bytes but only "
                    + (fileSize - 8) + " follow it: the file is truncated or not safetensors");
        }
        if (n > MAX_HEADER_SIZE) {
            throw new SafetensorsException(path, "the header size " + n + " is over the " + MAX_HEADER_SIZE + "-byte limit");
        }
        ByteBuffer headerBuf = ByteBuffer.allocate((int) n);
        readFully(path, ch, headerBuf, 8);
        headerBuf.flip();
        String text;
        try {
            CharBuffer chars = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(headerBuf);
            text = chars.toString();
        } catch (CharacterCodingException e) {
            throw new SafetensorsException(path, "the header is not valid UTF-8");
        }
        Object json;
        try {
            json = Json.parse(text);
        } catch (Json.ParseException e) {
            throw new SafetensorsException(path, e.getMessage());
        }
        if (!(json instanceof Map)) throw new SafetensorsException(path, "the header is JSON but not an object");
        long dataStart = 8 + n, dataSize = fileSize - dataStart;

        List<Entry> entries = new ArrayList<>();
        Map<String, String> metadata = new LinkedHashMap<>();
        for (Map.Entry<?, ?> kv : ((Map<?, ?>) json).entrySet()) {
            String key = (String) kv.getKey();
            if (key.equals(METADATA_KEY)) {
                metadata = parseMetadata(path, kv.getValue());
            } else {
                entries.add(parseEntry(path, key, kv.getValue()));
            }
        }
        for (Entry e : entries) {
            if (e.end > dataSize) {
                throw new SafetensorsException(path, e.key, "data_offsets " + e.offsets() + " run past the end of the data"
                        + " section (" + dataSize + " bytes): the file is truncated");
            }
        }
        // The format requires the tensors to tile the data section: no overlaps, no gaps, nothing left over.
        List<Entry> byOffset = new ArrayList<>(entries);
        byOffset.sort(Comparator.comparingLong((Entry e) -> e.begin).thenComparingLong(e -> e.end));
        long expected = 0;
        Entry previous = null;
        for (Entry e : byOffset) {
            if (e.begin < expected) {
                throw new SafetensorsException(path, e.key, "data_offsets " + e.offsets() + " overlap tensor \"" + previous.key
                        + "\" at " + previous.offsets());
            }
            if (e.begin > expected) {
                throw new SafetensorsException(path, e.key, "data_offsets " + e.offsets() + " leave a gap of "
                        + (e.begin - expected) + " bytes before them (the data must be contiguous, starting at 0)");
            }
            expected = e.end;
            previous = e;
        }
        if (expected != dataSize) {
            throw new SafetensorsException(path, "the tensors cover " + expected + " bytes of data but the file has "
                    + dataSize + " after the header");
        }
        return new Header(entries, metadata, dataStart);
    }

    private static Map<String, String> parseMetadata(Path path, Object value) throws SafetensorsException {
        if (!(value instanceof Map)) throw new SafetensorsException(path, "\"" + METADATA_KEY + "\" must be an object of strings");
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<?, ?> m : ((Map<?, ?>) value).entrySet()) {
            if (!(m.getValue() instanceof String)) {
                throw new SafetensorsException(path, "\"" + METADATA_KEY + "\" entry \"" + m.getKey() + "\" must be a string, got "
                        + m.getValue());
            }
            out.put((String) m.getKey(), (String) m.getValue());
        }
        return out;
    }

    private static Entry parseEntry(Path path, String key, Object value) throws SafetensorsException {
        if (!(value instanceof Map)) throw new SafetensorsException(path, key, "the header entry must be an object, got " + value);
        Map<?, ?> info = (Map<?, ?>) value;
        Object dt = info.get("dtype");
        if (!(dt instanceof String)) throw new SafetensorsException(path, key, "\"dtype\" must be a string, got " + dt);
        FileDType dtype = FileDType.parse((String) dt);
        if (dtype == null) {
            throw new SafetensorsException(path, key, "unknown dtype \"" + dt + "\" (Kindling reads " + READABLE + ")");
        }
        long[] shapeL = naturals(path, key, "shape", info.get("shape"), -1);
        long[] offsets = naturals(path, key, "data_offsets", info.get("data_offsets"), 2);
        int[] shape = new int[shapeL.length];
        long numel = 1;
        for (int i = 0; i < shape.length; i++) {
            if (shapeL[i] > Integer.MAX_VALUE) throw new SafetensorsException(path, key, "shape " + Arrays.toString(shapeL) + " is too large");
            shape[i] = (int) shapeL[i];
            numel = numel == 0 || shapeL[i] == 0 ? 0 : multiplyOrMax(numel, shapeL[i]);
        }
        if (numel > Integer.MAX_VALUE - 8) {
            throw new SafetensorsException(path, key, "shape " + Shapes.str(shape) + " has " + numel
                    + " elements, more than one Kindling tensor holds");
        }
        Entry e = new Entry(key, dtype, shape, offsets[0], offsets[1], null);
        if (e.begin > e.end) throw new SafetensorsException(path, key, "data_offsets " + e.offsets() + " end before they begin");
        long need = numel * dtype.itemSize;
        if (e.end - e.begin != need) {
            throw new SafetensorsException(path, key, "data_offsets " + e.offsets() + " span " + (e.end - e.begin) + " bytes but "
                    + dtype + " " + Shapes.str(shape) + " needs " + need);
        }
        return e;
    }

    private static long multiplyOrMax(long a, long b) {
        long r = a * b;
        return Math.multiplyHigh(a, b) != 0 || r < 0 ? Long.MAX_VALUE : r;
    }

    /** A JSON array of non-negative integers ({@code length} of them unless -1). */
    private static long[] naturals(Path path, String key, String field, Object v, int length) throws SafetensorsException {
        String expected = length < 0 ? "an array of non-negative integers" : "an array of " + length + " non-negative integers";
        if (!(v instanceof List)) throw new SafetensorsException(path, key, "\"" + field + "\" must be " + expected + ", got " + v);
        List<?> list = (List<?>) v;
        if (length >= 0 && list.size() != length) {
            throw new SafetensorsException(path, key, "\"" + field + "\" must be " + expected + ", got " + v);
        }
        long[] out = new long[list.size()];
        for (int i = 0; i < out.length; i++) {
            if (!(list.get(i) instanceof Long) || (Long) list.get(i) < 0) {
                throw new SafetensorsException(path, key, "\"" + field + "\" must be " + expected + ", got " + v);
            }
            out[i] = (Long) list.get(i);
        }
        return out;
    }

    private static void readFully(Path path, FileChannel ch, ByteBuffer buf, long position) throws IOException {
        long at = position;
        while (buf.hasRemaining()) {
            int r = ch.read(buf, at);
            if (r < 0) throw new SafetensorsException(path, "the file ended at byte " + at + " while reading it (was it truncated meanwhile?)");
            at += r;
        }
    }

    private static Tensor readTensor(Path path, FileChannel ch, long dataStart, Entry e) throws IOException {
        int n = (int) Shapes.numel(e.shape);
        Object values;
        switch (e.dtype.readAs) {
            case FLOAT32: values = new float[n]; break;
            case FLOAT64: values = new double[n]; break;
            case INT64: values = new long[n]; break;
            case INT32: values = new int[n]; break;
            default: values = new boolean[n]; break;
        }
        int perChunk = CHUNK_BYTES / e.dtype.itemSize;
        ByteBuffer buf = ByteBuffer.allocate(Math.min(n, perChunk) * e.dtype.itemSize).order(ByteOrder.LITTLE_ENDIAN);
        for (int start = 0; start < n; start += perChunk) {
            int count = Math.min(perChunk, n - start);
            buf.clear().limit(count * e.dtype.itemSize);
            readFully(path, ch, buf, dataStart + e.begin + (long) start * e.dtype.itemSize);
            buf.flip();
            decode(e.dtype, buf, values, start, count);
        }
        return Tensor.wrap(NDArray.of(values, e.shape));
    }

    private static void decode(FileDType d, ByteBuffer b, Object dst, int at, int count) {
        switch (d) {
            case F32: b.asFloatBuffer().get((float[]) dst, at, count); break;
            case F64: b.asDoubleBuffer().get((double[]) dst, at, count); break;
            case I64: b.asLongBuffer().get((long[]) dst, at, count); break;
            case I32: b.asIntBuffer().get((int[]) dst, at, count); break;
            case F16: for (int i = 0; i < count; i++) ((float[]) dst)[at + i] = halfToFloat(b.getShort(2 * i)); break;
            case BF16: for (int i = 0; i < count; i++) ((float[]) dst)[at + i] = Float.intBitsToFloat(b.getShort(2 * i) << 16); break;
            case I16: for (int i = 0; i < count; i++) ((int[]) dst)[at + i] = b.getShort(2 * i); break;
            case U16: for (int i = 0; i < count; i++) ((int[]) dst)[at + i] = b.getShort(2 * i) & 0xFFFF; break;
            case I8: for (int i = 0; i < count; i++) ((int[]) dst)[at + i] = b.get(i); break;
            case U8: for (int i = 0; i < count; i++) ((int[]) dst)[at + i] = b.get(i) & 0xFF; break;
            case U32: for (int i = 0; i < count; i++) ((long[]) dst)[at + i] = b.getInt(4 * i) & 0xFFFFFFFFL; break;
            case BOOL: for (int i = 0; i < count; i++) ((boolean[]) dst)[at + i] = b.get(i) != 0; break;
            default: throw new AssertionError(d);
        }
    }

    /** IEEE 754 binary16 to float32, exactly (every half is a float); Float.float16ToFloat needs Java 20. */
    static float halfToFloat(short h) {
        int sign = (h & 0x8000) << 16;
        int exp = (h >>> 10) & 0x1F;
        int mant = h & 0x3FF;
        if (exp == 0x1F) return Float.intBitsToFloat(sign | 0x7F800000 | (mant << 13)); // inf, NaN (payload kept)
        if (exp == 0) {
            if (mant == 0) return Float.intBitsToFloat(sign); // signed zero
            // Subnormal half: mant * 2^-24, exact in float.
            float v = mant * 0x1p-24f;
            return sign != 0 ? -v : v;
        }
        return Float.intBitsToFloat(sign | ((exp - 15 + 127) << 23) | (mant << 13));
    }
}
