package dev.kindling.autograd;

/** Returned by {@link Tensor#registerHook}: {@link #remove()} unregisters the hook. */
public final class HookHandle {
    private final Runnable remover;
    private boolean removed;

    HookHandle(Runnable remover) { this.remover = remover; }

    /** Unregisters the hook; calling it again does nothing. */
    public void remove() {
        if (removed) return;
        removed = true;
        remover.run();
    }
}
