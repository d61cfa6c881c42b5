package dev.kindling.data;

import dev.kindling.autograd.Tensor;
import dev.kindling.tensor.Shapes;

/**
 * Samples are slices along dim 0 of a few tensors that share that size (torch.utils.data.TensorDataset):
 * item i is {@code {t0[i], t1[i], ...}}. A {@link DataLoader} over one batches them with a single
 * indexSelect per tensor.
 * <pre>{@code
 * TensorDataset ds = new TensorDataset(images, labels);   // [60000, 1, 28, 28], [60000]
 * Tensor[] first = ds.get(0);                             // {[1, 28, 28], []}
 * }</pre>
 */
public final class TensorDataset implements Dataset<Tensor[]> {
    private final Tensor[] tensors;

    public TensorDataset(Tensor... tensors) {
        if (tensors.length == 0) throw new IllegalArgumentException("TensorDataset: needs at least one tensor");
        for (int i = 0; i < tensors.length; i++) {
            if (tensors[i] == null) throw new IllegalArgumentException("TensorDataset: tensor " + i + " is null");
            if (tensors[i].dim() == 0) throw new IllegalArgumentException("TensorDataset: tensor " + i + " is 0-d; samples are slices along dim 0");
        }
        for (int i = 1; i < tensors.length; i++) {
            if (tensors[i].size(0) != tensors[0].size(0)) {
                throw new IllegalArgumentException("TensorDataset: every tensor needs the same size along dim 0, but tensor 0 has shape "
                        + Shapes.str(tensors[0].shape()) + " and tensor " + i + " has shape " + Shapes.str(tensors[i].shape()));
            }
        }
        this.tensors = tensors.clone();
    }

    @Override
    public int size() { return tensors[0].size(0); }

    /** {@code {t0[index], t1[index], ...}}: views, not copies. */
    @Override
    public Tensor[] get(int index) {
        if (index < 0 || index >= size()) {
            throw new IndexOutOfBoundsException("TensorDataset.get: index " + index + " is out of range for " + size() + " samples");
        }
        Tensor[] out = new Tensor[tensors.length];
        for (int i = 0; i < tensors.length; i++) out[i] = tensors[i].select(0, index);
        return out;
    }

    /** The tensors it slices (the array is a copy). */
    public Tensor[] tensors() { return tensors.clone(); }
}
