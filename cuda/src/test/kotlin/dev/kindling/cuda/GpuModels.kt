package dev.kindling.cuda

import dev.kindling.nn.Conv2d
import dev.kindling.nn.Flatten
import dev.kindling.nn.Linear
import dev.kindling.nn.MaxPool2d
import dev.kindling.nn.ReLU
import dev.kindling.nn.Sequential

/** The GPU step workloads' models, shaped as ../shared/PERF.md and cuda/gpu/torch_bench.py. */
internal object GpuModels {
    /** LeNet-5 for 28x28 inputs: conv 1->6 k5 pad 2, pool, conv 6->16 k5, pool, 400-120-84-10. */
    fun lenet(): Sequential = Sequential(
        Conv2d(1, 6, 5, 1, 2), ReLU(), MaxPool2d(2),
        Conv2d(6, 16, 5), ReLU(), MaxPool2d(2),
        Flatten(), Linear(400, 120), ReLU(), Linear(120, 84), ReLU(), Linear(84, 10))
}
