package dev.kindling.dsl

/** The device set by the innermost [onDevice] on this thread, or null outside any. */
private val scopedDevice = ThreadLocal<Device?>()

/**
 * The device the DSL's factories create on when no `device` is passed: the innermost [onDevice]'s on this
 * thread, else [Device.CPU].
 */
val defaultDevice: Device get() = scopedDevice.get() ?: Device.CPU

/**
 * Runs [block] with [device] as this thread's default device, restoring the previous default afterwards
 * (scopes nest), as PyTorch's `with torch.device(d):`. Inside, the DSL's tensor factories ([tensor],
 * [zeros], [randn], ...) create on [device], and layers built by the DSL (factories such as [linear],
 * property delegates, [sequential]) are moved there, so a model defined with the DSL lands on the device
 * in one step:
 * ```
 * val model = onDevice(Device.cuda(0)) { Net() }     // every parameter on cuda:0
 * ```
 * The Java factories (`Tensor.zeros`, `new Linear(...)`) are not affected: the default is a DSL
 * setting, so Java code and the framework's own temporaries always say where they allocate. Being a
 * thread-local, it does not follow a coroutine to another thread.
 */
inline fun <T> onDevice(device: Device, block: () -> T): T {
    val previous = enterDevice(device)
    try {
        return block()
    } finally {
        exitDevice(previous)
    }
}

/** Sets the scoped device and returns the previous one (for [onDevice], which is inline). */
@PublishedApi
internal fun enterDevice(device: Device): Device? {
    val previous = scopedDevice.get()
    scopedDevice.set(device)
    return previous
}

@PublishedApi
internal fun exitDevice(previous: Device?) {
    if (previous == null) scopedDevice.remove() else scopedDevice.set(previous)
}

/** [module] moved to the [onDevice] scope's device when inside one; unchanged outside. */
internal fun <M : Module> placed(module: M): M {
    val device = scopedDevice.get()
    if (device != null) module.to(device)
    return module
}
