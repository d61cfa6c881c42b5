package dev.kindling.data;

import dev.kindling.autograd.Tensor;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Zalando's Fashion-MNIST (torchvision.datasets.FashionMNIST): a drop-in replacement for {@link MNIST}
 * with 28 x 28 grey pictures of clothing in 10 classes, the same file names and format, 60,000 training and
 * 10,000 test images. Everything about items, transforms, the whole-split tensors and file checks is as
 * in {@link MNIST}; the default directory is {@code $KINDLING_DATA/fashion-mnist}.
 * <pre>{@code
 * FashionMNIST test = FashionMNIST.test(Path.of("data/fashion-mnist"));
 * String name = test.classes().get(test.label(0));   // "Ankle boot"
 * }</pre>
 * Missing files are downloaded from the canonical mirrors only: no npm package ships Fashion-MNIST, so
 * an offline machine needs the files copied into the directory by hand.
 */
public final class FashionMNIST extends MNIST {
    static final Fetcher SOURCE = new Fetcher("FashionMNIST",
            List.of("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
                    "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/"),
            Map.of("train-images-idx3-ubyte", "f4a8712d7a061bf5bd6d2ca38dc4d50a",
                    "train-labels-idx1-ubyte", "9018921c3c673c538a1fc5bad174d6f9",
                    "t10k-images-idx3-ubyte", "8181f5470baa50b63fa0f6fddb340f0a",
                    "t10k-labels-idx1-ubyte", "15d484375f8d13e6eb1aabb0c3f46965"),
            null, null);
    private static final List<String> CLASSES = List.of("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal",
            "Shirt", "Sneaker", "Bag", "Ankle boot");

    private FashionMNIST(Path imageFile, Path labelFile) { super("FashionMNIST", imageFile, labelFile, CLASSES); }

    /** The 60,000 training images, read from (or downloaded into) {@code dir}. */
    public static FashionMNIST train(Path dir) { return load(SOURCE, dir, true, FashionMNIST::new); }

    /** The 10,000 test images, read from (or downloaded into) {@code dir}. */
    public static FashionMNIST test(Path dir) { return load(SOURCE, dir, false, FashionMNIST::new); }

    /** The training split in {@link #defaultDir()}. */
    public static FashionMNIST train() { return train(defaultDir()); }

    /** The test split in {@link #defaultDir()}. */
    public static FashionMNIST test() { return test(defaultDir()); }

    /** {@code $KINDLING_DATA/fashion-mnist}, or {@code ~/.kindling/data/fashion-mnist}. */
    public static Path defaultDir() { return Datasets.root().resolve("fashion-mnist"); }

    @Override
    public FashionMNIST transform(Transform<Image, Tensor> transform) {
        super.transform(transform);
        return this;
    }
}
