package dev.kindling.cuda;

import dev.kindling.tensor.DType;
import java.util.concurrent.atomic.AtomicLong;
import org.bytedeco.cuda.global.cudart;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.CharPointer;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.PointerPointer;
import org.bytedeco.javacpp.ShortPointer;

/**
 * Host-device copies through one pinned (page-locked) host buffer per device. The DMA engine reads
 * and writes pinned memory directly, while a copy from pageable memory is staged by the driver
 * through a pinned buffer of its own anyway; Java arrays can move during a copy, so they go through
 * here in chunks of at most 16 MiB. Copies are serialised per device and wait for the stream, since
 * the next chunk reuses the buffer and a download's data must be there when the method returns.
 * Every copy is counted ({@link Cuda#transferStats()}).
 */
final class Staging {
    private static final long CHUNK = 16L << 20;
    static final AtomicLong H2D_COPIES = new AtomicLong(), H2D_BYTES = new AtomicLong();
    static final AtomicLong D2H_COPIES = new AtomicLong(), D2H_BYTES = new AtomicLong();

    private final CudaDevice device;
    private BytePointer pinned;

    Staging(CudaDevice device) { this.device = device; }

    private BytePointer buffer() {
        if (pinned == null) {
            device.makeCurrent();
            PointerPointer<BytePointer> p = new PointerPointer<>(1);
            Driver.check(cudart.cuMemAllocHost(p, CHUNK), "cuMemAllocHost(" + CHUNK + " bytes)");
            pinned = new BytePointer(p.get(0)).capacity(CHUNK);
        }
        return pinned;
    }

    /** Copies a Java array of {@code dtype}'s type to device memory at {@code dst}. */
    synchronized void upload(Object array, DType dtype, long dst) {
        int n = java.lang.reflect.Array.getLength(array), item = dtype.itemSize();
        if (n == 0) return;
        BytePointer buf = buffer();
        int per = (int) (CHUNK / item);
        for (int from = 0; from < n; from += per) {
            int len = Math.min(per, n - from);
            switch (dtype) {
                case FLOAT32: new FloatPointer(buf).put((float[]) array, from, len); break;
                case FLOAT64: new DoublePointer(buf).put((double[]) array, from, len); break;
                case INT64: new LongPointer(buf).put((long[]) array, from, len); break;
                case INT32: new IntPointer(buf).put((int[]) array, from, len); break;
                case FLOAT16: new ShortPointer(buf).put((short[]) array, from, len); break;
                case BFLOAT16: new CharPointer(buf).put((char[]) array, from, len); break;
                default: {
                    boolean[] b = (boolean[]) array;
                    byte[] bytes = new byte[len];
                    for (int i = 0; i < len; i++) bytes[i] = b[from + i] ? (byte) 1 : 0;
                    buf.put(bytes, 0, len);
                }
            }
            long bytes = (long) len * item;
            device.makeCurrent();
            Driver.check(cudart.cuMemcpyHtoDAsync(dst + (long) from * item, buf, bytes, device.stream()), "cuMemcpyHtoDAsync");
            device.synchronize();
            H2D_COPIES.incrementAndGet();
            H2D_BYTES.addAndGet(bytes);
        }
    }

    /** The {@code n} elements of {@code dtype} at device address {@code src}, as a new Java array. */
    synchronized Object download(long src, DType dtype, int n) {
        int item = dtype.itemSize();
        Object out = java.lang.reflect.Array.newInstance(dtype.javaType(), n);
        if (n == 0) return out;
        BytePointer buf = buffer();
        int per = (int) (CHUNK / item);
        for (int from = 0; from < n; from += per) {
            int len = Math.min(per, n - from);
            long bytes = (long) len * item;
            device.makeCurrent();
            Driver.check(cudart.cuMemcpyDtoHAsync(buf, src + (long) from * item, bytes, device.stream()), "cuMemcpyDtoHAsync");
            device.synchronize();
            D2H_COPIES.incrementAndGet();
            D2H_BYTES.addAndGet(bytes);
            switch (dtype) {
                case FLOAT32: new FloatPointer(buf).get((float[]) out, from, len); break;
                case FLOAT64: new DoublePointer(buf).get((double[]) out, from, len); break;
                case INT64: new LongPointer(buf).get((long[]) out, from, len); break;
                case INT32: new IntPointer(buf).get((int[]) out, from, len); break;
                case FLOAT16: new ShortPointer(buf).get((short[]) out, from, len); break;
                case BFLOAT16: new CharPointer(buf).get((char[]) out, from, len); break;
                default: {
                    boolean[] b = (boolean[]) out;
                    byte[] bytesOut = new byte[len];
                    buf.get(bytesOut, 0, len);
                    for (int i = 0; i < len; i++) b[from + i] = bytesOut[i] != 0;
                }
            }
        }
        return out;
    }
}
