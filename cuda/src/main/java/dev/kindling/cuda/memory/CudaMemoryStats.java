package dev.kindling.cuda.memory;

/**
 * A snapshot of one device's caching allocator, named after PyTorch's {@code torch.cuda.memory_stats}:
 * allocated bytes are held by live tensors (sizes rounded as allocated), reserved bytes are all the
 * segments taken from the driver, so {@code reserved - allocated} sits cached for reuse.
 *
 * @param allocatedBytes     bytes in blocks held by live storages
 * @param peakAllocatedBytes the most {@code allocatedBytes} has been
 * @param reservedBytes      bytes taken from the driver (segments), cached or not
 * @param peakReservedBytes  the most {@code reservedBytes} has been
 * @param activeBlocks       blocks held by live storages
 * @param segments           regions taken from the driver and not yet returned
 * @param allocations        every allocation served, from the cache or the driver
 * @param driverMallocs      allocations that had to ask the driver for a new segment
 * @param driverFrees        segments returned to the driver ({@code emptyCache} or on exhaustion)
 * @param collections        garbage collections the allocator asked for (memory pressure or exhaustion)
 */
public record CudaMemoryStats(String device, long allocatedBytes, long peakAllocatedBytes, long reservedBytes,
                              long peakReservedBytes, long activeBlocks, long segments, long allocations,
                              long driverMallocs, long driverFrees, long collections) {
    /** Bytes reserved but not held by any tensor: what {@code emptyCache()} could return. */
    public long cachedBytes() { return reservedBytes - allocatedBytes; }

    @Override
    public String toString() {
        return String.format("%s: allocated %s (peak %s) in %d blocks, reserved %s (peak %s) in %d segments, cached %s; "
                        + "%d allocations, %d driver mallocs, %d driver frees, %d collections",
                device, bytes(allocatedBytes), bytes(peakAllocatedBytes), activeBlocks, bytes(reservedBytes),
                bytes(peakReservedBytes), segments, bytes(cachedBytes()), allocations, driverMallocs, driverFrees, collections);
    }

    /** Bytes in the largest binary unit that keeps the number at least 1 ({@code 1.50 GiB}). */
    public static String bytes(long b) {
        if (b < 1024) return b + " B";
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double v = b;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format("%.2f %s", v, units[u]);
    }
}
