#!/usr/bin/env bash
# Builds libkindling_heapblas.so (heap_blas.c) into the classes folder, from tensor-jvm's pom at the
# compile phase: build.sh CLASSES_DIR JAVA_HOME. Where there is no C compiler, no JNI headers or the
# platform is not Linux x86-64, it says so and builds nothing: Kindling then stages GEMM operands
# through off-heap buffers (cpu/Blas.java), correct and 12-20% slower on the products of a training step.
set -euo pipefail
classes=$1 java_home=$2
here=$(cd "$(dirname "$0")" && pwd)
out=$classes/dev/kindling/tensor/cpu/native/linux-x86_64
skip() { echo "[heap_blas] not built: $1; GEMM operands will be staged off-heap"; exit 0; }
[ "$(uname -s)-$(uname -m)" = Linux-x86_64 ] || skip "the platform is $(uname -s)-$(uname -m), not Linux-x86_64"
cc=${CC:-cc}
command -v "${cc%% *}" > /dev/null || skip "no C compiler ($cc)"
[ -f "$java_home/include/jni.h" ] || skip "no JNI headers under $java_home/include"
mkdir -p "$out"
# shellcheck disable=SC2086 # CC may carry arguments ("ccache gcc")
$cc -O2 -std=c99 -Wall -shared -fPIC -I"$java_home/include" -I"$java_home/include/linux" \
    -o "$out/libkindling_heapblas.so" "$here/heap_blas.c" || skip "$cc failed on heap_blas.c"
echo "[heap_blas] built $out/libkindling_heapblas.so"
