package dev.kindling.samples

import java.io.ByteArrayOutputStream
import java.io.PrintStream
import java.nio.file.Path
import java.nio.file.Paths

/** Runs a sample with its output captured; returns the output's non-empty lines. */
internal fun outputLines(run: (PrintStream) -> Unit): List<String> {
    val bytes = ByteArrayOutputStream()
    PrintStream(bytes, true, Charsets.UTF_8).use(run)
    return bytes.toString(Charsets.UTF_8).lines().filter { it.isNotEmpty() }
}

/** A directory of committed test resources (`/mnist`, `/moby-dick`): the samples read their data from there, never the network. */
internal fun fixtureDir(name: String): Path = Paths.get(SampleOutput::class.java.getResource(name)!!.toURI())

private object SampleOutput

/** The progress bar's summary line for an epoch when the output is not a terminal. */
internal fun progressLines(lines: List<String>) = lines.filter { it.matches(Regex("""epoch \d+/\d+: .* steps, .*""")) }

/** The mean training loss printed on each `epoch E/N  ...  train loss X` line. */
internal fun trainLosses(lines: List<String>) =
    lines.mapNotNull { Regex("""^epoch \d+/\d+  .*train loss (\d+\.\d+)""").find(it)?.groupValues?.get(1)?.toDouble() }

internal const val FINAL_ACCURACY_LINE = """final test accuracy: \d{1,3}\.\d\d%"""
