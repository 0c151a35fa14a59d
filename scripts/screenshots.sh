#!/usr/bin/env bash
# The screenshots of the Fiji user guide (docs/images/*.png), taken from real ImageJ windows
# on a virtual display. Run by hand after a plugin change that alters what users see (not run
# by CI: the PNGs are committed).
#   scripts/screenshots.sh [BUILD_DIR [OUT_DIR]]
# BUILD_DIR: a build with -DECM_BUILD_FIJI=ON (default build-fiji), holding
# fiji-plugin/ECM_Analysis.jar and core/ecm. OUT_DIR: default docs/images.
# Needs java/javac (JDK >= 11), ImageJ's ij.jar (ECM_IJ_JAR, default /usr/share/java/ij.jar),
# xvfb-run and xauth. The input data are simulated: a 128 x 128 x 1000-frame stack from
# Simulate ECM Stack (0.5 nm pixels, tau 5 s, map correlation 8 px) and, from the ecm CLI, a
# drifting stack (Align Stack), a domain simulation (Four-Point Correlation), an aging
# simulation (Two-Time Correlation) and an Arrhenius series as CSV (Temperature Series).
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$root/build-fiji}" && pwd)
outdir=${2:-$root/docs/images}
JAR=$build/fiji-plugin/ECM_Analysis.jar
ECM=$build/core/ecm
IJ_JAR=${ECM_IJ_JAR:-/usr/share/java/ij.jar}
JAVA=${JAVA:-java}
JAVAC=$(dirname "$(readlink -f "$(command -v "$JAVA")")")/javac
for f in "$JAR" "$ECM" "$IJ_JAR"; do
  [ -e "$f" ] || { echo "screenshots.sh: missing $f (build with -DECM_BUILD_FIJI=ON)" >&2; exit 2; }
done
command -v xvfb-run > /dev/null && command -v xauth > /dev/null \
  || { echo "screenshots.sh: needs xvfb-run and xauth" >&2; exit 2; }

work=$(mktemp -d "${TMPDIR:-/tmp}/ecm-shots.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/ijhome/plugins" "$work/home" "$work/tmp" "$work/classes" "$work/data" "$outdir"
cp "$JAR" "$work/ijhome/plugins/ECM_Analysis.jar"
"$JAVAC" -nowarn -encoding UTF-8 -cp "$IJ_JAR:$JAR" -d "$work/classes" \
  "$root/tests/fiji/gui/Gui.java" "$root/tests/fiji/gui/Screenshots.java"

d=$work/data
echo "simulating the input data with $ECM"
"$ECM" simulate darkfield -o "$d/align" -n 300 --width 128 --height 128 --dt 0.5 \
  --pixel-size 0.5 --tau 5 --map-corr 8 --crystals 8 --crystal-radius 4 --drift-x 6 --drift-y -4 \
  --jitter 0.15 --seed 3 -q
"$ECM" simulate darkfield -o "$d/g4" -n 400 --width 64 --height 64 --dt 0.5 --pixel-size 0.5 \
  --tau 5 --tau-sigma 0.3 --beta 1 --map-corr 0 --domain 8 --shared 0.8 --seed 4 -q
"$ECM" simulate darkfield -o "$d/aging" -n 500 --width 32 --height 32 --dt 0.5 \
  --pixel-size 0.5 --tau 4 --tau-sigma 0.2 --beta 1 --map-corr 0 --aging 4 --seed 5 -q
# Arrhenius: tau = 1e-9 s exp(0.55 eV / (k_B T)) at 300..420 K, 3 % noise (fixed seed)
python3 - "$d/tseries.csv" <<'PY'
import math, random, sys
random.seed(7)
kB = 8.617333262e-5
with open(sys.argv[1], "w") as f:
    f.write("T_K,tau_med_s,tau_err_s\n")
    for T in range(300, 421, 10):
        tau = 1e-9 * math.exp(0.55 / (kB * T))
        f.write("%d,%.6g,%.6g\n" % (T, tau * (1 + 0.03 * random.gauss(0, 1)), 0.03 * tau))
PY

echo "taking the screenshots (ImageJ under xvfb-run)"
cd "$work"
timeout 600 xvfb-run -a -s "-screen 0 1600x1200x24" "$JAVA" -Xmx3g \
  -Duser.home="$work/home" -Djava.io.tmpdir="$work/tmp" \
  -cp "$IJ_JAR:$work/ijhome/plugins/ECM_Analysis.jar:$work/classes" \
  Screenshots "$work/ijhome" "$d" "$outdir" 2>&1 | tee "$work/shots.log"
grep -q '^SHOTS done failures=0$' "$work/shots.log" || { echo "screenshots.sh: some failed" >&2; exit 1; }
echo "screenshots in $outdir"
