package dev.kindling;

import dev.kindling.tensor.Allocations;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.bytedeco.javacpp.Pointer;

/**
 * Where the memory is. CPU tensors live in Java heap arrays, so the garbage collector frees them as
 * soon as nothing (no tensor, no graph) references them; native memory is only the BLAS staging
 * buffers and, with CUDA, device memory.
 * <pre>{@code
 * System.out.println(Memory.memoryStats());
 * Memory.trackAllocations(true);               // or -Dkindling.trackAllocations=true
 * ... run a few steps ...
 * System.out.println(Memory.liveAllocationReport());
 * }</pre>
 */
public final class Memory {
    private Memory() {}

    /**
     * A snapshot: JVM heap used / committed / max, native bytes JavaCPP holds, the process's resident
     * set size, and (when tracking) the number and bytes of tracked storages still alive.
     */
    public record MemoryStats(long heapUsedBytes, long heapCommittedBytes, long heapMaxBytes, long nativeBytes,
                              long residentBytes, int trackedLiveStorages, long trackedLiveBytes) {
        @Override
        public String toString() {
            return String.format("heap %s used / %s committed / %s max, native %s, resident %s%s", mib(heapUsedBytes),
                    mib(heapCommittedBytes), mib(heapMaxBytes), mib(nativeBytes), mib(residentBytes),
                    Allocations.isTracking() ? String.format(", tracked %d storages (%s)", trackedLiveStorages, mib(trackedLiveBytes)) : "");
        }
    }

    public static MemoryStats memoryStats() {
        Runtime rt = Runtime.getRuntime();
        List<Allocations.Live> live = Allocations.isTracking() ? Allocations.live() : List.of();
        long tracked = live.stream().mapToLong(Allocations.Live::bytes).sum();
        return new MemoryStats(rt.totalMemory() - rt.freeMemory(), rt.totalMemory(), rt.maxMemory(), Pointer.totalBytes(),
                Pointer.physicalBytes(), live.size(), tracked);
    }

    /** Turns the leak detector on or off: each storage then records the user code that allocated it. */
    public static void trackAllocations(boolean on) { Allocations.track(on); }

    /** The tracked storages still alive, grouped by creation site, largest first. */
    public static String liveAllocationReport() {
        if (!Allocations.isTracking()) return "allocation tracking is off: call Memory.trackAllocations(true) first";
        Map<String, List<Allocations.Live>> bySite = Allocations.live().stream().collect(Collectors.groupingBy(Allocations.Live::site));
        Map<String, Long> bytes = new HashMap<>();
        bySite.forEach((site, list) -> bytes.put(site, list.stream().mapToLong(Allocations.Live::bytes).sum()));
        StringBuilder s = new StringBuilder("live storages by creation site:\n");
        bySite.keySet().stream()
                .sorted(Comparator.comparingLong((String site) -> -bytes.get(site)))
                .forEach(site -> s.append(String.format("  %6d storages %10s  %s%n", bySite.get(site).size(), mib(bytes.get(site)), site)));
        return s.toString();
    }

    private static String mib(long bytes) { return String.format("%.1f MiB", bytes / (1024.0 * 1024)); }
}
