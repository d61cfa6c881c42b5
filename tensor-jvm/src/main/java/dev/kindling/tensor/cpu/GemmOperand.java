package dev.kindling.tensor.cpu;

import dev.kindling.tensor.NDArray;

/**
 * One matrix operand of a batched GEMM ([batch, rows, cols] with any strides BLAS can read): where its
 * elements are, how BLAS should read them, and which runs of consecutive elements a rectangle of it
 * covers, for copying just those to and from the off-heap buffers BLAS reads ({@link Blas}).
 */
final class GemmOperand {
    final int offset, batchStride, rowStride, colStride, rows, cols;
    final boolean transposed;
    final int ld;

    GemmOperand(NDArray x) {
        int[] st = x.stridesRef(), sh = x.shapeRef();
        offset = x.offset();
        batchStride = st[0];
        rows = sh[1];
        cols = sh[2];
        rowStride = st[1];
        colStride = st[2];
        // Row-major with unit column stride, or column-major (a transposed view) with unit row stride.
        if (colStride == 1 || cols == 1) {
            transposed = false;
            ld = Math.max(rows == 1 ? cols : rowStride, Math.max(cols, 1));
        } else {
            transposed = true;
            ld = Math.max(cols == 1 ? rows : colStride, Math.max(rows, 1));
        }
    }

    /** BLAS can read this layout directly (no gather needed). */
    static boolean blasReadable(NDArray x) {
        int[] st = x.stridesRef(), sh = x.shapeRef();
        boolean rowMajor = (st[2] == 1 || sh[2] == 1) && (sh[1] == 1 || st[1] >= Math.max(sh[2], 1));
        boolean colMajor = (st[1] == 1 || sh[1] == 1) && (sh[2] == 1 || st[2] >= Math.max(sh[1], 1));
        return rowMajor || colMajor;
    }

    private GemmOperand(int offset, int batchStride, int rows, int cols) {
        this.offset = offset;
        this.batchStride = batchStride;
        this.rows = rows;
        this.cols = cols;
        rowStride = cols;
        colStride = 1;
        transposed = false;
        ld = Math.max(cols, 1);
    }

    /** A dense row-major batch of [rows, cols] matrices from offset: a product's C. */
    static GemmOperand dense(int offset, int rows, int cols) {
        return new GemmOperand(offset, rows * cols, rows, cols);
    }

    /** One stretch of consecutive elements: {@code count} of them, {@code at} elements past the offset. */
    @FunctionalInterface
    interface Run {
        void copy(int at, int count);
    }

    /** Calls run for each stretch of consecutive elements covering rows [r0, r1) x cols [c0, c1) of matrix i. */
    void forEachRun(int i, int r0, int r1, int c0, int c1, Run run) {
        int nr = r1 - r0, nc = c1 - c0;
        if (nr <= 0 || nc <= 0) return;
        int start = i * batchStride + r0 * rowStride + c0 * colStride;
        if ((colStride == 1 && (nr == 1 || rowStride == nc)) || (rowStride == 1 && (nc == 1 || colStride == nr))) {
            run.copy(start, nr * nc);
        } else if (colStride == 1) {
            for (int r = 0; r < nr; r++) run.copy(start + r * rowStride, nc);
        } else if (rowStride == 1) {
            for (int col = 0; col < nc; col++) run.copy(start + col * colStride, nr);
        } else { // a vector with a non-unit stride
            for (int r = 0; r < nr; r++) {
                for (int col = 0; col < nc; col++) run.copy(start + r * rowStride + col * colStride, 1);
            }
        }
    }

    /** Elements from offset to the last one any batch touches. */
    int span(int batch) {
        if (rows == 0 || cols == 0) return 0;
        return (batch - 1) * batchStride + (rows - 1) * rowStride + (cols - 1) * colStride + 1;
    }
}
