#!/usr/bin/env bash
# Everything CI checks: dependencies, the normal build (warnings are errors), the
# Fiji plugin build (JNI bridge + ECM_Analysis.jar, its JVM tests), the sanitizer build
# (AddressSanitizer + UndefinedBehaviorSanitizer), and every test via ctest.
# Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh

jobs=$(nproc)
echo "== build (Release, -Werror)"
./scripts/build.sh build -DECM_WERROR=ON
echo "== tests (Release)"
ctest --test-dir build --output-on-failure -j"$jobs"

echo "== build (Fiji plugin + JNI bridge, -Werror)"
./scripts/build.sh build-fiji -DECM_WERROR=ON -DECM_BUILD_FIJI=ON
echo "== tests (Fiji plugin in a JVM, headless and under Xvfb)"
ctest --test-dir build-fiji --output-on-failure -j"$jobs" -L jvm

echo "== build (ASan + UBSan)"
./scripts/build.sh build-asan -DECM_WERROR=ON -DECM_SANITIZE=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo
echo "== tests (ASan + UBSan)"
# Tests that load libecm into a JVM need the normal build (an ASan library inside the JVM
# needs its runtime preloaded): they are labelled 'jvm' and run above only.
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build-asan --output-on-failure -j"$jobs" -LE 'jvm|imagej'

if command -v clang >/dev/null 2>&1; then
  echo "== fuzz smoke run (libFuzzer, clang)"
  CC=clang ./scripts/build.sh build-fuzz -DECM_BUILD_FUZZ=ON -DECM_BUILD_TESTS=OFF -DECM_OPENMP=OFF
  ctest --test-dir build-fuzz --output-on-failure
fi
echo "== all tests passed"
