package dev.kindling.cuda;

import dev.kindling.tensor.ThroughFloat;
import dev.kindling.tensor.Backend;
import dev.kindling.tensor.BinaryOp;
import dev.kindling.tensor.ConvParams;
import dev.kindling.tensor.DType;
import dev.kindling.tensor.Device;
import dev.kindling.tensor.NDArray;
import dev.kindling.tensor.RecurrentNetwork;
import dev.kindling.tensor.ReduceOp;
import dev.kindling.tensor.Resampling;
import dev.kindling.tensor.Storage;
import dev.kindling.tensor.UnaryOp;

/**
 * The {@link Backend} of {@code Device.cuda(i)}, found by {@link java.util.ServiceLoader} through
 * {@code META-INF/services/dev.kindling.tensor.Backend}. NDArray has checked shapes, dtypes and
 * broadcasting before any call arrives; each method finds its device from its operands (an operand
 * on another device is an error naming the op) and queues its work on that device's stream. Nothing
 * here copies through the host except {@link #fromArray}, {@link #toArray} and maskedSelect's
 * per-block counts; {@link Cuda#transferStats()} counts every such copy.
 */
public final class CudaBackend implements Backend {
    @Override
    public boolean supports(Device device) {
        return device.type() == Device.Type.CUDA && Driver.status().available();
    }

    @Override
    public Storage allocate(Device device, DType dtype, int size) {
        CudaDevice dev = CudaDevice.get(device.index());
        CudaStorage s = new CudaStorage(dev, dtype, size);
        s.oweZeros();
        return s;
    }

    @Override
    public Storage fromArray(Device device, Object javaArray) {
        DType dtype = DType.ofArray("to(cuda)", javaArray);
        CudaDevice dev = CudaDevice.get(device.index());
        CudaStorage s = new CudaStorage(dev, dtype, java.lang.reflect.Array.getLength(javaArray));
        dev.staging().upload(javaArray, dtype, s.address(0));
        return s;
    }

    @Override
    public Object toArray(NDArray x) {
        CudaDevice dev = Operand.device("toArray", x);
        NDArray c = x.isContiguous() ? x : x.copy();
        return dev.staging().download(Operand.readAddress(c), x.dtype(), (int) x.numel());
    }

    @Override
    public void copy(NDArray src, NDArray dst) { ElementwiseOps.copy(src, dst); }

    @Override
    public void fill(NDArray dst, double value) { ElementwiseOps.fill(dst, value); }

    @Override
    public void unary(UnaryOp op, NDArray x, NDArray out) {
        NDArray r = ThroughFloat.target(out);
        ElementwiseOps.unary(op, ThroughFloat.widen(x), r);
        ThroughFloat.narrow(r, out);
    }

    @Override
    public void binary(BinaryOp op, NDArray a, NDArray b, NDArray out) {
        NDArray r = ThroughFloat.target(out);
        ElementwiseOps.binary(op, ThroughFloat.widen(a), ThroughFloat.widen(b), r);
        ThroughFloat.narrow(r, out);
    }

    @Override
    public void binaryScalar(BinaryOp op, NDArray a, double s, boolean scalarFirst, NDArray out) {
        NDArray r = ThroughFloat.target(out);
        ElementwiseOps.binaryScalar(op, ThroughFloat.widen(a), s, scalarFirst, r);
        ThroughFloat.narrow(r, out);
    }

    @Override
    public void where(NDArray cond, NDArray a, NDArray b, NDArray out) {
        NDArray r = ThroughFloat.target(out);
        ElementwiseOps.where(cond, ThroughFloat.widen(a), ThroughFloat.widen(b), r);
        ThroughFloat.narrow(r, out);
    }

    @Override
    public void clamp(NDArray x, double lo, double hi, NDArray out) {
        NDArray r = ThroughFloat.target(out);
        ElementwiseOps.clamp(ThroughFloat.widen(x), lo, hi, r);
        ThroughFloat.narrow(r, out);
    }

    @Override
    public void reduce(ReduceOp op, NDArray x, boolean[] reduced, NDArray out) {
        NDArray r = ThroughFloat.target(out);
        ReduceOps.reduce(op, ThroughFloat.widen(x), reduced, r);
        ThroughFloat.narrow(r, out);
    }

