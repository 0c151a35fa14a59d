#!/usr/bin/env bash
# The Fiji path against the command line on the same stack (run by hand, not a test):
#   bench/bench_fiji.sh [BUILD_DIR] [FRAMES] [SIZE] [THREADS]
# BUILD_DIR is a build with -DECM_BUILD_FIJI=ON (default build-fiji). Prints the plugin's
# Relaxation Maps time (stack already in ImageJ), the cost of the JNI bridge alone, and
# `ecm map` on the same TIFF (which also reads the file and writes the maps).
set -euo pipefail
B=${1:-build-fiji}
N=${2:-4000}
S=${3:-256}
T=${4:-0}
IJ=${ECM_IJ_JAR:-/usr/share/java/ij.jar}
JAR=$B/fiji-plugin/ECM_Analysis.jar
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
"$B/core/ecm" simulate darkfield -o "$W/s" -n "$N" --width "$S" --height "$S" --seed 3 --quiet
javac -nowarn -cp "$IJ:$JAR" -d "$W" "$(dirname "$0")/FijiBench.java"
java -Xmx$((N * S * S * 4 / 1000000 + 1500))m -Djava.awt.headless=true -cp "$IJ:$JAR:$W" \
  FijiBench "$W/s.tif" "$T"
th=""
[ "$T" != 0 ] && th="--threads $T"
t0=$(date +%s.%N)
"$B/core/ecm" map "$W/s.tif" -o "$W/m" --quiet $th
t1=$(date +%s.%N)
echo "ecm map on the same TIFF (read + maps + write): $(echo "$t1 - $t0" | bc) s"
