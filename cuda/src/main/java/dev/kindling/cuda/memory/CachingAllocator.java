package dev.kindling.cuda.memory;

import java.lang.ref.PhantomReference;
import java.lang.ref.Reference;
import java.lang.ref.ReferenceQueue;
import java.util.Comparator;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A caching allocator with size-bucketed pools, after PyTorch's CUDA caching allocator
 * (c10/cuda/CUDACachingAllocator.cpp). {@code cudaMalloc} and {@code cudaFree} synchronise the device
 * and cost tens of microseconds, while a training step frees and re-requests the same sizes every
 * iteration, so freed blocks stay cached and are handed out again:
 * <ul>
 *   <li>requests round up to 512 bytes; those up to 1 MiB come from the small pool, carved out of
 *       2 MiB segments; larger ones from the large pool, whose segments are 20 MiB for requests under
 *       10 MiB and the request rounded up to 2 MiB otherwise;</li>
 *   <li>a request takes the smallest cached block that fits (best fit), split when the rest is
 *       worth keeping (at least 512 bytes in the small pool, more than 1 MiB in the large one);</li>
 *   <li>a freed block merges with free neighbours of its segment;</li>
 *   <li>when the driver has no memory left: release every wholly free segment, collect garbage once
 *       so unreachable tensors return their blocks, retry, and only then throw
 *       {@link CudaOutOfMemoryError} saying what is allocated and reserved.</li>
 * </ul>
 * Blocks return when their storage becomes unreachable: {@link #track} ties a block to its owner
 * with a phantom reference, and the queue of collected owners is drained on every allocation (so
 * frees happen on allocating threads, never concurrently from a cleaner thread) and, at exhaustion,
 * right after the collection. Storages the framework knows are dead return at once through
 * {@link Lease#release()}.
 *
 * <p>The JVM collects when its heap fills, not when the device does: a loop whose Java garbage is
 * small but whose tensors are large would reserve device memory long before a collection returns
 * it. So before growing past {@code gcThreshold} reserved bytes the allocator collects once; the
 * next threshold is twice what was still live, so collections stay rare when a model really needs
 * the memory (PyTorch's {@code garbage_collection_threshold} plays the same part).
 *
 * <p>All ops run on one stream per device, in order, so a block freed here can be handed to the
 * next request at once: any kernel still using it was queued before any kernel of the new owner.
 */
public final class CachingAllocator {
    static final long MIN_BLOCK = 512;
    static final long SMALL_SIZE = 1L << 20;
    static final long SMALL_BUFFER = 2L << 20;
    static final long LARGE_BUFFER = 20L << 20;
    static final long MIN_LARGE_ALLOC = 10L << 20;
    static final long ROUND_LARGE = 2L << 20;

    private static final Comparator<Block> BY_SIZE =
            Comparator.comparingLong((Block b) -> b.size).thenComparingLong(b -> b.address);

    private final String device;
    private final RawMemory raw;
    private final Runnable gc;
    private final TreeSet<Block> smallPool = new TreeSet<>(BY_SIZE), largePool = new TreeSet<>(BY_SIZE);
    private final ReferenceQueue<Object> collected = new ReferenceQueue<>();
    private final Set<Lease> leases = ConcurrentHashMap.newKeySet();
    private long gcThreshold;
    private long nextCollectAt;

    private long allocated, peakAllocated, reserved, peakReserved, activeBlocks, segments;
    private long allocations, driverMallocs, driverFrees, collections;

    /**
     * @param device      the device's name, for messages ({@code cuda:0})
     * @param raw         the driver's allocator
     * @param gc          asks the JVM to collect ({@code System::gc}); tests may pass their own
     * @param gcThreshold reserved bytes past which the allocator collects before growing
     */
    public CachingAllocator(String device, RawMemory raw, Runnable gc, long gcThreshold) {
        this.device = device;
        this.raw = raw;
        this.gc = gc;
        setGcThreshold(gcThreshold);
    }

    /** Requests round up to a multiple of 512 bytes (at least 512). */
    static long roundSize(long bytes) {
        return bytes < MIN_BLOCK ? MIN_BLOCK : MIN_BLOCK * ((bytes + MIN_BLOCK - 1) / MIN_BLOCK);
    }

    /** The size of the segment requested from the driver when no cached block fits a rounded request. */
    static long segmentSize(long size) {
        if (size <= SMALL_SIZE) return SMALL_BUFFER;
        if (size < MIN_LARGE_ALLOC) return LARGE_BUFFER;
        return ROUND_LARGE * ((size + ROUND_LARGE - 1) / ROUND_LARGE);
    }

    public synchronized void setGcThreshold(long bytes) {
        if (bytes <= 0) throw new IllegalArgumentException("gcThreshold must be positive, got " + bytes);
        gcThreshold = bytes;
        nextCollectAt = Math.max(bytes, 2 * allocated);
    }

    /** A block of at least {@code bytes} bytes; {@link #free} or a {@link Lease} returns it. */
    public synchronized Block allocate(long bytes) {
        if (bytes < 0) throw new IllegalArgumentException("allocate: negative size " + bytes);
        drainCollected();
        long size = roundSize(bytes);
        boolean small = size <= SMALL_SIZE;
        Block b = takeCached(small, size);
        if (b == null) b = takeNewSegment(small, size, bytes);
        b.allocated = true;
        allocated += b.size;
        peakAllocated = Math.max(peakAllocated, allocated);
        activeBlocks++;
        allocations++;
        return b;
    }

    private Block takeCached(boolean small, long size) {
        TreeSet<Block> pool = small ? smallPool : largePool;
        Block b = pool.ceiling(probe(size));
        if (b == null) return null;
        pool.remove(b);
        long rest = b.size - size;
        if (small ? rest >= MIN_BLOCK : rest > SMALL_SIZE) {
            Block tail = new Block(small, b.address + size, rest);
            tail.prev = b;
            tail.next = b.next;
            if (b.next != null) b.next.prev = tail;
            b.next = tail;
            b.size = size;
            pool.add(tail);
        }
        return b;
    }

    private Block takeNewSegment(boolean small, long size, long requested) {
        long segment = segmentSize(size);
        if (reserved + segment > nextCollectAt) {
            // Memory pressure: unreachable tensors may be holding blocks the cache could reuse.
            collect();
            Block b = takeCached(small, size);
            if (b != null) return b;
        }
        long address = raw.malloc(segment);
        if (address == 0) {
            releaseCache();
            address = raw.malloc(segment);
        }
        if (address == 0) {
            collect();
            Block b = takeCached(small, size);
            if (b != null) return b;
            releaseCache();
            address = raw.malloc(segment);
        }
        if (address == 0) throw new CudaOutOfMemoryError(outOfMemoryMessage(requested, segment));
        driverMallocs++;
        segments++;
        reserved += segment;
        peakReserved = Math.max(peakReserved, reserved);
        Block b = new Block(small, address, segment);
        (small ? smallPool : largePool).add(b);
        return takeCached(small, size);
    }

    private String outOfMemoryMessage(long requested, long segment) {
        long[] ft = raw.freeAndTotal();
        String driver = ft == null ? "" : String.format("; the driver reports %s free of %s total", CudaMemoryStats.bytes(ft[0]),
                CudaMemoryStats.bytes(ft[1]));
        return String.format("CUDA out of memory on %s: tried to allocate %s (a %s segment); live tensors hold %s in %d blocks"
                        + " and Kindling has %s reserved (%s cached, released before this error)%s. Drop references to tensors"
                        + " you no longer need, use a smaller batch, or call Memory.trackAllocations(true) and"
                        + " Memory.liveAllocationReport() to see what holds the memory.",
                device, CudaMemoryStats.bytes(requested), CudaMemoryStats.bytes(segment), CudaMemoryStats.bytes(allocated),
                activeBlocks, CudaMemoryStats.bytes(reserved), CudaMemoryStats.bytes(reserved - allocated), driver);
    }

    private static Block probe(long size) { return new Block(false, Long.MIN_VALUE, size); }

    /** Returns a block to the cache, merging it with free neighbours. */
    public synchronized void free(Block b) {
        if (!b.allocated) throw new IllegalStateException("free: " + b + " is not allocated (freed twice?)");
        b.allocated = false;
        allocated -= b.size;
        activeBlocks--;
        TreeSet<Block> pool = b.small ? smallPool : largePool;
        Block prev = b.prev, next = b.next;
        if (prev != null && !prev.allocated) {
            pool.remove(prev);
            prev.size += b.size;
            prev.next = next;
            if (next != null) next.prev = prev;
            b = prev;
        }
        if (next != null && !next.allocated) {
            pool.remove(next);
            b.size += next.size;
            b.next = next.next;
            if (next.next != null) next.next.prev = b;
        }
        pool.add(b);
    }

    /** Returns every wholly free segment to the driver; the bytes released. */
    public synchronized long emptyCache() {
        drainCollected();
        return releaseCache();
    }

    private long releaseCache() {
        long released = 0;
        for (TreeSet<Block> pool : java.util.List.of(smallPool, largePool)) {
            for (java.util.Iterator<Block> it = pool.iterator(); it.hasNext(); ) {
                Block b = it.next();
                if (!b.wholeSegment()) continue;
                it.remove();
                raw.free(b.address);
                released += b.size;
                reserved -= b.size;
                segments--;
                driverFrees++;
            }
        }
        return released;
    }

    /** One collection, then the blocks of every storage it found unreachable go back to the cache. */
    private void collect() {
        collections++;
        long before = allocated;
        gc.run();
        try {
            // The JVM's reference handler enqueues the collected owners just after the collection:
            // wait briefly for the first, then until the queue stays quiet for a few milliseconds.
            Reference<?> r = collected.remove(100);
            while (r != null) {
                release((Lease) r);
                r = collected.remove(5);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        drainCollected();
        // Twice what is still live, so a model that needs the memory is not collected for every
        // segment; and when nothing came back, let the pool grow a while before trying again.
        boolean useful = before - allocated >= Math.min(gcThreshold / 8, before / 2 + 1);
        nextCollectAt = Math.max(Math.max(gcThreshold, 2 * allocated), useful ? 0 : reserved + gcThreshold / 2);
    }

    private void drainCollected() {
        Reference<?> r;
        while ((r = collected.poll()) != null) release((Lease) r);
    }

    private void release(Lease lease) {
        if (leases.remove(lease)) free(lease.block);
    }

    /**
     * Ties {@code block} to {@code owner}: when the owner becomes unreachable the block returns to the
     * cache at the next allocation; {@link Lease#release()} returns it at once.
     */
    public Lease track(Object owner, Block block) {
        Lease lease = new Lease(owner, block, collected, this);
        leases.add(lease);
        return lease;
    }

    /** A block's tie to its owner. */
    public static final class Lease extends PhantomReference<Object> {
        private final Block block;
        private final CachingAllocator allocator;

        private Lease(Object owner, Block block, ReferenceQueue<Object> queue, CachingAllocator allocator) {
            super(owner, queue);
            this.block = block;
            this.allocator = allocator;
        }

        /** Returns the block now; later calls and the owner's collection do nothing. */
        public void release() {
            synchronized (allocator) {
                clear();
                allocator.release(this);
            }
        }
    }

    public synchronized CudaMemoryStats stats() {
        drainCollected();
        return new CudaMemoryStats(device, allocated, peakAllocated, reserved, peakReserved, activeBlocks, segments, allocations,
                driverMallocs, driverFrees, collections);
    }

    /** Resets the peaks to the current values, as torch.cuda.reset_peak_memory_stats. */
    public synchronized void resetPeaks() {
        peakAllocated = allocated;
        peakReserved = reserved;
    }
}
