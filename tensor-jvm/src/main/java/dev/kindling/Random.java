package dev.kindling;

import dev.kindling.tensor.Generator;

/**
 * The global random state. One {@link #manualSeed(long)} makes every random draw that does not name
 * its own {@link Generator} (initialisation, dropout, shuffling, {@code rand*}) reproducible.
 */
public final class Random {
    private static final Generator DEFAULT = new Generator(System.nanoTime() ^ 0x5DEECE66DL);

    private Random() {}

    /** Reseeds the default generator. */
    public static void manualSeed(long seed) { DEFAULT.manualSeed(seed); }

    /** The generator used when none is given. */
    public static Generator defaultGenerator() { return DEFAULT; }
}
