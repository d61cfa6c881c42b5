package dev.kindling.notebooks

import dev.kindling.autograd.AnomalyError
import dev.kindling.autograd.Tensor
import dev.kindling.dsl.FitEnvironment
import dev.kindling.dsl.History
import dev.kindling.nn.Module
import org.jetbrains.kotlinx.jupyter.api.HTML
import org.jetbrains.kotlinx.jupyter.api.KotlinKernelHost
import org.jetbrains.kotlinx.jupyter.api.libraries.JupyterIntegration

/**
 * Kindling in a Kotlin Jupyter notebook. The kernel finds this class through
 * `META-INF/kotlin-jupyter-libraries/libraries.json` in this jar, so `@file:DependsOn` on
 * `dev.kindling:kindling-notebooks` (or `%use kindling`) is all a notebook needs. It adds:
 * - the imports `dev.kindling.dsl.*` and `dev.kindling.notebooks.*`;
 * - HTML for [Tensor] ([TensorHtml]: values, and a picture when image-shaped), [Module] ([ModuleHtml]),
 *   [History] and [BatchLosses] (lets-plot curves as SVG images), and for an [AnomalyError] thrown by a
 *   cell ([AnomalyHtml]: the op and the notebook line of its forward);
 * - a live progress display for `fit`, and a clean stop on the kernel's interrupt ([NotebookFit]);
 * - the release of tensors held only by shadowed variables after each cell ([ShadowedVariables]).
 */
class KindlingIntegration : JupyterIntegration() {
    override fun Builder.onLoaded() {
        import("dev.kindling.dsl.*", "dev.kindling.notebooks.*")

        render<Tensor> { HTML(TensorHtml.render(it)) }
        render<Module> { HTML(ModuleHtml.render(it)) }
        render<History> { HistoryPlot.render(it) }
        render<BatchLosses> { it.render() }
        renderThrowable<AnomalyError> { HTML(AnomalyHtml.render(it, notebook.cellsList)) }

        val fit = NotebookFit { Session.cellHost() }
        onLoaded {
            Session.host = this
            FitEnvironment.current = fit
        }
        beforeCellExecution { Session.host = this }
        afterCellExecution { snippet, _ ->
            Session.remember(snippet)
            Session.shadowed.afterCell(notebook)
        }
        onInterrupt { fit.requestStop() }
        onShutdown {
            if (FitEnvironment.current === fit) FitEnvironment.current = FitEnvironment.plain
            Session.host = null
        }
    }

    /** What the notebook session shares between the kernel's callbacks and cells. */
    internal object Session {
        /** The host the kernel hands to library callbacks. */
        @Volatile
        var host: KotlinKernelHost? = null

        /** The kernel's provider of the running cell's host, found on a cell object. */
        @Volatile
        private var cellHosts: Any? = null

        val shadowed = ShadowedVariables()

        /**
         * Kernel 0.11 gives library callbacks a host whose displays go nowhere; only the running cell's own
         * host (what `DISPLAY(...)` in a cell uses) reaches the front end. Each cell object reaches it
         * through `getUserHandlesProvider()` (kernel 0.11's cell base class); newer kernels' callback hosts
         * display, and there [host] serves.
         */
        fun remember(snippet: Any) {
            // Every cell: the JVM may hold several notebooks' REPLs (the tests do), and the last cell's wins.
            cellHosts = runCatching { snippet.javaClass.getMethod("getUserHandlesProvider").invoke(snippet) }.getOrNull() ?: cellHosts
        }

        fun cellHost(): KotlinKernelHost? {
            val provider = cellHosts ?: return host
            return runCatching { provider.javaClass.getMethod("getHost").invoke(provider) as KotlinKernelHost? }.getOrNull() ?: host
        }
    }
}

/** Whether tensors held only by shadowed variables are released after each cell (see [ShadowedVariables]); on by default. */
var releaseShadowedVariables: Boolean
    get() = KindlingIntegration.Session.shadowed.enabled
    set(value) {
        KindlingIntegration.Session.shadowed.enabled = value
    }
