#!/usr/bin/env bash
# The bundled sample is what its documented command makes. The truth maps must be identical
# bytes; the series itself is compared through its statistics, because FFTW may pick other
# SIMD kernels on another processor and change the last bits of a few counts.
. "$(dirname "$0")/lib.sh"
SAMPLES=$(cd "$DATA/../../samples" && pwd)
expect_rc 0 -- "$ECM" simulate darkfield -o darkfield_small --nframes 1000 --width 48 --height 48 \
  --dt 0.5 --pixel-size 0.5 --tau 10 --tau-sigma 0.5 --beta-min 0.5 --beta-max 1 \
  --contrast 0.3 --map-corr 3 --speckle 2.5 --crystals 2 --dose 200 --type u16 --drift-x 2 --drift-y -1 --seed 2026 -q
for f in darkfield_small_true_tau.tif darkfield_small_true_beta.tif darkfield_small_true_A.tif \
         darkfield_small_regions.tif darkfield_small_shifts.csv; do
  cmp -s "$f" "$SAMPLES/$f" && ok || fail "$f differs from samples/$f: regenerate the sample"
done
"$ECM" info darkfield_small.tif --json > new.json && "$ECM" info "$SAMPLES/darkfield_small.tif" --json > old.json
for k in frames width_px height_px frame_interval_s pixel_width bits_per_sample; do
  expect_eq "$k" "$(json_get new.json "j['$k']")" "$(json_get old.json "j['$k']")"
done
for k in mean sd min max; do
  expect_close "$k" "$(json_get new.json "j['$k']")" "$(json_get old.json "j['$k']")" 1e-4
done
finish
