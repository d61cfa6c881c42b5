package dev.kindling.cuda.kernels;

import dev.kindling.cuda.CudaException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.IntFunction;
import org.bytedeco.cuda.cudart.CUfunc_st;
import org.bytedeco.cuda.cudart.CUmod_st;
import org.bytedeco.cuda.global.cudart;
import org.bytedeco.javacpp.BytePointer;

/**
 * Compiled kernels of one device, by key. An op names its kernel with a short key (op, dtypes, rank:
 * {@code "binary add float->kbool nd2"}) and only renders the source on a miss, so a hit costs one
 * map lookup. A miss compiles with NVRTC for the device's compute capability (tens of milliseconds)
 * and keeps the image on disk, keyed by a hash of the source, the architecture and NVRTC's version,
 * so the next JVM loads it in microseconds. The disk cache lives in {@code ~/.cache/kindling/cuda-kernels}
 * ({@code -Dkindling.cuda.kernelCache=DIR}, or {@code off}); a damaged or unreadable file is just
 * compiled again.
 */
public final class KernelCache {
    private final Runnable makeCurrent;
    private final int arch;
    private final IntFunction<String> errorName;
    private final Map<String, CUfunc_st> functions = new ConcurrentHashMap<>();
    private final AtomicLong compiled = new AtomicLong(), fromDisk = new AtomicLong(), compileNanos = new AtomicLong();

    /**
     * @param makeCurrent makes the device's context current on the calling thread
     * @param arch        the device's compute capability as an integer (90 for 9.0)
     * @param errorName   the driver's name for an error code, for messages
     */
    public KernelCache(Runnable makeCurrent, int arch, IntFunction<String> errorName) {
        this.makeCurrent = makeCurrent;
        this.arch = arch;
        this.errorName = errorName;
    }

    /**
     * The kernel for {@code key}, compiled the first time from {@code source.apply(name)}, where
     * {@code name} is the C identifier the source must give its kernel ({@link #kernelName}).
     */
    public CUfunc_st function(String key, Function<String, String> source) {
        CUfunc_st f = functions.get(key);
        if (f != null) return f;
        return functions.computeIfAbsent(key, k -> {
            String name = kernelName(k);
            return load(name, source.apply(name));
        });
    }

    /** A C identifier from a key, so profilers show which op a kernel is. */
    public static String kernelName(String key) {
        StringBuilder s = new StringBuilder("kindling_");
        for (char c : key.toCharArray()) s.append(Character.isLetterOrDigit(c) ? c : '_');
        return s.toString();
    }

    private CUfunc_st load(String name, String source) {
        Path file = cacheFile(source);
        byte[] cached = read(file);
        if (cached != null) {
            try {
                CUfunc_st fn = load(name, cached, "from the disk cache");
                fromDisk.incrementAndGet();
                return fn;
            } catch (CudaException staleOrDamaged) {
                // compile it again below
            }
        }
        long t0 = System.nanoTime();
        Nvrtc.Compiled c = Nvrtc.compile(source, name + ".cu", arch);
        compileNanos.addAndGet(System.nanoTime() - t0);
        compiled.incrementAndGet();
        CUfunc_st fn = load(name, c.image(), "compiled by NVRTC " + Nvrtc.version()
                + (c.cubin() ? "" : " as PTX (the driver may be older than NVRTC)"));
        if (file != null) write(file, c.image());
        return fn;
    }

    /** The kernel {@code name} from a cubin or PTX image loaded into the device's context. */
    private CUfunc_st load(String name, byte[] image, String origin) {
        makeCurrent.run();
        CUmod_st module = new CUmod_st();
        int rc = cudart.cuModuleLoadData(module, new BytePointer(image));
        if (rc != 0) {
            throw new CudaException("cuModuleLoadData could not load kernel " + name + " for sm_" + arch + " " + origin + ": "
                    + errorName.apply(rc));
        }
        CUfunc_st fn = new CUfunc_st();
        rc = cudart.cuModuleGetFunction(fn, module, name);
        if (rc != 0) throw new CudaException("cuModuleGetFunction(" + name + ") failed: " + errorName.apply(rc));
        return fn;
    }

    private static byte[] read(Path file) {
        if (file == null || !Files.isRegularFile(file)) return null;
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            return null;
        }
    }

    /** Where compiled kernels are kept: {@code -Dkindling.cuda.kernelCache}, or ~/.cache/kindling/cuda-kernels; "off" keeps none. */
    public static String directory() {
        return System.getProperty("kindling.cuda.kernelCache",
                Paths.get(System.getProperty("user.home"), ".cache", "kindling", "cuda-kernels").toString());
    }

    private Path cacheFile(String source) {
        String dir = directory();
        if (dir.equals("off")) return null;
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(source.getBytes(StandardCharsets.UTF_8));
            sha.update(("\0sm_" + arch + "\0nvrtc " + Nvrtc.version()).getBytes(StandardCharsets.UTF_8));
            return Paths.get(dir, "sm_" + arch, HexFormat.of().formatHex(sha.digest()) + ".bin");
        } catch (NoSuchAlgorithmException e) {
            return null;
        }
    }

    /** Written to a temporary file and renamed, so a concurrent reader never sees half an image. */
    private static void write(Path file, byte[] image) {
        try {
            Files.createDirectories(file.getParent());
            Path tmp = Files.createTempFile(file.getParent(), "kernel", ".tmp");
            Files.write(tmp, image);
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException | UnsupportedOperationException e) {
            // A read-only home only costs a recompile next time.
        }
    }

    /** Kernels loaded so far, how many were compiled and read from disk, and the compile time. */
    public String summary() {
        return String.format("%d kernels loaded (%d compiled in %.2f s, %d read from the disk cache)", functions.size(), compiled.get(),
                compileNanos.get() / 1e9, fromDisk.get());
    }
}
