package dev.kindling.autograd;

import dev.kindling.tensor.DType;
import dev.kindling.tensor.Device;
import dev.kindling.tensor.NDArray;

/**
 * What a gradient flowing into a node must look like: the shape, dtype and device of the forward
 * output it belongs to. The engine reduces broadcast gradients and casts dtypes against it, so
 * derivative formulas may return gradients in the broadcast shape of the forward computation.
 */
record GradMeta(int[] shape, DType dtype, Device device) {
    static GradMeta of(NDArray a) { return new GradMeta(a.shapeRef(), a.dtype(), a.device()); }

    Tensor zeros() { return Tensor.wrap(NDArray.zeros(dtype, device, shape)); }
}
