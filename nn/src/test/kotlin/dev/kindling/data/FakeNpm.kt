package dev.kindling.data

import io.kotest.core.TestConfiguration
import io.kotest.engine.spec.tempdir
import java.nio.file.Files
import java.nio.file.Path
import java.nio.file.attribute.PosixFilePermissions
import java.security.MessageDigest
import java.util.HexFormat

/** An executable shell script standing in for npm, in a directory deleted after the spec. */
internal fun TestConfiguration.fakeNpm(body: String): Path {
    val dir = tempdir("kindling-fake-npm-").toPath()
    val npm = dir.resolve("npm")
    Files.writeString(npm, "#!/bin/sh\n$body\n")
    Files.setPosixFilePermissions(npm, PosixFilePermissions.fromString("rwxr-xr-x"))
    return npm
}

/** The MD5 of some bytes in lower-case hex, as the fetchers' checksum tables hold it. */
internal fun md5(b: ByteArray): String = HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(b))
