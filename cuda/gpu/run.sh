#!/usr/bin/env bash
# Runs the CUDA test suite and the GPU benchmarks on a GPU machine with nothing but this repository
# and cuda/target/gpu-bundle (built by cuda/gpu/bundle.sh, unpacked by this script into
# /tmp/kindling-gpu-bundle, or $KINDLING_BUNDLE_DIR): no Maven, no JDK needed.
#
#   bash cuda/gpu/run.sh doctor|compile|tests|bench|soak|all
#
# doctor  what loaded from where, versions, GPUs (Kindling.doctor())
# compile every kernel source through NVRTC for this GPU (KernelCatalog), before anything runs
# tests   the kotest specs of kindling-cuda (every op against the CPU, gradchecks, training, memory;
#         cuDNN convolutions and RNN/LSTM/GRU in CudnnSpec and CudnnRnnSpec)
# bench   cuBLAS matmul 1024^2, an MLP 784-512-512-10 step, LeNet-5 (float32 and float16 autocast) and
#         LSTM 64->256 x35 steps (through cuDNN's RNN API, then without it), beside PyTorch on the same card
# soak    10,000 MLP steps: the allocator's reserved memory and the resident set must stay flat
# Output goes to $OUT when set (the device tool's folder), else /tmp/kindling-gpu; the exit status
# is non-zero when a step fails.
set -uo pipefail
cd "$(dirname "$0")/../.."
ARCHIVE=cuda/target/gpu-bundle/kindling-gpu.tar.xz
OUT=${OUT:-/tmp/kindling-gpu}
mkdir -p "$OUT"
STEP=${1:-all}

if [ ! -f "$ARCHIVE" ]; then
  echo "no bundle at $ARCHIVE: build it with cuda/gpu/bundle.sh and carry cuda/target/gpu-bundle" >&2
  exit 2
fi
B=${KINDLING_BUNDLE_DIR:-/tmp/kindling-gpu-bundle}
if [ ! -x "$B/jre/bin/java" ] || [ "$ARCHIVE" -nt "$B/jre/bin/java" ]; then
  rm -rf "$B" && mkdir -p "$B"
  tar -xJf "$ARCHIVE" -C "$B" 2>/dev/null || python3 -c 'import sys, tarfile; tarfile.open(sys.argv[1]).extractall(sys.argv[2])' "$ARCHIVE" "$B"
  touch "$B/jre/bin/java"
fi
JAVA="$B/jre/bin/java"

# The NVIDIA libraries: the driver's libcuda, and CUDA 13's runtime, cuBLAS and NVRTC from the
# toolkit or from PyTorch's pip packages (nvidia/*/lib in its site-packages).
dirs=()
for d in /usr/local/nvidia/lib64 /usr/local/nvidia/lib /usr/lib/x86_64-linux-gnu /usr/local/cuda/lib64 \
         /usr/local/cuda/targets/x86_64-linux/lib; do
  [ -d "$d" ] && dirs+=("$d")
done
if command -v python3 >/dev/null; then
  for sp in $(python3 -c 'import site; print(" ".join(site.getsitepackages()))' 2>/dev/null); do
    for d in "$sp"/nvidia/*/lib "$sp"/nvidia/cu13/lib; do [ -d "$d" ] && dirs+=("$d"); done
  done
fi
LD_LIBRARY_PATH="$(IFS=:; echo "${dirs[*]}")${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export LD_LIBRARY_PATH
CP=$(ls "$B"/lib/*.jar | paste -sd: -)
JOPTS=(-Xms2g -Xmx2g -Dkindling.cuda.kernelCache="$HOME/.cache/kindling/cuda-kernels")

status=0
step() { echo; echo "=== $1 ($(date +%T))"; }

run_doctor() {
  step doctor
  nvidia-smi -L 2>&1 || echo "nvidia-smi not found"
  "$JAVA" "${JOPTS[@]}" -cp "$CP" dev.kindling.Kindling 2>&1 | tee "$OUT/doctor.txt" || status=1
}

run_compile() {
  step "NVRTC compile check"
  arch=$(nvidia-smi --query-gpu=compute_cap --format=csv,noheader 2>/dev/null | head -1 | tr -d .)
  "$JAVA" "${JOPTS[@]}" -cp "$CP" dev.kindling.cuda.KernelCatalog "${arch:-90}" 2>&1 | tail -20 || status=1
}

run_tests() {
  step "CUDA test suite"
  "$JAVA" "${JOPTS[@]}" -jar "$B/junit-console.jar" execute --disable-banner --disable-ansi-colors \
      --class-path "$CP" --scan-classpath "$B/lib/kindling-cuda-tests.jar" --include-classname '.*Spec' --details tree --fail-if-no-tests \
      > "$OUT/tests.log" 2>&1 || status=1
  grep -E "tests (successful|failed|skipped|found)|✘|MethodSource|AssertionError|Exception" "$OUT/tests.log" | head -60
  tail -15 "$OUT/tests.log"
}

run_bench() {
  step "benchmarks: PyTorch"
  PYTHONUNBUFFERED=1 python3 cuda/gpu/torch_bench.py | tee "$OUT/torch.txt" || echo "PyTorch benchmark failed (no torch?)"
  step "benchmarks: Kindling"
  "$JAVA" "${JOPTS[@]}" -cp "$CP" dev.kindling.cuda.GpuBench matmul "$OUT/torch.txt" 2>&1 | tee "$OUT/bench.txt" || status=1
  "$JAVA" "${JOPTS[@]}" -cp "$CP" dev.kindling.cuda.GpuBench mlp "$OUT/torch.txt" 2>&1 | tee -a "$OUT/bench.txt" || status=1
  "$JAVA" "${JOPTS[@]}" -cp "$CP" dev.kindling.cuda.GpuBench lenet "$OUT/torch.txt" 2>&1 | tee -a "$OUT/bench.txt" || status=1
  "$JAVA" "${JOPTS[@]}" -cp "$CP" dev.kindling.cuda.GpuBench lstm "$OUT/torch.txt" 2>&1 | tee -a "$OUT/bench.txt" || status=1
  echo "LSTM step without cuDNN's RNN API (composed cuBLAS + elementwise kernels), for comparison:" | tee -a "$OUT/bench.txt"
  "$JAVA" "${JOPTS[@]}" -Dkindling.cuda.cudnnRnn=false -cp "$CP" dev.kindling.cuda.GpuBench lstm "$OUT/torch.txt" 2>&1 \
      | tee -a "$OUT/bench.txt" || status=1
}

run_soak() {
  step "memory soak, 10,000 steps"
  "$JAVA" "${JOPTS[@]}" -XX:+AlwaysPreTouch -cp "$CP" dev.kindling.cuda.GpuBench soak - 10000 2>&1 | tee "$OUT/soak.txt" || status=1
}

case "$STEP" in
  doctor) run_doctor ;;
  compile) run_compile ;;
  tests) run_doctor; run_tests ;;
  bench) run_bench ;;
  soak) run_soak ;;
  all) run_doctor; run_compile; run_tests; run_bench; run_soak ;;
  *) echo "usage: $0 doctor|compile|tests|bench|soak|all" >&2; exit 2 ;;
esac
echo; echo "=== done: exit status $status (files in $OUT)"
exit $status
