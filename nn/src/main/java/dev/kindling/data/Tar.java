package dev.kindling.data;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * The few lines of the ustar format needed to read an npm package (a gzip-compressed tar): 512-byte
 * headers with the name and an octal size, each entry's data padded to a multiple of 512 bytes. Only
 * regular files are reported; pax and GNU extension headers are skipped as data.
 */
final class Tar {
    private static final int BLOCK = 512;

    private Tar() {}

    interface EntryHandler {
        /** Called for each regular file; may read {@code data} (at most {@code size} bytes are there). */
        void entry(String name, long size, InputStream data) throws IOException;
    }

    static void read(InputStream in, EntryHandler handler) throws IOException {
        byte[] header = new byte[BLOCK];
        while (true) {
            if (!readBlock(in, header)) return;
            if (isZero(header)) return;   // two zero blocks end the archive; one is enough to stop
            String name = string(header, 0, 100);
            String prefix = string(header, 345, 155);
            if (!prefix.isEmpty()) name = prefix + "/" + name;
            long size = octal(header, 124, 12);
            byte type = header[156];
            BoundedStream data = new BoundedStream(in, size);
            if (type == '0' || type == 0) handler.entry(name, size, data);
            data.skipRest();
            long pad = (BLOCK - size % BLOCK) % BLOCK;
            skipFully(in, pad);
        }
    }

    private static boolean readBlock(InputStream in, byte[] block) throws IOException {
        int n = in.readNBytes(block, 0, BLOCK);
        if (n == 0) return false;
        if (n < BLOCK) throw new EOFException("tar: the archive ends inside a header");
        return true;
    }

    private static boolean isZero(byte[] b) {
        for (byte x : b) if (x != 0) return false;
        return true;
    }

    private static String string(byte[] b, int from, int length) {
        int end = from;
        while (end < from + length && b[end] != 0) end++;
        return new String(b, from, end - from, StandardCharsets.UTF_8);
    }

    private static long octal(byte[] b, int from, int length) throws IOException {
        String s = string(b, from, length).trim();
        try {
            return s.isEmpty() ? 0 : Long.parseLong(s, 8);
        } catch (NumberFormatException e) {
            throw new IOException("tar: bad size field '" + s + "'", e);
        }
    }

    private static void skipFully(InputStream in, long n) throws IOException {
        while (n > 0) {
            long s = in.skip(n);
            if (s <= 0) {
                if (in.read() < 0) throw new EOFException("tar: the archive ends inside an entry");
                s = 1;
            }
            n -= s;
        }
    }

    /** One entry's data: reads stop at its end, and the rest is skipped before the next header. */
    private static final class BoundedStream extends InputStream {
        private final InputStream in;
        private long left;

        BoundedStream(InputStream in, long size) {
            this.in = in;
            this.left = size;
        }

        @Override
        public int read() throws IOException {
            if (left <= 0) return -1;
            int b = in.read();
            if (b < 0) throw new EOFException("tar: the archive ends inside an entry");
            left--;
            return b;
        }

        @Override
        public int read(byte[] buf, int off, int len) throws IOException {
            if (left <= 0) return -1;
            int n = in.read(buf, off, (int) Math.min(len, left));
            if (n < 0) throw new EOFException("tar: the archive ends inside an entry");
            left -= n;
            return n;
        }

        @Override
        public void close() {}

        void skipRest() throws IOException {
            skipFully(in, left);
            left = 0;
        }
    }
}
