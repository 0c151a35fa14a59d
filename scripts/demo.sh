#!/usr/bin/env bash
# The main job on the bundled sample: set up, build, then analyse the sample stack into
# ./out/ and say where the results are.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
./scripts/build.sh build
ecm=./build/core/ecm
sample=samples/darkfield_small.tif
mkdir -p out
echo
echo "== the sample stack"
"$ecm" info "$sample" -o out/frame_means.csv --force
echo
echo "== a fresh simulated series with known truth (the teaching-lab data source)"
"$ecm" simulate darkfield -o out/sim --nframes 400 --width 48 --height 48 --dt 0.5 \
  --tau 8 --tau-sigma 0.5 --beta-min 0.5 --beta-max 1 --contrast 0.3 --dose 200 \
  --drift-x 3 --drift-y -2 --seed 7 --force --quiet
"$ecm" info out/sim.tif --quiet
echo
echo "Results are in $(pwd)/out/:"
ls -1 out | sed 's/^/  /'
echo "Open them in Fiji/ImageJ (File > Open), or read docs/getting-started.md."