    @Override
    public void argReduce(boolean max, NDArray x, int dim, NDArray values, NDArray indices) {
        NDArray r = ThroughFloat.target(values);
        ReduceOps.argReduce(max, ThroughFloat.widen(x), dim, r, indices);
        ThroughFloat.narrow(r, values);
    }

    @Override
    public void matmul(NDArray a, NDArray b, NDArray out) { Gemm.matmul(a, b, out); }

    @Override
    public void indexSelect(NDArray x, int dim, NDArray index, NDArray out) {
        NDArray r = ThroughFloat.target(out);
        IndexOps.indexSelect(ThroughFloat.widen(x), dim, index, r);
        ThroughFloat.narrow(r, out);
    }

    @Override
    public void gather(NDArray x, int dim, NDArray index, NDArray out) {
        NDArray r = ThroughFloat.target(out);
        IndexOps.gather(ThroughFloat.widen(x), dim, index, r);
        ThroughFloat.narrow(r, out);
    }

    @Override
    public void scatter(NDArray target, int dim, NDArray index, NDArray src, boolean accumulate) {
        NDArray t = ThroughFloat.widen(target);
        IndexOps.scatter(t, dim, index, ThroughFloat.widen(src), accumulate);
        ThroughFloat.narrow(t, target);
    }

    @Override
    public void indexAdd(NDArray target, int dim, NDArray index, NDArray src) {
        NDArray t = ThroughFloat.widen(target);
        IndexOps.indexAdd(t, dim, index, ThroughFloat.widen(src));
        ThroughFloat.narrow(t, target);
    }

    @Override
    public NDArray maskedSelect(NDArray x, NDArray mask) {
        if (ThroughFloat.needed(x)) return IndexOps.maskedSelect(x.to(DType.FLOAT32), mask).to(x.dtype());
        return IndexOps.maskedSelect(x, mask);
    }

    @Override
    public void im2col(NDArray x, int kh, int kw, int sh, int sw, int ph, int pw, int dh, int dw, NDArray out) {
        NDArray r = ThroughFloat.target(out);
        ConvOps.im2col(ThroughFloat.widen(x), kh, kw, sh, sw, ph, pw, dh, dw, r);
        ThroughFloat.narrow(r, out);
    }

    @Override
    public void col2im(NDArray cols, int kh, int kw, int sh, int sw, int ph, int pw, int dh, int dw, NDArray out) {
        NDArray r = ThroughFloat.target(out);
        ConvOps.col2im(ThroughFloat.widen(cols), kh, kw, sh, sw, ph, pw, dh, dw, r);
        ThroughFloat.narrow(r, out);
    }

    // ------------------------------------------------------------------ convolution and pooling
    // Convolutions go to cuDNN (CudnnConvolution); pooling to the NVRTC kernels of pooling.cu.

    @Override
    public void conv2d(NDArray x, NDArray w, NDArray bias, ConvParams p, NDArray out) { CudnnConvolution.forward(x, w, bias, p, out); }

    @Override
    public void conv2dBackwardInput(NDArray gy, NDArray w, ConvParams p, NDArray out) { CudnnConvolution.backwardData(gy, w, p, out); }

    @Override
    public void conv2dBackwardWeight(NDArray x, NDArray gy, ConvParams p, NDArray out) { CudnnConvolution.backwardFilter(x, gy, p, out); }

    @Override
    public void maxPool2d(NDArray x, int kh, int kw, int sh, int sw, int ph, int pw, int dh, int dw, NDArray values, NDArray indices) {
        PoolOps.maxPool2d(x, kh, kw, sh, sw, ph, pw, dh, dw, values, indices);
    }

    @Override
    public void maxPool2dBackward(NDArray gy, NDArray indices, NDArray out) { PoolOps.maxPool2dBackward(gy, indices, out); }

    @Override
    public void resample2d(NDArray x, Resampling alongH, Resampling alongW, NDArray out) { ResampleOps.resample2d(x, alongH, alongW, out); }

    // ------------------------------------------------------------------ whole recurrent networks (cuDNN)

    /** cuDNN's RNN API for RNN/LSTM/GRU stacks; {@code -Dkindling.cuda.cudnnRnn=false} keeps them on Tensor ops. */
    @Override
    public RecurrentNetwork recurrentNetwork() {
        return Boolean.parseBoolean(System.getProperty("kindling.cuda.cudnnRnn", "true")) ? CudnnRnn.INSTANCE : null;
    }
}
