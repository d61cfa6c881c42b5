package dev.kindling.data;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/**
 * Reads the IDX files MNIST-style datasets ship (raw, or gzip-compressed whatever the file's name) and
 * checks them before anything trusts them: the magic number (2051: unsigned bytes in 3 dims, images;
 * 2049: unsigned bytes in 1 dim, labels), the dimensions, and that the file holds exactly the bytes its
 * header announces. Every error names the file.
 */
final class Idx {
    static final int IMAGES_MAGIC = 0x00000803, LABELS_MAGIC = 0x00000801;
    static final int IMAGES_HEADER = 16, LABELS_HEADER = 8;

    private Idx() {}

    /** {@code count} images of {@code rows x cols} bytes, stored from {@code data[IMAGES_HEADER]} on. */
    record Images(int count, int rows, int cols, byte[] data) {
        byte[] image(int i) {
            int size = rows * cols, from = IMAGES_HEADER + i * size;
            byte[] out = new byte[size];
            System.arraycopy(data, from, out, 0, size);
            return out;
        }
    }

    static Images readImages(String dataset, Path file) {
        byte[] b = contents(dataset, file);
        header(dataset, file, b, IMAGES_MAGIC, IMAGES_HEADER, "images");
        int count = readInt(b, 4), rows = readInt(b, 8), cols = readInt(b, 12);
        if (count < 0 || rows <= 0 || cols <= 0) {
            throw new DatasetException(dataset + ": " + file + " has a corrupt header: " + count + " images of " + rows + " x " + cols);
        }
        checkSize(dataset, file, b, IMAGES_HEADER + (long) count * rows * cols, count + " images of " + rows + " x " + cols);
        return new Images(count, rows, cols, b);
    }

    /** The labels, one byte each, from {@code LABELS_HEADER} on in the returned array. */
    static byte[] readLabels(String dataset, Path file) {
        byte[] b = contents(dataset, file);
        header(dataset, file, b, LABELS_MAGIC, LABELS_HEADER, "labels");
        int count = readInt(b, 4);
        if (count < 0) throw new DatasetException(dataset + ": " + file + " has a corrupt header: " + count + " labels");
        checkSize(dataset, file, b, LABELS_HEADER + (long) count, count + " labels");
        return b;
    }

    /** The file's bytes, decompressed when they start with gzip's magic bytes. */
    static byte[] contents(String dataset, Path file) {
        try (InputStream in = open(file)) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new DatasetException(dataset + ": cannot read " + file + ": " + e.getMessage()
                    + (isGzip(file) ? " (the gzip stream is damaged or cut short)" : ""), e);
        }
    }

    /** A stream of the file's IDX bytes, through gunzip when the file is compressed. */
    static InputStream open(Path file) throws IOException {
        InputStream in = Files.newInputStream(file);
        return isGzip(file) ? new GZIPInputStream(in, 1 << 16) : in;
    }

    static boolean isGzip(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            return in.read() == 0x1f && in.read() == 0x8b;
        } catch (IOException e) {
            return false;
        }
    }

    private static void header(String dataset, Path file, byte[] b, int magic, int headerBytes, String what) {
        if (b.length < headerBytes) {
            throw new DatasetException(dataset + ": " + file + " is " + b.length + " bytes, too short for the "
                    + headerBytes + "-byte header of an IDX " + what + " file");
        }
        int got = readInt(b, 0);
        if (got != magic) {
            String hint = got == IMAGES_MAGIC ? " (an IDX images file)" : got == LABELS_MAGIC ? " (an IDX labels file)" : "";
            throw new DatasetException(dataset + ": " + file + " is not an IDX " + what + " file: its magic number is "
                    + got + hint + ", expected " + magic);
        }
    }

    private static void checkSize(String dataset, Path file, byte[] b, long expected, String header) {
        if (b.length == expected) return;
        throw new DatasetException(dataset + ": " + file + (b.length < expected ? " is truncated" : " has trailing bytes")
                + ": its header says " + header + ", which take " + expected + " bytes" + (isGzip(file) ? " uncompressed" : "")
                + ", but it holds " + b.length + "; delete it to fetch it again");
    }

    private static int readInt(byte[] b, int at) {
        return (b[at] & 0xFF) << 24 | (b[at + 1] & 0xFF) << 16 | (b[at + 2] & 0xFF) << 8 | (b[at + 3] & 0xFF);
    }
}
