package dev.kindling.tensor;

import java.util.concurrent.atomic.AtomicLong;

/**
 * A flat buffer of elements on one device, shared by every view of it. The version counter counts
 * in-place writes through any view, so autograd can tell that a tensor it saved was modified.
 */
public abstract class Storage {
    private static final AtomicLong CREATED = new AtomicLong();

    private int version;
    private final long serial = CREATED.incrementAndGet();

    public abstract Device device();

    public abstract DType dtype();

    /** Capacity in elements. */
    public abstract int size();

    public final int version() { return version; }

    public final void bumpVersion() { version++; }

    /**
     * Storages are numbered in the order they were created, so autograd can tell a buffer made
     * during a backward pass (greater than {@link #lastSerial()} read when the pass began) from one
     * that existed before it and may be held elsewhere.
     */
    public final long serial() { return serial; }

    /** The serial of the most recently created storage (0 before the first). */
    public static long lastSerial() { return CREATED.get(); }
}
