package dev.kindling.samples;

import dev.kindling.Random;
import dev.kindling.autograd.GradMode;
import dev.kindling.autograd.Node;
import dev.kindling.autograd.Tensor;
import dev.kindling.nn.Embedding;
import dev.kindling.nn.Linear;
import dev.kindling.nn.Module;
import dev.kindling.nn.functional.F;
import dev.kindling.optim.Adam;
import dev.kindling.tensor.Generator;
import dev.kindling.util.ProgressBar;
import java.io.PrintStream;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Define-by-run, shown: a recursive network that reads an arithmetic expression along its parse tree
 * ({@code ((3 + 5) - 9)}) and predicts its value mod 10. The forward pass is a plain recursive Java
 * method, so every expression records a graph of its own shape and size, and backward differentiates
 * exactly what ran. A digit is an embedding; an operator node combines its children's vectors with
 * that operator's own two-layer network. Trees get larger as training goes on (a curriculum). Needs no download.
 * <pre>
 * mvn -B -ntp -pl samples -am package -Dmaven.test.skip=true -Dsample=dynamic-net
 * </pre>
 * Options: {@code --epochs 10 --trees 2000 --seed 0}.
 */
public final class DynamicNet {
    private DynamicNet() {}

    /** The recursive model: {@code encode} follows the tree, {@code forward} classifies the root's vector. */
    static final class TreeNet extends Module {
        final Embedding digits;
        final Linear plusHidden, plusOut, minusHidden, minusOut, classifier;

        TreeNet(int dim) {
            digits = registerModule("digits", new Embedding(10, dim));
            plusHidden = registerModule("plusHidden", new Linear(2 * dim, 2 * dim));
            plusOut = registerModule("plusOut", new Linear(2 * dim, dim));
            minusHidden = registerModule("minusHidden", new Linear(2 * dim, 2 * dim));
            minusOut = registerModule("minusOut", new Linear(2 * dim, dim));
            classifier = registerModule("classifier", new Linear(dim, 10));
        }

        /** The expression's vector [1, dim]: an ordinary recursion, recorded as it runs. */
        Tensor encode(Expr e) {
            if (e instanceof Expr.Digit d) return digits.forward(Tensor.of(new long[]{d.digit()}));
            Expr.Op op = (Expr.Op) e;
            Tensor children = Tensor.cat(List.of(encode(op.left()), encode(op.right())), 1);
            Linear hidden = op.op() == '+' ? plusHidden : minusHidden, out = op.op() == '+' ? plusOut : minusOut;
            return out.forward(hidden.forward(children).relu()).tanh();
        }

        /** Logits [1, 10] for the expression's value. */
        Tensor forward(Expr e) { return classifier.forward(encode(e)); }
    }

    public static void main(String[] args) {
        Args a = new Args("dynamic-net", args, Map.of("epochs", "10", "trees", "2000", "seed", "0"));
        run(a.integer("epochs"), a.integer("trees"), a.seed(), System.out);
    }

    /** Trains on random expressions and returns the accuracy on held-out ones with 2-6 digits, in [0, 1]. */
    public static double run(int epochs, int trees, long seed, PrintStream out) {
        Random.manualSeed(seed);
        Generator g = new Generator(seed);
        TreeNet model = new TreeNet(32);
        Adam optimizer = new Adam(model.parameters(), 3e-3);
        List<Expr> test = expressions(new Generator(seed + 1), 500, 6);
        for (int n : new int[]{1, 3, 8}) {
            Expr e = Expr.random(new Generator(n), n);
            out.printf(Locale.ROOT, "%-40s %d digits -> graph of %d nodes%n", e, n, graphSize(model.forward(e)));
        }
        double accuracy = 0;
        for (int epoch = 1; epoch <= epochs; epoch++) {
            long start = System.nanoTime();
            int maxLeaves = Math.min(6, 2 + epoch);   // start with short expressions, then longer
            List<Expr> train = expressions(g, trees, maxLeaves);
            double lossSum = 0;
            int batches = 0;
            ProgressBar bar = Progress.epoch(epoch, epochs, (train.size() + 15) / 16, out);
            for (int from = 0; from < train.size(); from += 16) {
                List<Expr> batch = train.subList(from, Math.min(train.size(), from + 16));
                optimizer.zeroGrad();
                Tensor loss = loss(model, batch);
                loss.backward();
                optimizer.step();
                lossSum += loss.item();
                batches++;
                bar.step(batch.size(), Progress.values("loss", lossSum / batches));
            }
            bar.finish(Map.of());
            accuracy = accuracy(model, test);
            out.printf(Locale.ROOT, "epoch %d/%d  expressions up to %d digits  train loss %.4f  test accuracy %.2f%%  time %.2f s%n",
                    epoch, epochs, maxLeaves, lossSum / batches, 100 * accuracy, (System.nanoTime() - start) / 1e9);
        }
        out.printf(Locale.ROOT, "final test accuracy: %.2f%%%n", 100 * accuracy);
        return accuracy;
    }

    /** Mean cross-entropy over a batch of trees: each tree's own graph, joined at the loss. */
    static Tensor loss(TreeNet model, List<Expr> batch) {
        List<Tensor> logits = new ArrayList<>(batch.size());
        long[] targets = new long[batch.size()];
        for (int i = 0; i < batch.size(); i++) {
            logits.add(model.forward(batch.get(i)));
            targets[i] = batch.get(i).value();
        }
        return F.crossEntropy(Tensor.cat(logits, 0), Tensor.of(targets));
    }

    @SuppressWarnings("try")   // the no-grad scope is opened and closed, never referenced
    static double accuracy(TreeNet model, List<Expr> exprs) {
        int correct = 0;
        try (GradMode.Scope noGrad = GradMode.noGrad()) {
            for (Expr e : exprs) if ((int) model.forward(e).argmax().item() == e.value()) correct++;
        }
        return (double) correct / exprs.size();
    }

    /** {@code n} random expressions of 2 to {@code maxLeaves} digits. */
    static List<Expr> expressions(Generator g, int n, int maxLeaves) {
        List<Expr> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) out.add(Expr.random(g, (int) g.nextLong(2, maxLeaves + 1)));
        return out;
    }

    /** The number of distinct nodes in the graph recorded for {@code t}: what backward will walk. */
    public static int graphSize(Tensor t) {
        Set<Node> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        ArrayDeque<Node> todo = new ArrayDeque<>();
        if (t.gradFn() != null) todo.add(t.gradFn());
        while (!todo.isEmpty()) {
            Node n = todo.poll();
            if (seen.add(n)) todo.addAll(n.nextFunctions());
        }
        return seen.size();
    }
}
