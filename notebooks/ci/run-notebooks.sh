#!/usr/bin/env bash
# Runs every notebook in notebooks/ through a real Jupyter client (Debian's nbconvert) and the Kotlin
# kernel from Maven Central, as a user would, then checks what the executed notebooks show.
#
# Needs the build done first (mvn verify): the notebooks get this build's jars, not ~/.m2's. Their setup
# cell asks for dev.kindling:kindling-notebooks; the copies run here have that line replaced by
# @file:DependsOn lines on the jars of notebooks/target/notebook-classpath.txt (written by the build),
# so no `mvn install` is needed. Executed notebooks land in notebooks/target/executed/.
#
# Installs, when missing: the Jupyter client from apt (as root, or with sudo), the kernel's jars with
# Maven into notebooks/target/kotlin-kernel. Any failing cell fails the script.
set -euo pipefail
cd "$(dirname "$0")/.."                      # notebooks/
ROOT=$PWD/target/jupyter
OUT=$PWD/target/executed
KERNEL_LIB=$PWD/target/kotlin-kernel/lib

# --- a Jupyter client, from Debian's packages (PyPI is not needed) ---------------------------------
if [ ! -x /usr/bin/jupyter-nbconvert ]; then
    packages="jupyter-nbconvert python3-nbclient jupyter-client"
    if [ "$(id -u)" = 0 ]; then SUDO=""; elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then SUDO=sudo; else
        echo "run-notebooks: /usr/bin/jupyter-nbconvert is missing and this user can neither apt-get nor sudo;" >&2
        echo "  install the Debian packages $packages, then run again" >&2
        exit 1
    fi
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $packages
fi

# --- the Kotlin kernel from Maven Central, and a kernelspec that runs it on JDK 17 -----------------
if [ ! -d "$KERNEL_LIB" ]; then
    mvn -B -q -ntp -f ci/pom.xml dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$KERNEL_LIB"
fi
# The kernel's Kotlin 1.8.20 compiler knows JVM targets up to 19: it must run on a JDK 17 (or 18, 19).
JAVA_BIN=${KERNEL_JAVA:-$(command -v java)}
version=$("$JAVA_BIN" -XshowSettings:properties -version 2>&1 | sed -n 's/ *java.specification.version = //p')
if [ "$version" -gt 19 ] 2>/dev/null; then
    for candidate in /usr/lib/jvm/java-17-openjdk-*/bin/java; do [ -x "$candidate" ] && JAVA_BIN=$candidate; done
fi
mkdir -p "$ROOT/kernels/kotlin" "$ROOT/config" "$ROOT/data" "$ROOT/runtime" "$ROOT/ipython" "$OUT"
CLASSPATH_ARG=$(ls "$KERNEL_LIB"/*.jar | paste -sd: -)
/usr/bin/python3 - "$ROOT/kernels/kotlin/kernel.json" "$JAVA_BIN" "$PWD/ci/logback-quiet.xml" "$KERNEL_LIB" "$CLASSPATH_ARG" "$PWD/target/kotlin-kernel" <<'PY'
import json, sys
spec, java, logback, lib, cp, home = sys.argv[1:]
json.dump({"display_name": "Kotlin", "language": "kotlin", "interrupt_mode": "message",
           "argv": [java, "-Dlogback.configurationFile=" + logback, "-cp", lib + "/*",
                    "org.jetbrains.kotlinx.jupyter.IkotlinKt", "-classpath=" + cp, "{connection_file}", "-home=" + home]},
          open(spec, "w"), indent=1)
PY
# Jupyter would otherwise write into $HOME.
export JUPYTER_PATH=$ROOT JUPYTER_CONFIG_DIR=$ROOT/config JUPYTER_DATA_DIR=$ROOT/data \
       JUPYTER_RUNTIME_DIR=$ROOT/runtime IPYTHONDIR=$ROOT/ipython PYDEVD_DISABLE_FILE_VALIDATION=1

# MNIST for 02 and 03: the samples' committed fixture (64 training, 32 test images), so CI needs no
# download; set KINDLING_DATA to a folder with the full files (as ~/.kindling/data) for a real run.
export KINDLING_DATA=${KINDLING_DATA:-$(cd .. && pwd)/samples/src/test/resources}

# --- this build's jars in place of the Maven coordinates ---------------------------------------------
test -f target/notebook-classpath.txt || { echo "run-notebooks: run the build first (mvn verify)" >&2; exit 1; }
JARS=$(ls "$PWD"/target/kindling-notebooks-*.jar | grep -v -e sources -e javadoc | head -1):$(cat target/notebook-classpath.txt)

status=0
for nb in [0-9][0-9]-*.ipynb; do
    # The rewritten copy sits beside the original: nbconvert runs the kernel in the input's folder,
    # where the notebooks' relative paths (data/...) point.
    copy=".ci-run-$nb"
    trap 'rm -f "$copy"' EXIT
    /usr/bin/python3 ci/use-build-jars.py "$nb" "$JARS" "$copy"
    start=$(date +%s)
    if /usr/bin/jupyter nbconvert --to notebook --execute --ExecutePreprocessor.timeout=900 \
         --ExecutePreprocessor.kernel_name=kotlin --output-dir "$OUT" --output "$nb" "$copy" \
         > "$OUT/$nb.log" 2>&1; then
        echo "run-notebooks: $nb ran in $(( $(date +%s) - start )) s"
    else
        echo "run-notebooks: $nb FAILED (log: $OUT/$nb.log)" >&2
        tail -30 "$OUT/$nb.log" >&2
        status=1
    fi
    rm -f "$copy"
done
[ $status = 0 ] || exit $status

# --- what users should see ----------------------------------------------------------------------------
/usr/bin/python3 ci/check-outputs.py "$OUT"
