package dev.kindling.notebooks

import kotlinx.serialization.json.Json
import kotlinx.serialization.json.JsonArray
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.JsonPrimitive
import kotlinx.serialization.json.jsonArray
import kotlinx.serialization.json.jsonObject
import kotlinx.serialization.json.jsonPrimitive
import org.jetbrains.kotlinx.jupyter.EvalRequestData
import org.jetbrains.kotlinx.jupyter.ReplForJupyter
import org.jetbrains.kotlinx.jupyter.api.MimeTypedResult
import org.jetbrains.kotlinx.jupyter.api.libraries.ExecutionHost
import org.jetbrains.kotlinx.jupyter.defaultRepositoriesCoordinates
import org.jetbrains.kotlinx.jupyter.exceptions.ReplEvalRuntimeException
import org.jetbrains.kotlinx.jupyter.libraries.EmptyResolutionInfoProvider
import org.jetbrains.kotlinx.jupyter.messaging.DisplayHandler
import org.jetbrains.kotlinx.jupyter.repl.EvalResultEx
import org.jetbrains.kotlinx.jupyter.repl.creating.createRepl
import java.io.File

/**
 * The Maven Central Kotlin kernel's REPL (0.11.0-398), in this JVM: cells compile with the kernel's
 * Kotlin 1.8.20 compiler against its own 1.8.20 stdlib (target/kernel-stdlib) and this module's
 * classpath, exactly the metadata a real kernel reads. Kindling arrives as a notebook asks for it:
 * [setupCell] turns the notebook's `@file:DependsOn("dev.kindling:kindling-notebooks:...")` into a
 * `@file:DependsOn` on this build's classes, so the kernel discovers [KindlingIntegration] through
 * libraries.json as it does for a user (nothing needs `mvn install`).
 */
internal class NotebookRepl {
    /** Every display and display update the kernel was asked to send, in order: (display id, value). */
    val displays = ArrayList<Pair<String?, Any?>>()

    private val recorder = object : DisplayHandler {
        override fun handleDisplay(value: Any, host: ExecutionHost, id: String?) {
            synchronized(displays) { displays += id to value }
        }

        override fun handleUpdate(value: Any, host: ExecutionHost, id: String?) {
            synchronized(displays) { displays += id to value }
        }
    }

    val repl: ReplForJupyter = createRepl(
        EmptyResolutionInfoProvider,
        cellClasspath(),
        mavenRepositories = defaultRepositoriesCoordinates,
        isEmbedded = true,
        displayHandler = recorder,
    )

    private var executionCount = 0

    /** Runs one cell as the kernel runs a front end's request, numbered like Jupyter's `In [n]`. */
    fun evalEx(code: String): EvalResultEx = repl.evalEx(EvalRequestData(code, ++executionCount))

    /** Runs one cell; a thrown exception is rendered by the libraries' throwable renderers where one applies, as the kernel does. */
    fun exec(code: String): Any? = try {
        evalEx(code).renderedValue
    } catch (e: ReplEvalRuntimeException) {
        e.cause?.let { repl.throwableRenderersProcessor.renderThrowable(it) } ?: throw e
    }

    /** The HTML of a cell's result. */
    fun html(code: String): String = (exec(code) as MimeTypedResult)["text/html"] ?: error("no HTML for: $code")

    /** Loads Kindling as a notebook's first cell does. */
    fun loadKindling() = exec(setupCell("""@file:DependsOn("dev.kindling:kindling-notebooks:0.1.0-SNAPSHOT")"""))

    companion object {
        private val KINDLING = Regex("""@file:DependsOn\("dev\.kindling:kindling-notebooks:[^"]*"\)""")
        private val MAVEN_LOCAL = Regex("""@file:Repository\("\*mavenLocal"\)\s*""")

        /** [code] with Kindling's coordinates replaced by this build's classes. */
        fun setupCell(code: String): String =
            code.replace(MAVEN_LOCAL, "").replace(KINDLING, """@file:DependsOn("${File("target/classes").absolutePath}")""")

        /** The code cells of an .ipynb file, as the kernel would get them. */
        fun codeCells(notebook: File): List<String> {
            val json = Json.parseToJsonElement(notebook.readText()).jsonObject
            return json["cells"]!!.jsonArray.map { it.jsonObject }
                .filter { it["cell_type"]!!.jsonPrimitive.content == "code" }
                .map { cell ->
                    when (val src = cell["source"]!!) {
                        is JsonArray -> src.joinToString("") { it.jsonPrimitive.content }
                        is JsonPrimitive -> src.content
                        is JsonObject -> error("unexpected source in ${notebook.name}")
                    }
                }
        }

        /**
         * The test classpath as the real kernel's cells would see it: Kotlin's stdlib and reflect at the
         * kernel's 1.8.20 (kotest runs this JVM on 2.3.21, whose metadata the 1.8.20 compiler cannot read),
         * without the test framework, and without this module's classes, which the notebook asks for.
         */
        private fun cellClasspath(): List<File> {
            val kernelStdlib = File("target/kernel-stdlib").listFiles()!!.sorted()
            val rest = System.getProperty("java.class.path").split(File.pathSeparator).map(::File).filterNot { f ->
                val n = f.name
                n.startsWith("kotlin-stdlib") || n.startsWith("kotlin-reflect") || n.startsWith("kotest") ||
                    n.startsWith("junit") || n.startsWith("opentest4j") || f.path.endsWith("target/test-classes") ||
                    f.path.endsWith("target/classes") && f.parentFile.parentFile.name == "notebooks"
            }
            return kernelStdlib + rest
        }
    }
}
