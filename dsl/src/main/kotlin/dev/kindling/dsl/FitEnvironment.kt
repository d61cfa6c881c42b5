package dev.kindling.dsl

/**
 * Where [fit] runs. An environment that shows progress its own way or must stop training from outside
 * (the Jupyter integration in `kindling-notebooks`: a live display, and the kernel's interrupt button)
 * installs one as [current]; plain programs never need to.
 */
interface FitEnvironment {
    /** Adjusts each fit's configuration before the caller's `fit { }` block runs, which may override it. */
    fun configure(config: FitConfig) {}

    /** Runs one fit's training [loop] and returns its result; the default runs it on the calling thread. */
    fun <T> run(loop: () -> T): T = loop()

    companion object {
        /** The plain environment: nothing added, the loop on the caller's thread. */
        val plain: FitEnvironment = object : FitEnvironment {}

        /** The environment every [fit] in this JVM uses. */
        @Volatile
        var current: FitEnvironment = plain
    }
}
