#!/usr/bin/env bash
# Builds cuda/target/gpu-bundle/kindling-gpu.tar.xz: what a GPU machine with neither Maven nor a JDK
# needs to run the CUDA test suite and the GPU benchmarks (cuda/gpu/run.sh unpacks it there): a
# jlinked Java 17 runtime, the Kindling jars with the CUDA specs and benchmarks, their linux-x86_64
# dependencies (natives trimmed to the libraries Kindling loads) and the JUnit Platform console
# launcher. Run it here, from any folder; it needs the Maven Central registry once, for the console
# launcher. Sizes and the device command: docs/cuda.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
OUTDIR=$ROOT/cuda/target/gpu-bundle
S=$ROOT/cuda/target/gpu-stage
MVN="mvn -B -ntp -Dkotlin.compiler.daemon=false"

echo "== building kindling-cuda and what it needs (tests compiled, not run)"
# package puts the reactor's jars in each target/; copy-dependencies, in the same reactor, copies
# exactly those jars (not stale installed ones) with the test-scope dependencies of every module.
rm -rf "$S" "$OUTDIR" && mkdir -p "$S/lib" "$S/deps" "$OUTDIR"
$MVN -o -q -pl cuda -am package dependency:copy-dependencies -DskipTests -DincludeScope=test -DoutputDirectory="$S/deps"

echo "== jars (stored uncompressed: the archive compresses them)"
repack() { python3 cuda/gpu/repack_jar.py "$@"; }
for j in tensor-jvm/target/kindling-tensor-jvm-*.jar autograd/target/kindling-autograd-*.jar nn/target/kindling-nn-*.jar \
         cuda/target/kindling-cuda-*.jar; do
  repack "$j" "$S/lib/$(basename "$j")"
done
(cd cuda/target/test-classes && jar cf "$S/deps/kindling-cuda-tests.jar" .)
repack "$S/deps/kindling-cuda-tests.jar" "$S/lib/kindling-cuda-tests.jar"
for j in "$S"/deps/*.jar; do
  n=$(basename "$j")
  case "$n" in
    kindling-*) ;;                                         # the reactor's own, done above
    junit-platform-*|junit-jupiter-*|opentest4j-*|apiguardian-*) ;;   # inside the console launcher
    byte-buddy*|jna*|kotlinx-coroutines-debug*) ;;         # coroutine debug probes, which the specs never switch on
    openblas-*-linux-x86_64.jar)                           # only the no-LAPACK build Kindling loads
      repack "$j" "$S/lib/$n" 'libjniopenblas\.so$' 'libjniopenblas_full\.so$' '/include/' ;;
    cuda-*-linux-x86_64.jar)                               # only the runtime, cuBLAS, NVRTC and cuDNN wrappers
      repack "$j" "$S/lib/$n" 'libjni(npp|cufft|cusparse|cusolver|curand|nccl|nvjpeg|nvcomp|cupti|cufile|nvml|nvblas)' ;;
    *) repack "$j" "$S/lib/$n" ;;
  esac
done
ENGINE=$(ls "$S"/deps | sed -n 's/^junit-platform-engine-\(.*\)\.jar$/\1/p' | head -1)
echo "== JUnit Platform console launcher $ENGINE (the platform version kotest was built against)"
$MVN -q org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy \
    -Dartifact=org.junit.platform:junit-platform-console-standalone:"$ENGINE" -DoutputDirectory="$S/deps"
repack "$S"/deps/junit-platform-console-standalone-*.jar "$S/junit-console.jar"
rm -rf "$S/deps"

echo "== jlinked Java runtime"
MODULES=$(jdeps --ignore-missing-deps --print-module-deps --multi-release 17 -q "$S"/lib/*.jar "$S/junit-console.jar")
# Reached by reflection or as services, which jdeps cannot see: Unsafe (JavaCPP), logging and management
# (engines), XML (reports), the jar file system (kotest and JUnit scan jars for specs).
MODULES=$(echo "$MODULES,jdk.unsupported,java.logging,java.management,jdk.management,java.xml,jdk.zipfs" | tr ',' '\n' | sort -u | paste -sd, -)
echo "modules: $MODULES"
jlink --add-modules "$MODULES" --strip-debug --no-man-pages --no-header-files --compress=0 --output "$S/jre"
strip --strip-unneeded "$S/jre/lib/server/libjvm.so"    # its symbol table alone is 4 MB

echo "== archive"
tar -cf - -C "$S" . | xz -T0 -6 > "$OUTDIR/kindling-gpu.tar.xz"
du -sh "$S/jre"; du -sh "$S/lib"; du -sh "$S"
ls -l "$OUTDIR/kindling-gpu.tar.xz"
echo "bundle ready: carry cuda/target/gpu-bundle and run: bash cuda/gpu/run.sh all"
