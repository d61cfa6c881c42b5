package dev.kindling.tensor;

import dev.kindling.tensor.cpu.CpuBackend;
import java.util.List;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Finds the {@link Backend} for a device. The CPU backend is built in; others (CUDA) are discovered
 * with {@link ServiceLoader} so nothing here depends on them at compile time.
 */
public final class Backends {
    private static final List<Backend> discovered = new CopyOnWriteArrayList<>();
    private static volatile boolean loaded;

    private Backends() {}

    /** The backend that owns {@code device}; a clear error when none is available. */
    public static Backend of(Device device) {
        if (device.isCpu()) return CpuBackend.INSTANCE;
        return find(device).orElseThrow(() -> new IllegalStateException(
                "no backend for device " + device + ": add kindling-cuda to the class path and check "
                        + "that a GPU and its driver are present (Kindling.doctor() says what is missing)"));
    }

    static Optional<Backend> find(Device device) {
        if (device.isCpu()) return Optional.of(CpuBackend.INSTANCE);
        if (!loaded) load();
        for (Backend b : discovered) if (b.supports(device)) return Optional.of(b);
        return Optional.empty();
    }

    private static synchronized void load() {
        if (loaded) return;
        for (Backend b : ServiceLoader.load(Backend.class)) discovered.add(b);
        loaded = true;
    }
}
