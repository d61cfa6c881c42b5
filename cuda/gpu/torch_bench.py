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


if __name__ == "__main__":
    print("# torch %s on %s" % (torch.__version__, torch.cuda.get_device_name(0)), file=sys.stderr)
    matmul()
    mlp()
