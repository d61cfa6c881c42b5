"""PyTorch's side of cuda/gpu/run.sh, on the same GPU: the same workloads as GpuBench, same output form."""
import sys
import time

import torch

dev = torch.device("cuda:0")


def timed(warmup, iterations, body):
    for _ in range(warmup):
        body()
    torch.cuda.synchronize()
    best = float("inf")
    for _ in range(5):
        t0 = time.perf_counter()
        for _ in range(iterations):
            body()
        torch.cuda.synchronize()
        best = min(best, (time.perf_counter() - t0) / iterations)
    return best


def matmul():
    torch.backends.cuda.matmul.allow_tf32 = False   # full float32, as Kindling computes
    n = 1024
    a = torch.randn(n, n, device=dev)
    b = torch.randn(n, n, device=dev)
    s = timed(20, 200, lambda: torch.matmul(a, b))
    print("matmul1024_fp32_gflops %.4f GFLOP/s" % (2 * n ** 3 / s / 1e9))


def mlp():
    torch.manual_seed(1)
    model = torch.nn.Sequential(torch.nn.Linear(784, 512), torch.nn.ReLU(), torch.nn.Linear(512, 512), torch.nn.ReLU(),
                                torch.nn.Linear(512, 10)).to(dev)
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    x = torch.rand(128, 784, device=dev)
    y = torch.randint(0, 10, (128,), device=dev)

    def step():
        opt.zero_grad()
        torch.nn.functional.cross_entropy(model(x), y).backward()
        opt.step()

    print("mlp_step_ms %.4f ms" % (timed(50, 300, step) * 1e3))


def lenet():
    """LeNet-5 step, batch 64 of 1x28x28 (../shared/PERF.md); float32 without TF32, and under float16 autocast."""
    torch.backends.cudnn.allow_tf32 = False
    torch.manual_seed(1)
    nn = torch.nn
    model = nn.Sequential(nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(6, 16, 5), nn.ReLU(),
                          nn.MaxPool2d(2), nn.Flatten(), nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(),
                          nn.Linear(84, 10)).to(dev)
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    x = torch.randn(64, 1, 28, 28, device=dev)
    y = torch.randint(0, 10, (64,), device=dev)
    scaler = torch.amp.GradScaler("cuda")

    def step(amp):
        opt.zero_grad()
        with torch.autocast("cuda", dtype=torch.float16, enabled=amp):
            loss = torch.nn.functional.cross_entropy(model(x), y)
        scaler.scale(loss).backward() if amp else loss.backward()
        if amp:
            scaler.step(opt)
            scaler.update()
        else:
            opt.step()

    print("lenet_step_ms %.4f ms" % (timed(50, 300, lambda: step(False)) * 1e3))
    print("lenet_amp_step_ms %.4f ms" % (timed(50, 300, lambda: step(True)) * 1e3))


def lstm():
    """LSTM 64 -> 256 over 35 steps, batch 32, last hidden state -> 64 classes (../shared/PERF.md)."""
    torch.manual_seed(1)
    rnn = torch.nn.LSTM(64, 256).to(dev)
    head = torch.nn.Linear(256, 64).to(dev)
    opt = torch.optim.SGD(list(rnn.parameters()) + list(head.parameters()), lr=0.01)
    x = torch.randn(35, 32, 64, device=dev)
    y = torch.randint(0, 64, (32,), device=dev)

    def step():
        opt.zero_grad()
        out, _ = rnn(x)
        torch.nn.functional.cross_entropy(head(out[-1]), y).backward()
        opt.step()

    print("lstm_step_ms %.4f ms" % (timed(20, 100, step) * 1e3))


if __name__ == "__main__":
    print("# torch %s on %s" % (torch.__version__, torch.cuda.get_device_name(0)), file=sys.stderr)
    matmul()
    mlp()
    lenet()
    lstm()
