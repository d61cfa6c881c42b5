package dev.kindling.samples;

import dev.kindling.Random;
import dev.kindling.autograd.GradCheck;
import dev.kindling.autograd.GradMode;
import dev.kindling.autograd.Tensor;
import dev.kindling.data.DataLoader;
import dev.kindling.data.TensorDataset;
import dev.kindling.nn.Linear;
import dev.kindling.nn.Module;
import dev.kindling.nn.functional.F;
import dev.kindling.optim.Adam;
import dev.kindling.tensor.DType;
import dev.kindling.tensor.Generator;
import dev.kindling.util.ProgressBar;
import java.io.PrintStream;
import java.util.Locale;
import java.util.Map;

/**
 * A user-defined op end to end: {@link SquarePlus} (a {@code Function} with its own backward) is checked
 * against finite differences with {@code GradCheck.gradcheck} and {@code gradgradcheck}, then used as the
 * activation of a small network that learns to tell two interleaved spirals apart. Needs no download.
 * <pre>
 * mvn -B -ntp -pl samples -am package -Dmaven.test.skip=true -Dsample=custom-op
 * </pre>
 * Options: {@code --epochs 30 --points 2000 --seed 0}.
 */
public final class CustomOp {
    private CustomOp() {}

    /** 2 -> hidden -> hidden -> 2 with squareplus between the layers. */
    static final class SpiralNet extends Module {
        final Linear fc1, fc2, fc3;
        final SquarePlus act = new SquarePlus(4);

        SpiralNet(int hidden) {
            fc1 = registerModule("fc1", new Linear(2, hidden));
            fc2 = registerModule("fc2", new Linear(hidden, hidden));
            fc3 = registerModule("fc3", new Linear(hidden, 2));
        }

        @Override
        public Tensor forward(Tensor x) { return fc3.forward(act.apply(fc2.forward(act.apply(fc1.forward(x))))); }
    }

    public static void main(String[] args) {
        Args a = new Args("custom-op", args, Map.of("epochs", "30", "points", "2000", "seed", "0"));
        run(a.integer("epochs"), a.integer("points"), a.seed(), System.out);
    }

    /** Checks the op, then trains; returns the final accuracy on held-out points in [0, 1]. */
    @SuppressWarnings("try")   // the no-grad scope is opened and closed, never referenced
    public static double run(int epochs, int points, long seed, PrintStream out) {
        Random.manualSeed(seed);
        Tensor x64 = Tensor.randn(DType.FLOAT64, 4, 5).mul(3.0).requiresGrad_(true);
        GradCheck.gradcheck(in -> new SquarePlus(4).apply(in[0]), x64);
        GradCheck.gradgradcheck(in -> new SquarePlus(4).apply(in[0]), x64);
        out.println("SquarePlus: gradcheck and gradgradcheck passed (float64, 20 elements)");

        Tensor[] train = spirals(points, seed), test = spirals(points / 4, seed + 1);
        SpiralNet model = new SpiralNet(64);
        Adam optimizer = new Adam(model.parameters(), 0.01);
        DataLoader<Tensor[]> loader = new DataLoader<>(new TensorDataset(train[0], train[1]), 64, true);
        double accuracy = 0;
        for (int epoch = 1; epoch <= epochs; epoch++) {
            long start = System.nanoTime();
            double lossSum = 0;
            int batches = 0;
            ProgressBar bar = Progress.epoch(epoch, epochs, loader.size(), out);
            for (Tensor[] batch : loader) {
                optimizer.zeroGrad();
                Tensor loss = F.crossEntropy(model.forward(batch[0]), batch[1]);
                loss.backward();
                optimizer.step();
                lossSum += loss.item();
                batches++;
                bar.step(batch[0].size(0), Progress.values("loss", lossSum / batches));
            }
            bar.finish(Map.of());
            try (GradMode.Scope noGrad = GradMode.noGrad()) {
                accuracy = model.forward(test[0]).argmax(1, false).eq(test[1]).sum().item() / test[1].numel();
            }
            out.printf(Locale.ROOT, "epoch %d/%d  train loss %.4f  test accuracy %.2f%%  time %.3f s%n",
                    epoch, epochs, lossSum / batches, 100 * accuracy, (System.nanoTime() - start) / 1e9);
        }
        out.printf(Locale.ROOT, "final test accuracy: %.2f%%%n", 100 * accuracy);
        return accuracy;
    }

    /**
     * {@code n} points on two interleaved spirals with a little noise: inputs [n, 2], labels [n] (0 or 1).
     * Arm k at angle t sits at radius t / 3, rotated by k * pi.
     */
    static Tensor[] spirals(int n, long seed) {
        Generator g = new Generator(seed);
        float[] xy = new float[2 * n];
        long[] label = new long[n];
        for (int i = 0; i < n; i++) {
            int arm = i % 2;
            double t = 0.5 + 2 * Math.PI * g.nextDouble();   // one turn
            double angle = t + arm * Math.PI;
            xy[2 * i] = (float) (t * Math.cos(angle) / 3 + 0.05 * g.nextGaussian());
            xy[2 * i + 1] = (float) (t * Math.sin(angle) / 3 + 0.05 * g.nextGaussian());
            label[i] = arm;
        }
        return new Tensor[]{Tensor.of(xy, n, 2), Tensor.of(label, n)};
    }
}
