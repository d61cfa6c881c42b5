package dev.kindling.samples;

import dev.kindling.Random;
import dev.kindling.autograd.GradMode;
import dev.kindling.autograd.Tensor;
import dev.kindling.data.DataLoader;
import dev.kindling.data.MNIST;
import dev.kindling.data.Normalize;
import dev.kindling.data.TensorDataset;
import dev.kindling.nn.Linear;
import dev.kindling.nn.ReLU;
import dev.kindling.nn.Sequential;
import dev.kindling.nn.functional.F;
import dev.kindling.optim.Adam;
import dev.kindling.optim.lr.ExponentialLR;
import dev.kindling.util.ProgressBar;
import java.io.PrintStream;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Locale;
import java.util.Map;

/**
 * The main job: a multilayer perceptron 784-512-512-10 (ReLU) trained on MNIST with Adam (lr 1e-3, halved
 * after every epoch; batch 128) for 3 epochs, which reaches about 98% test accuracy. MNIST is fetched on first use into
 * {@code $KINDLING_DATA/mnist}. Each epoch prints its mean training loss, the test loss and accuracy, and
 * its wall time; the last line is {@code final test accuracy: NN.NN%}.
 * <pre>
 * mvn -B -ntp -pl samples -am package -Dmaven.test.skip=true -Dsample=mnist-mlp
 * </pre>
 * Options: {@code --epochs 3 --batch-size 128 --lr 0.001 --seed 0 --data DIR}.
 */
public final class MnistMlp {
    /** MNIST's pixel mean and standard deviation over the training set, as every PyTorch example uses. */
    static final double MEAN = 0.1307, STD = 0.3081;

    private MnistMlp() {}

    public static void main(String[] args) {
        Args a = new Args("mnist-mlp", args, Map.of("epochs", "3", "batch-size", "128", "lr", "0.001", "seed", "0",
                "data", MNIST.defaultDir().toString()));
        run(Paths.get(a.string("data")), a.integer("epochs"), a.integer("batch-size"), a.number("lr"), a.seed(), System.out);
    }

    /** Trains and evaluates as described above, printing to {@code out}; returns the final test accuracy in [0, 1]. */
    @SuppressWarnings("try")   // the no-grad scope is opened and closed, never referenced
    public static double run(Path data, int epochs, int batchSize, double lr, long seed, PrintStream out) {
        Random.manualSeed(seed);
        MNIST trainSet = MNIST.train(data), testSet = MNIST.test(data);
        // The whole split as two tensors, normalised once: each batch is then one indexSelect, with no
        // per-image work in the loop.
        Normalize normalize = new Normalize(new double[]{MEAN}, new double[]{STD});
        Tensor trainX = flat(normalize.apply(trainSet.images())), trainY = trainSet.targets();
        Tensor testX = flat(normalize.apply(testSet.images())), testY = testSet.targets();
        out.printf(Locale.ROOT, "MNIST: %d training and %d test images from %s%n", trainSet.size(), testSet.size(), data);

        Sequential model = new Sequential(new Linear(784, 512), new ReLU(), new Linear(512, 512), new ReLU(), new Linear(512, 10));
        Adam optimizer = new Adam(model.parameters(), lr);
        // Halving the learning rate after each epoch settles the last epochs: about +0.5% test accuracy
        // after 3 epochs, and the seed no longer decides whether 97.5% is reached.
        ExponentialLR schedule = new ExponentialLR(optimizer, 0.5);
        DataLoader<Tensor[]> loader = new DataLoader<>(new TensorDataset(trainX, trainY), batchSize, true);
        out.println(model);

        double accuracy = 0;
        for (int epoch = 1; epoch <= epochs; epoch++) {
            long start = System.nanoTime();
            double lossSum = 0, epochLr = optimizer.paramGroups().get(0).lr();
            int batches = 0;
            model.train();
            ProgressBar bar = Progress.epoch(epoch, epochs, loader.size(), out);
            for (Tensor[] batch : loader) {
                optimizer.zeroGrad();
                Tensor loss = F.crossEntropy(model.forward(batch[0]), batch[1]);
                loss.backward();
                optimizer.step();
                lossSum += loss.item();
                batches++;
                bar.step(batch[0].shape()[0], Map.of("loss", lossSum / batches));
            }
            bar.finish(Map.of());
            schedule.step();
            double trainSeconds = (System.nanoTime() - start) / 1e9;
            model.eval();
            double testLoss;
            try (GradMode.Scope noGrad = GradMode.noGrad()) {
                Tensor logits = model.forward(testX);
                testLoss = F.crossEntropy(logits, testY).item();
                accuracy = logits.argmax(1, false).eq(testY).sum().item() / testY.numel();
            }
            out.printf(Locale.ROOT, "epoch %d/%d  lr %.6f  train loss %.4f  test loss %.4f  test accuracy %.2f%%  time %.2f s (train %.2f s)%n",
                    epoch, epochs, epochLr, lossSum / batches, testLoss, 100 * accuracy, (System.nanoTime() - start) / 1e9, trainSeconds);
        }
        out.printf(Locale.ROOT, "final test accuracy: %.2f%%%n", 100 * accuracy);
        return accuracy;
    }

    private static Tensor flat(Tensor images) { return images.reshape(images.size(0), -1); }
}
