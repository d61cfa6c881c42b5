package dev.kindling.benchmarks;

import dev.kindling.Memory;
import dev.kindling.Random;
import dev.kindling.autograd.Tensor;
import dev.kindling.nn.Linear;
import dev.kindling.nn.ReLU;
import dev.kindling.nn.Sequential;
import dev.kindling.nn.functional.F;
import dev.kindling.optim.SGD;

/**
 * The memory soak (not a unit test): the plain training loop with fresh batch tensors every step and
 * nothing freed by hand, sampling the process's resident memory every 500 steps. Resident memory must
 * be flat after warm-up: less than 5% growth from step 500 to the end.
 * <pre>
 * java -Xms512m -Xmx512m -XX:+AlwaysPreTouch -cp benchmarks/target/benchmarks.jar dev.kindling.benchmarks.MemorySoak [steps]
 * </pre>
 * The fixed, pre-touched heap matters: otherwise the JVM grows its heap when it sees fit (one such
 * step took RSS from 240 to 347 MiB at step 2000 in a run with -Xmx2g alone, heap in use staying
 * under 260 MiB), which is the collector's sizing, not a leak. Exit status 1 when the growth is 5% or more.
 */
public final class MemorySoak {
    public static void main(String[] args) {
        int steps = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
        Random.manualSeed(1);
        Sequential model = new Sequential(new Linear(784, 512), new ReLU(), new Linear(512, 512), new ReLU(), new Linear(512, 10));
        SGD sgd = new SGD(model.parameters(), 0.01);
        long at500 = 0, last = 0;
        long start = System.nanoTime();
        for (int step = 1; step <= steps; step++) {
            Tensor x = Tensor.rand(128, 784);
            Tensor y = Tensor.randint(0, 10, 128);
            model.zeroGrad();
            Tensor loss = F.crossEntropy(model.forward(x), y);
            loss.backward();
            sgd.step();
            if (step % 500 == 0) {
                Memory.MemoryStats m = Memory.memoryStats();
                last = m.residentBytes();
                if (step == 500) at500 = last;
                System.out.printf("step %5d  loss %.4f  %s  (%.1f s)%n", step, loss.item(), m, (System.nanoTime() - start) / 1e9);
            }
        }
        double growth = at500 == 0 ? 0 : 100.0 * (last - at500) / at500;
        System.out.printf("resident memory growth from step 500 to step %d: %.2f%% (target < 5%%)%n", steps, growth);
        if (growth >= 5) System.exit(1);
    }
}
