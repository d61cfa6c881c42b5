package dev.kindling.dsl

import kotlin.properties.ReadOnlyProperty
import kotlin.properties.ReadWriteProperty
import kotlin.reflect.KProperty

/*
 * Module property delegates: the Kotlin form of PyTorch's attribute registration. Each registers its value
 * under the property's name when the property is initialised, so in declaration order, and the state-dict
 * keys are those of a PyTorch model with the same attribute names:
 *
 *   class Net : Module() {
 *       val fc1 by linear(784, 128)          // fc1.weight, fc1.bias
 *       val scale by parameter(ones(128))     // scale
 *       val steps by buffer(zeros(1))         // steps
 *       val head by module(Head())            // head.<Head's keys>
 *       override fun forward(x: Tensor) = head(relu(fc1(x)) * scale)
 *   }
 *
 * Only a Module can hold them (a delegate in another class does not compile).
 */

/**
 * Registers this module as a child of the enclosing module under the property's name, moved to the
 * [onDevice] device when inside one. Any module works: `val fc1 by linear(784, 128)`, `val block by MyBlock()`,
 * `val features by sequential { ... }`.
 */
operator fun <M : Module> M.provideDelegate(thisRef: Module, property: KProperty<*>): ReadOnlyProperty<Module, M> {
    val child = placed(this)
    thisRef.registerModule(property.name, child)
    return ReadOnlyProperty { _, _ -> child }
}

/** A child module for a property delegate, spelled out: `val block by module(MyBlock())` (the same as `by MyBlock()`). */
fun <M : Module> module(module: M): M = module

/**
 * A trained tensor registered under the property's name: `val w by parameter(randn(3, 3))`. The tensor
 * must be a leaf; it is marked as requiring grad unless [requiresGrad] is false (a frozen parameter, still
 * in the state dict and in `parameters()`). A null value registers an absent parameter, as `bias=False`.
 */
fun <T : Tensor?> parameter(value: T, requiresGrad: Boolean = true): ParameterDelegate<T> = ParameterDelegate(value, requiresGrad)

/**
 * State saved and moved with the module but not trained, registered under the property's name:
 * `val runningMean by buffer(zeros(128))`. On a `var`, assigning re-registers the new tensor under the
 * same name, as PyTorch's `self.buf = ...` does.
 */
fun <T : Tensor?> buffer(value: T): BufferDelegate<T> = BufferDelegate(value)

/** See [parameter]. */
class ParameterDelegate<T : Tensor?> internal constructor(private val value: T, private val requiresGrad: Boolean) {
    operator fun provideDelegate(thisRef: Module, property: KProperty<*>): ReadOnlyProperty<Module, T> {
        thisRef.registerParameter(property.name, value)
        if (!requiresGrad) value?.requiresGrad_(false)
        return ReadOnlyProperty { _, _ -> value }
    }
}

/** See [buffer]. */
class BufferDelegate<T : Tensor?> internal constructor(private val value: T) {
    operator fun provideDelegate(thisRef: Module, property: KProperty<*>): ReadWriteProperty<Module, T> {
        thisRef.registerBuffer(property.name, value)
        return BufferProperty(value)
    }
}

private class BufferProperty<T : Tensor?>(private var value: T) : ReadWriteProperty<Module, T> {
    override fun getValue(thisRef: Module, property: KProperty<*>): T = value

    override fun setValue(thisRef: Module, property: KProperty<*>, value: T) {
        thisRef.registerBuffer(property.name, value)
        this.value = value
    }
}
