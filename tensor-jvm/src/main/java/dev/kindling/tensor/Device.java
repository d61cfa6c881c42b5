package dev.kindling.tensor;

import java.util.Objects;

/** Where a tensor's storage lives: {@link #CPU} or {@code cuda(i)}. */
public final class Device {
    public enum Type { CPU, CUDA }

    public static final Device CPU = new Device(Type.CPU, -1);

    private final Type type;
    private final int index;

    private Device(Type type, int index) {
        this.type = type;
        this.index = index;
    }

    public static Device cuda(int index) {
        if (index < 0) throw new IllegalArgumentException("Device.cuda: index must be >= 0, got " + index);
        return new Device(Type.CUDA, index);
    }

    /** True when a CUDA backend is on the class path and reports at least one usable GPU. */
    public static boolean cudaAvailable() {
        return Backends.find(cuda(0)).isPresent();
    }

    public Type type() { return type; }

    public int index() { return index; }

    public boolean isCpu() { return type == Type.CPU; }

    @Override
    public boolean equals(Object o) {
        return o instanceof Device && ((Device) o).type == type && ((Device) o).index == index;
    }

    @Override
    public int hashCode() { return Objects.hash(type, index); }

    /** {@code cpu} or {@code cuda:0}, as PyTorch prints devices. */
    @Override
    public String toString() { return type == Type.CPU ? "cpu" : "cuda:" + index; }
}
