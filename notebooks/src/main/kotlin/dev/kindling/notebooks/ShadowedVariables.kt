package dev.kindling.notebooks

import dev.kindling.autograd.Tensor
import dev.kindling.nn.Module
import dev.kindling.optim.Optimizer
import org.jetbrains.kotlinx.jupyter.api.Notebook

/**
 * Releases tensors that only a shadowed notebook variable still holds (kotlin-jupyter issue 465).
 *
 * The kernel compiles each cell into an object whose fields are the cell's variables, and keeps every
 * such object alive, since later cells may refer to it. Re-running `val x = randn(10000, 10000)` thus
 * declares a new `x` in a new object while the old object keeps the old tensor forever. After each cell
 * this hook compares the notebook's variables with what it saw before: when a name now lives in another
 * cell object, the old field is set to null, so the GC (and, for device memory, the storage's cleaner) can
 * free what it held.
 *
 * Only what is safe is released:
 * - values that hold tensor storage: a [Tensor], [Module], [Optimizer], or an array, collection or map
 *   of tensors;
 * - and only when no cell run in between both names the variable and declares something that could read
 *   the old field later (`fun`, `class`, `object`, `interface`, or a lambda `{` stored in a declaration):
 *   such code was compiled against the old cell object and would find null. Plain statements that used
 *   the old value (`val y = x * 2`, `model(x)`) are fine: they have run.
 *
 * What the API cannot reach stays: a cell's displayed result (`Out[n]`, kept by the kernel as the cell's
 * result) and any other object still referring to the value. Disable with `releaseShadowedVariables = false`.
 */
class ShadowedVariables {
    /** A variable's cell object, and how many cells the notebook listed when it was first seen there. */
    private class Holder(val instance: Any, val name: String, val cellsBefore: Int)

    private val holders = HashMap<String, Holder>()

    /** Names whose old value was released so far (for the notebook's curiosity and the tests). */
    val released = ArrayList<String>()

    var enabled = true

    /** Called after each cell: releases the values of variables that cell shadowed. */
    fun afterCell(notebook: Notebook) {
        val cells = notebook.cellsList.toList()
        for ((name, state) in notebook.variablesState) {
            val instance = state.scriptInstance ?: continue
            val previous = holders[name]
            if (previous != null && previous.instance === instance) continue
            holders[name] = Holder(instance, name, cells.size)
            if (!enabled || previous == null) continue
            // Every cell since (whether the kernel lists a cell before or after its callbacks run, this
            // errs towards looking at one cell too many, which only makes it keep more).
            val since = cells.drop(maxOf(0, previous.cellsBefore - 1)).map { it.code }
            if (since.any { mentions(it, name) && declaresReaders(it) }) continue
            if (release(previous)) released += name
        }
    }

    private fun release(holder: Holder): Boolean {
        val field = fieldOf(holder.instance.javaClass, holder.name) ?: return false
        field.isAccessible = true
        if (!holdsStorage(field.get(holder.instance))) return false
        field.set(holder.instance, null)
        return true
    }

    private fun fieldOf(type: Class<*>, name: String) = try {
        type.getDeclaredField(name)
    } catch (e: NoSuchFieldException) {
        null
    }

    private fun holdsStorage(value: Any?): Boolean = when (value) {
        is Tensor, is Module, is Optimizer -> true
        is Array<*> -> value.isNotEmpty() && value.all { it is Tensor }
        is Collection<*> -> value.isNotEmpty() && value.all { it is Tensor }
        is Map<*, *> -> value.isNotEmpty() && value.values.all { it is Tensor }
        else -> false
    }

    private fun mentions(code: String, name: String) = Regex("""\b${Regex.escape(name)}\b""").containsMatchIn(code)

    private fun declaresReaders(code: String) = READERS.containsMatchIn(code)

    private companion object {
        val READERS = Regex("""\b(fun|class|object|interface)\b|=\s*\{""")
    }
}
