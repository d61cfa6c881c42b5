package dev.kindling.samples;

import dev.kindling.Random;
import dev.kindling.autograd.GradMode;
import dev.kindling.autograd.Tensor;
import dev.kindling.data.DataLoader;
import dev.kindling.data.MNIST;
import dev.kindling.data.TensorDataset;
import dev.kindling.nn.Linear;
import dev.kindling.nn.Module;
import dev.kindling.nn.ReLU;
import dev.kindling.nn.Sequential;
import dev.kindling.nn.functional.F;
import dev.kindling.optim.Adam;
import dev.kindling.util.ProgressBar;
import java.io.PrintStream;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Locale;
import java.util.Map;

/**
 * An MNIST autoencoder: an encoder 784 -> 256 -> {@code code} squeezes each digit into a short code and a
 * decoder {@code code} -> 256 -> 784 draws it again. Trained with Adam (lr 1e-3, batch 128) on binary
 * cross-entropy between the pixels (in [0, 1]) and the decoder's logits; each epoch prints that
 * reconstruction loss on the training and the test images, the test mean squared error per pixel and its
 * time. At the end it writes a PNG of test digits, each original beside its reconstruction, and prints its path.
 * MNIST is fetched on first use into {@code $KINDLING_DATA/mnist}.
 * <pre>
 * mvn -B -ntp -pl samples -am package -Dmaven.test.skip=true -Dsample=autoencoder -Dsample.args="--out /tmp/ae.png"
 * </pre>
 * Options: {@code --epochs 5 --batch-size 128 --lr 0.001 --code 32 --images 32 --out autoencoder.png --seed 0 --data DIR}
 * (a relative {@code --out} is resolved against the directory the JVM runs in, which for the Maven command is {@code samples/}).
 */
public final class Autoencoder {
    /** Pairs per row of the PNG. */
    static final int PER_ROW = 8;

    private Autoencoder() {}

    /** The two halves; {@link #forward} gives the decoder's logits, {@code sigmoid} of them the image. */
    static final class Net extends Module {
        final Sequential encoder, decoder;

        Net(int code) {
            encoder = registerModule("encoder", new Sequential(new Linear(784, 256), new ReLU(), new Linear(256, code)));
            decoder = registerModule("decoder", new Sequential(new Linear(code, 256), new ReLU(), new Linear(256, 784)));
        }

        /** [N, 784] pixels -> [N, 784] logits of the reconstruction. */
        @Override
        public Tensor forward(Tensor x) { return decoder.forward(encoder.forward(x)); }
    }

    /** What a run measured and wrote. */
    public record Result(double testLoss, double testMse, Path image) {}

    public static void main(String[] args) {
        Args a = new Args("autoencoder", args, Map.of("epochs", "5", "batch-size", "128", "lr", "0.001", "code", "32",
                "images", "32", "out", "autoencoder.png", "seed", "0", "data", MNIST.defaultDir().toString()));
        run(Paths.get(a.string("data")), a.integer("epochs"), a.integer("batch-size"), a.number("lr"), a.integer("code"),
                a.integer("images"), Paths.get(a.string("out")), a.seed(), System.out);
    }

    /** Trains and evaluates as described above, printing to {@code out}; writes {@code images} pairs to {@code png}. */
    @SuppressWarnings("try")   // the no-grad scope is opened and closed, never referenced
    public static Result run(Path data, int epochs, int batchSize, double lr, int code, int images, Path png, long seed, PrintStream out) {
        Random.manualSeed(seed);
        MNIST trainSet = MNIST.train(data), testSet = MNIST.test(data);
        if (images < 1 || images > testSet.size()) {
            throw new IllegalArgumentException("autoencoder: --images must be in 1.." + testSet.size() + ", got " + images);
        }
        // Pixels in [0, 1], unnormalised: they are the targets of the binary cross-entropy.
        Tensor trainX = trainSet.images().reshape(trainSet.size(), 784), testX = testSet.images().reshape(testSet.size(), 784);
        out.printf(Locale.ROOT, "MNIST: %d training and %d test images from %s%n", trainSet.size(), testSet.size(), data);

        Net model = new Net(code);
        Adam optimizer = new Adam(model.parameters(), lr);
        DataLoader<Tensor[]> loader = new DataLoader<>(new TensorDataset(trainX), batchSize, true);
        out.println(model);

        double testLoss = Double.NaN, testMse = Double.NaN;
        for (int epoch = 1; epoch <= epochs; epoch++) {
            long start = System.nanoTime();
            double lossSum = 0;
            int batches = 0;
            model.train();
            ProgressBar bar = Progress.epoch(epoch, epochs, loader.size(), out);
            for (Tensor[] batch : loader) {
                Tensor x = batch[0];
                optimizer.zeroGrad();
                Tensor loss = F.binaryCrossEntropyWithLogits(model.forward(x), x);
                loss.backward();
                optimizer.step();
                lossSum += loss.item();
                batches++;
                bar.step(x.size(0), Progress.values("loss", lossSum / batches));
            }
            bar.finish(Map.of());
            model.eval();
            try (GradMode.Scope noGrad = GradMode.noGrad()) {
                Tensor logits = model.forward(testX);
                testLoss = F.binaryCrossEntropyWithLogits(logits, testX).item();
                testMse = F.mseLoss(logits.sigmoid(), testX).item();
            }
            out.printf(Locale.ROOT, "epoch %d/%d  train loss %.4f  test loss %.4f (binary cross-entropy per pixel)  test MSE %.5f  time %.2f s%n",
                    epoch, epochs, lossSum / batches, testLoss, testMse, (System.nanoTime() - start) / 1e9);
        }
        Tensor originals = testX.narrow(0, 0, images);
        Tensor reconstructions;
        try (GradMode.Scope noGrad = GradMode.noGrad()) {
            reconstructions = model.forward(originals).sigmoid();
        }
        Path written = ImageGrid.write(ImageGrid.pairs(originals.reshape(images, 28, 28), reconstructions.reshape(images, 28, 28),
                PER_ROW), png);
        out.printf(Locale.ROOT, "wrote %d test digits (left) beside their reconstructions (right) to %s%n", images, written);
        return new Result(testLoss, testMse, written);
    }
}
