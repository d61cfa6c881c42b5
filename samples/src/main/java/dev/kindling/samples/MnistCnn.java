package dev.kindling.samples;

import dev.kindling.Random;
import dev.kindling.autograd.GradMode;
import dev.kindling.autograd.Tensor;
import dev.kindling.data.DataLoader;
import dev.kindling.data.MNIST;
import dev.kindling.data.Normalize;
import dev.kindling.data.TensorDataset;
import dev.kindling.nn.Conv2d;
import dev.kindling.nn.Flatten;
import dev.kindling.nn.Linear;
import dev.kindling.nn.MaxPool2d;
import dev.kindling.nn.ReLU;
import dev.kindling.nn.Sequential;
import dev.kindling.nn.functional.F;
import dev.kindling.optim.Adam;
import dev.kindling.optim.lr.ExponentialLR;
import dev.kindling.util.ProgressBar;
import java.io.PrintStream;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A LeNet-style convolutional network on MNIST: two 5 x 5 convolutions with ReLU and 2 x 2 max pooling,
 * then three fully-connected layers, trained with Adam (lr 1e-3, times 0.7 after every epoch; batch 64).
 * It reaches about 99% test accuracy in 3 epochs. MNIST is fetched on first use into
 * {@code $KINDLING_DATA/mnist}. Each epoch prints its mean training loss and accuracy, the test loss and
 * accuracy, and its wall time; the last line is {@code final test accuracy: NN.NN%}.
 * <pre>
 * mvn -B -ntp -pl samples -am package -Dmaven.test.skip=true -Dsample=mnist-cnn
 * </pre>
 * Options: {@code --epochs 3 --batch-size 64 --lr 0.001 --seed 0 --data DIR}.
 */
public final class MnistCnn {
    private MnistCnn() {}

    public static void main(String[] args) {
        Args a = new Args("mnist-cnn", args, Map.of("epochs", "3", "batch-size", "64", "lr", "0.001", "seed", "0",
                "data", MNIST.defaultDir().toString()));
        run(Paths.get(a.string("data")), a.integer("epochs"), a.integer("batch-size"), a.number("lr"), a.seed(), System.out);
    }

    /**
     * The network: [N, 1, 28, 28] -> conv 5x5 (padding 2) -> [N, 16, 28, 28] -> pool -> [N, 16, 14, 14] -> conv 5x5
     * -> [N, 32, 10, 10] -> pool -> [N, 32, 5, 5] -> 800 -> 120 -> 84 -> 10 logits. LeNet-5 (LeCun et al., 1998)
     * with ReLU for its squashing functions and max for its subsampling, as it is usually written today, and
     * its channels widened from 6 and 16 (docs/samples.md).
     */
    static Sequential leNet() {
        return new Sequential(
                new Conv2d(1, 16, 5, 1, 2), new ReLU(), new MaxPool2d(2),
                new Conv2d(16, 32, 5), new ReLU(), new MaxPool2d(2),
                new Flatten(),
                new Linear(32 * 5 * 5, 120), new ReLU(),
                new Linear(120, 84), new ReLU(),
                new Linear(84, 10));
    }

    /** Trains and evaluates as described above, printing to {@code out}; returns the final test accuracy in [0, 1]. */
    @SuppressWarnings("try")   // the no-grad scope is opened and closed, never referenced
    public static double run(Path data, int epochs, int batchSize, double lr, long seed, PrintStream out) {
        Random.manualSeed(seed);
        MNIST trainSet = MNIST.train(data), testSet = MNIST.test(data);
        // Whole splits as [N, 1, 28, 28] tensors, normalised once: a batch is then one indexSelect.
        Normalize normalize = new Normalize(new double[]{MnistMlp.MEAN}, new double[]{MnistMlp.STD});
        Tensor trainX = normalize.apply(trainSet.images()), trainY = trainSet.targets();
        Tensor testX = normalize.apply(testSet.images()), testY = testSet.targets();
        out.printf(Locale.ROOT, "MNIST: %d training and %d test images from %s%n", trainSet.size(), testSet.size(), data);

        Sequential model = leNet();
        Adam optimizer = new Adam(model.parameters(), lr);
        // Decaying the rate settles the last epoch: the final accuracy depends less on the last batches seen.
        ExponentialLR schedule = new ExponentialLR(optimizer, 0.7);
        DataLoader<Tensor[]> loader = new DataLoader<>(new TensorDataset(trainX, trainY), batchSize, true);
        out.println(model);

        double accuracy = 0;
        for (int epoch = 1; epoch <= epochs; epoch++) {
            long start = System.nanoTime();
            double lossSum = 0, epochLr = optimizer.paramGroups().get(0).lr();
            long correct = 0, seen = 0;
            int batches = 0;
            model.train();
            ProgressBar bar = Progress.epoch(epoch, epochs, loader.size(), out);
            for (Tensor[] batch : loader) {
                optimizer.zeroGrad();
                Tensor logits = model.forward(batch[0]);
                Tensor loss = F.crossEntropy(logits, batch[1]);
                loss.backward();
                optimizer.step();
                lossSum += loss.item();
                batches++;
                correct += (long) logits.argmax(1, false).eq(batch[1]).sum().item();
                seen += batch[1].numel();
                bar.step(batch[0].size(0), Progress.values("loss", lossSum / batches, "accuracy", (double) correct / seen));
            }
            bar.finish(Map.of());
            schedule.step();
            double trainSeconds = (System.nanoTime() - start) / 1e9;
            model.eval();
            double testLoss;
            try (GradMode.Scope noGrad = GradMode.noGrad()) {
                Tensor logits = evaluate(model, testX, 1000);
                testLoss = F.crossEntropy(logits, testY).item();
                accuracy = logits.argmax(1, false).eq(testY).sum().item() / testY.numel();
            }
            out.printf(Locale.ROOT, "epoch %d/%d  lr %.6f  train loss %.4f  train accuracy %.2f%%  test loss %.4f  test accuracy %.2f%%"
                            + "  time %.2f s (train %.2f s)%n",
                    epoch, epochs, epochLr, lossSum / batches, 100.0 * correct / seen, testLoss, 100 * accuracy,
                    (System.nanoTime() - start) / 1e9, trainSeconds);
        }
        out.printf(Locale.ROOT, "final test accuracy: %.2f%%%n", 100 * accuracy);
        return accuracy;
    }

    /** The model's logits for every row of {@code x}, computed {@code chunk} images at a time to bound the activations' memory. */
    static Tensor evaluate(Sequential model, Tensor x, int chunk) {
        List<Tensor> parts = new ArrayList<>();
        for (int from = 0; from < x.size(0); from += chunk) {
            parts.add(model.forward(x.narrow(0, from, Math.min(chunk, x.size(0) - from))));
        }
        return Tensor.cat(parts, 0);
    }
}
