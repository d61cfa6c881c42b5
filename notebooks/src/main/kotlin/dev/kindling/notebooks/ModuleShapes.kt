package dev.kindling.notebooks

import dev.kindling.autograd.Tensor
import dev.kindling.dsl.inEvalMode
import dev.kindling.dsl.noGrad
import dev.kindling.nn.Module
import dev.kindling.nn.Sequential
import java.util.Collections
import java.util.WeakHashMap

/**
 * Output sizes of modules, learned by running a sample input through a model once ([trace]). A module
 * cannot be watched from outside while it runs (Java layers call their children's `forward` directly),
 * so sizes are known for the model itself and for every module inside a [Sequential], whose children
 * [trace] steps through one by one, recursively; other children show no size.
 */
object ModuleShapes {
    private val shapes: MutableMap<Module, IntArray> = Collections.synchronizedMap(WeakHashMap())

    /** The output shape [module] had in its last [trace], or null. */
    fun of(module: Module): IntArray? = shapes[module]

    /**
     * Runs [input] through [model] without recording and in eval mode (so BatchNorm's running statistics
     * and dropout stay untouched), remembers the output shapes it can see, restores each module's mode and
     * returns the output.
     */
    fun trace(model: Module, input: Tensor): Tensor = model.inEvalMode { noGrad { step(model, input) } }

    private fun step(m: Module, x: Tensor): Tensor {
        val out = if (m is Sequential) m.children().fold(x) { y, child -> step(child, y) } else m.forward(x)
        shapes[m] = out.shape()
        return out
    }
}
