package dev.kindling.nn;

import dev.kindling.autograd.Tensor;
import dev.kindling.tensor.Shapes;
import java.util.Arrays;

/** Splits one dim into several: Unflatten(1, 2, 5) turns [N, 10] into [N, 2, 5]. */
public class Unflatten extends Module {
    public final int dim;
    private final int[] sizes;

    public Unflatten(int dim, int... sizes) {
        this.dim = dim;
        this.sizes = sizes.clone();
    }

    @Override
    public Tensor forward(Tensor x) {
        int[] s = x.shape();
        int d = Shapes.dim("Unflatten", dim, s.length);
        long product = 1;
        for (int v : sizes) product *= v;
        if (product != s[d]) {
            throw new IllegalArgumentException("Unflatten: sizes " + Arrays.toString(sizes) + " multiply to " + product
                    + " but dim " + d + " of " + Shapes.str(s) + " has size " + s[d]);
        }
        int[] out = new int[s.length - 1 + sizes.length];
        System.arraycopy(s, 0, out, 0, d);
        System.arraycopy(sizes, 0, out, d, sizes.length);
        System.arraycopy(s, d + 1, out, d + sizes.length, s.length - d - 1);
        return x.reshape(out);
    }

    @Override
    protected String describe() { return "Unflatten(dim=" + dim + ", sizes=" + Arrays.toString(sizes) + ")"; }
}
