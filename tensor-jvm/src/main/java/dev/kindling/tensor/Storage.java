package dev.kindling.tensor;

/**
 * A flat buffer of elements on one device, shared by every view of it. The version counter counts
 * in-place writes through any view, so autograd can tell that a tensor it saved was modified.
 */
public abstract class Storage {
    private int version;

    public abstract Device device();

    public abstract DType dtype();

    /** Capacity in elements. */
    public abstract int size();

    public final int version() { return version; }

    public final void bumpVersion() { version++; }
}
