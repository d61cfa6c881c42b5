package dev.kindling.tensor;

import java.lang.ref.Reference;
import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The leak detector behind {@link dev.kindling.Memory#trackAllocations}: when on, every storage a
 * backend allocates is remembered (weakly, so tracking never keeps one alive) with where it was
 * created, so the storages still alive can be listed by creation site. Off by default: it walks the
 * stack on every allocation.
 */
public final class Allocations {
    /** One live storage: its size, kind and the user-side frames that allocated it. */
    public record Live(long bytes, DType dtype, Device device, String site) {}

    private static volatile boolean tracking = Boolean.getBoolean("kindling.trackAllocations");
    private static final ReferenceQueue<Storage> COLLECTED = new ReferenceQueue<>();
    private static final Map<Reference<? extends Storage>, Live> LIVE = new ConcurrentHashMap<>();

    private Allocations() {}

    public static void track(boolean on) {
        tracking = on;
        if (!on) LIVE.clear();
    }

    public static boolean isTracking() { return tracking; }

    /** Called by backends for each new storage. */
    public static void record(Storage s) {
        if (!tracking) return;
        purge();
        LIVE.put(new WeakReference<>(s, COLLECTED), new Live((long) s.size() * s.dtype().itemSize(), s.dtype(), s.device(), CallSites.userFrames(3)));
    }

    /** The tracked storages not yet collected (call after your own code dropped what it should have). */
    public static List<Live> live() {
        purge();
        List<Live> out = new ArrayList<>();
        for (Map.Entry<Reference<? extends Storage>, Live> e : LIVE.entrySet()) if (e.getKey().get() != null) out.add(e.getValue());
        return out;
    }

    private static void purge() {
        Reference<? extends Storage> r;
        while ((r = COLLECTED.poll()) != null) LIVE.remove(r);
    }
}
