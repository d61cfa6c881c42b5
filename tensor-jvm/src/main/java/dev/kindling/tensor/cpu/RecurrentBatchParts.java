package dev.kindling.tensor.cpu;

import dev.kindling.tensor.NDArray;
import dev.kindling.tensor.cpu.RecurrentKernels.Cell;
import dev.kindling.tensor.cpu.RecurrentKernels.Gradients;
import dev.kindling.tensor.cpu.RecurrentKernels.Inputs;
import dev.kindling.tensor.cpu.RecurrentKernels.Results;
import dev.kindling.tensor.cpu.RecurrentKernels.Steps;
import org.bytedeco.javacpp.Pointer;

/**
 * A recurrence cut by batch entries instead of by hidden units ({@link RecurrentSlabs}): each part is the
 * whole recurrence of a few entries, every hidden unit, run by one thread from the first step to the
 * last. Batch entries never meet inside a recurrence, so the parts never wait for each other: no
 * hand-over at every step and, in backward, no partial sums of dh to exchange. The price is a thinner
 * GEMM per step (single core, H = 256: [1024, 16] x 256 in 102 us against [512, 32] x 256 in 89 us for a
 * hidden slab).
 *
 * <p>W_hh is staged off-heap once for all parts, the copy split over the threads, and shared.
 *
 * <p>Each part writes its own rows of the sequence matrices (out, gates, cells; backward's dGx, dGh,
 * hPrev) in place, and its final states into arrays of its own, copied into the batch's after all parts
 * are done, so no two threads write one array's version counter.
 */
final class RecurrentBatchParts {
    /** A part needs this many batch entries: below, the thinner GEMM costs more than the hand-overs save. */
    private static final int MIN_ENTRIES = 16;

    private RecurrentBatchParts() {}

    /** How many parts pay for a batch of {@code batch} entries: one means cut by hidden units instead. */
    static int count(int batch) {
        return Math.max(1, Math.min(Parallel.threads(), batch / MIN_ENTRIES));
    }

    static void forward(Cell cell, Steps steps, boolean reverse, Inputs in, Results res, int parts) {
        int batch = steps.batch();
        NDArray[] hN = new NDArray[parts], cN = new NDArray[parts];
        try (Pointer staged = RecurrentSlabs.stage(in.wHh(), cell.gates, 1, false)) {
            Parallel.forRange(parts, Long.MAX_VALUE / parts, (lo, hi) -> {
                for (int p = (int) lo; p < hi; p++) {
                    int from = first(batch, parts, p), count = first(batch, parts, p + 1) - from;
                    hN[p] = NDArray.zeros(res.hN().dtype(), count, res.hN().shape()[1]);
                    cN[p] = res.cN() == null ? null : NDArray.zeros(res.cN().dtype(), count, res.cN().shape()[1]);
                    RecurrentKernels.pass(cell, steps.entries(from, count), reverse, entries(in, from, count),
                            new Results(res.out(), hN[p], cN[p], res.gates(), res.cells()), 1).sharing(staged).forward();
                }
            });
        }
        for (int p = 0; p < parts; p++) {
            int from = first(batch, parts, p), count = first(batch, parts, p + 1) - from;
            res.hN().narrow(0, from, count).copy_(hN[p]);
            if (cN[p] != null) res.cN().narrow(0, from, count).copy_(cN[p]);
        }
    }

    static void backward(Cell cell, Steps steps, boolean reverse, Inputs in, Results res, Gradients g, int parts) {
        int batch = steps.batch();
        NDArray[] dh0 = new NDArray[parts], dc0 = new NDArray[parts];
        try (Pointer staged = RecurrentSlabs.stage(in.wHh(), cell.gates, 1, true)) {
            Parallel.forRange(parts, Long.MAX_VALUE / parts, (lo, hi) -> {
                for (int p = (int) lo; p < hi; p++) {
                    int from = first(batch, parts, p), count = first(batch, parts, p + 1) - from;
                    dh0[p] = NDArray.zeros(g.dh0().dtype(), count, g.dh0().shape()[1]);
                    dc0[p] = g.dc0() == null ? null : NDArray.zeros(g.dc0().dtype(), count, g.dc0().shape()[1]);
                    Gradients part = new Gradients(g.dOut(), rows(g.dhN(), from, count), rows(g.dcN(), from, count), g.dGx(),
                            g.dGh(), g.hPrev(), dh0[p], dc0[p]);
                    RecurrentKernels.pass(cell, steps.entries(from, count), reverse, entries(in, from, count), res, 1).sharing(staged)
                            .backward(part);
                }
            });
        }
        for (int p = 0; p < parts; p++) {
            int from = first(batch, parts, p), count = first(batch, parts, p + 1) - from;
            g.dh0().narrow(0, from, count).copy_(dh0[p]);
            if (dc0[p] != null) g.dc0().narrow(0, from, count).copy_(dc0[p]);
        }
    }

    /** The first batch entry of part p; the first entries get the longer sequences of a packed batch. */
    private static int first(int batch, int parts, int p) {
        return (int) ((long) batch * p / parts);
    }

    private static Inputs entries(Inputs in, int from, int count) {
        return new Inputs(in.xProj(), in.wHh(), in.bIh(), in.bHh(), rows(in.h0(), from, count), rows(in.c0(), from, count));
    }

    private static NDArray rows(NDArray m, int from, int count) {
        return m == null ? null : m.narrow(0, from, count);
    }
}
