package dev.kindling.cuda.memory;

/**
 * Device memory ran out even after the allocator released its cache and one garbage collection
 * returned the blocks of unreachable tensors. Like the JDK's "Direct buffer memory" error it is an
 * {@link OutOfMemoryError}; its message says what was requested, what live tensors hold and what
 * the allocator reserved.
 */
public final class CudaOutOfMemoryError extends OutOfMemoryError {
    private static final long serialVersionUID = 1L;

    public CudaOutOfMemoryError(String message) { super(message); }
}
