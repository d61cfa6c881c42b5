package dev.kindling.cuda;

import dev.kindling.Random;
import dev.kindling.tensor.DType;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.bytedeco.cuda.cudnn.cudnnContext;
import org.bytedeco.cuda.cudnn.cudnnDropoutStruct;
import org.bytedeco.cuda.global.cudnn;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.SizeTPointer;

/**
 * cuDNN dropout descriptors for the RNN layers, one per device and probability, made once and kept:
 * setting one up initialises its random-number states on the GPU (a kernel over the whole states
 * buffer), and the states must outlive every forward and backward that uses them. The states are a
 * caching-allocator block held for the life of the process; the seed is drawn from Kindling's default
 * generator when the descriptor is made, so {@code Random.manualSeed} before the first use makes runs
 * repeat. Probability 0 needs no states (and is what eval mode and single-layer networks use).
 */
final class CudnnDropout {
    private record Entry(cudnnDropoutStruct descriptor, CudaStorage states) {}

    private static final Map<String, Entry> DESCRIPTORS = new ConcurrentHashMap<>();

    private CudnnDropout() {}

    static cudnnDropoutStruct descriptor(CudaDevice dev, double p) {
        return DESCRIPTORS.computeIfAbsent(dev.index() + " " + p, k -> create(dev, p)).descriptor();
    }

    private static Entry create(CudaDevice dev, double p) {
        dev.makeCurrent();
        cudnnContext h = Cudnn.handle(dev);
        cudnnDropoutStruct d = new cudnnDropoutStruct();
        Cudnn.check(cudnn.cudnnCreateDropoutDescriptor(d), "cudnnCreateDropoutDescriptor");
        if (p == 0) {
            Cudnn.check(cudnn.cudnnSetDropoutDescriptor(d, h, 0f, (Pointer) null, 0, 0), "cudnnSetDropoutDescriptor(0)");
            return new Entry(d, null);
        }
        try (SizeTPointer size = new SizeTPointer(1)) {
            Cudnn.check(cudnn.cudnnDropoutGetStatesSize(h, size), "cudnnDropoutGetStatesSize");
            CudaStorage states = new CudaStorage(dev, DType.BOOL, Math.toIntExact(size.get()));
            Cudnn.check(cudnn.cudnnSetDropoutDescriptor(d, h, (float) p, CudnnConvolution.ptr(states.address(0)), size.get(),
                    Random.defaultGenerator().nextLong()), "cudnnSetDropoutDescriptor(" + p + ")");
            return new Entry(d, states);
        }
    }
}
