package dev.kindling.benchmarks;

import dev.kindling.Random;
import dev.kindling.autograd.Tensor;
import dev.kindling.nn.LSTM;
import dev.kindling.nn.LSTMCell;
import dev.kindling.nn.Linear;
import dev.kindling.nn.Module;
import dev.kindling.nn.RecurrentState;
import dev.kindling.nn.functional.F;
import dev.kindling.optim.SGD;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * PERF.md's LSTM step, as ../shared/peers runs it on PyTorch ({@code lstm_step}): LSTM(64, 256) over
 * 35 steps of a batch of 32 (time-major), Linear(256, 64) on every step's output, cross-entropy over
 * all 35 * 32 positions, backward, SGD lr 0.01. Compare {@code step} with the peers' {@code lstm_step}
 * run right before or after on the same machine. {@code cellLoop} is the same model written as a loop
 * of LSTMCell steps (one autograd node and one input GEMM per step instead of one each per sequence):
 * the measured case for running the whole sequence in one node.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 10, time = 2)
@Fork(1)
public class LstmStepBench {
    static final int STEPS = 35, BATCH = 32, INPUT = 64, HIDDEN = 256, CLASSES = 64;

    /** The peers' model: the LSTM's output sequence, flattened to [T * B, H], through the linear layer. */
    static final class Model extends Module {
        final LSTM lstm = registerModule("lstm", new LSTM(INPUT, HIDDEN));
        final Linear out = registerModule("out", new Linear(HIDDEN, CLASSES));

        @Override
        public Tensor forward(Tensor x) { return out.forward(lstm.forward(x).reshape(-1, HIDDEN)); }
    }

    /** The same model with the recurrence written as a loop of LSTMCell steps. */
    static final class CellModel extends Module {
        final LSTMCell cell = registerModule("cell", new LSTMCell(INPUT, HIDDEN));
        final Linear out = registerModule("out", new Linear(HIDDEN, CLASSES));

        @Override
        public Tensor forward(Tensor x) {
            List<Tensor> hs = new ArrayList<>(STEPS);
            RecurrentState s = null;
            for (int t = 0; t < STEPS; t++) {
                s = cell.forward(x.select(0, t), s);
                hs.add(s.hidden());
            }
            return out.forward(Tensor.stack(hs, 0).reshape(-1, HIDDEN));
        }
    }

    Model model;
    CellModel cellModel;
    SGD sgd, cellSgd;
    Tensor x, y;

    @Setup
    public void setup() {
        Random.manualSeed(1);
        model = new Model();
        sgd = new SGD(model.parameters(), 0.01);
        cellModel = new CellModel();
        cellSgd = new SGD(cellModel.parameters(), 0.01);
        x = Tensor.rand(STEPS, BATCH, INPUT).mul(2.0).sub(1.0);
        y = Tensor.randint(0, CLASSES, STEPS * BATCH);
    }

    @Benchmark
    public double step() { return train(model, sgd); }

    /** {@link #step} on Kindling's own recurrent kernels instead of oneDNN's (docs/recurrent.md). */
    @Benchmark
    @Fork(value = 1, jvmArgsAppend = "-Dkindling.dnnl=false")
    public double stepOnKernels() { return train(model, sgd); }

    @Benchmark
    public double cellLoop() { return train(cellModel, cellSgd); }

    private double train(Module m, SGD opt) {
        opt.zeroGrad();
        Tensor loss = F.crossEntropy(m.forward(x), y);
        loss.backward();
        opt.step();
        return loss.item();
    }
}
