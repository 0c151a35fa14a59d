#!/usr/bin/env bash
# ecm simulate → ecm info: files, calibration, determinism, frame ranges, no overwrites.
. "$(dirname "$0")/lib.sh"

sim() { "$ECM" simulate darkfield --nframes 60 --width 24 --height 20 --dt 0.25 \
          --pixel-size 0.8 --tau 2 --seed 5 --quiet "$@"; }

expect_rc 0 -- sim -o a
for f in a.tif a_true_tau.tif a_true_beta.tif a_true_A.tif a_regions.tif a_shifts.csv a_truth.json; do
  [ -s "$f" ] && ok || fail "missing output $f"
done
ls | grep -q 'tmp' && fail "temporary files left: $(ls)" || ok

expect_rc 0 -- "$ECM" info a.tif --json
cp out.txt info.json
expect_eq frames "$(json_get info.json "j['frames']")" 60
expect_eq width "$(json_get info.json "j['width_px']")" 24
expect_eq height "$(json_get info.json "j['height_px']")" 20
expect_close frame_interval "$(json_get info.json "j['frame_interval_s']")" 0.25 1e-9
expect_close pixel_width "$(json_get info.json "j['pixel_width']")" 0.8 1e-6
expect_eq unit "$(json_get info.json "j['space_unit']")" nm
expect_eq format "$(json_get info.json "j['bits_per_sample'], j['sample_format']")" "32 float"
# The simulated intensity is normalised to a mean of 1 over the sample.
expect_close mean "$(json_get info.json "j['mean']")" 1 0.15

# Human-readable report.
expect_rc 0 -- "$ECM" info a.tif
expect_grep '^size +24 x 20 pixels, 60 frames' out.txt
expect_grep 'frame interval 0.25 s' out.txt
expect_grep 'pixel 0.8 x 0.8 nm' out.txt

# Frame range and --dt override; per-frame CSV.
expect_rc 0 -- "$ECM" info a.tif --frames 11:20 --dt 2 --json -o means.csv
expect_eq frames "$(json_get out.txt "j['frames']")" 10
expect_eq first "$(json_get out.txt "j['first_frame']")" 11
expect_close dt "$(json_get out.txt "j['frame_interval_s']")" 2 1e-12
expect_eq csv_rows "$(wc -l < means.csv)" 11
expect_grep '^frame,t_s,mean$' means.csv
expect_grep '^11,0,' means.csv
expect_rc 1 -- "$ECM" info a.tif --frames 50:70
expect_grep 'ends after the last frame' err.txt

# Same seed, same bytes; another seed, other bytes.
expect_rc 0 -- sim -o b
cmp -s a.tif b.tif && ok || fail "same seed gave different stacks"
expect_rc 0 -- sim -o c --seed 6
cmp -s a.tif c.tif && fail "different seeds gave the same stack" || ok
expect_rc 0 -- sim -o d --threads 1
cmp -s a.tif d.tif && ok || fail "1 thread and all threads gave different stacks"

# Provenance and checksums in the truth JSON.
expect_eq schema "$(json_get a_truth.json "j['schema']")" ecm.simulate.darkfield/1
expect_eq sha "$(json_get a_truth.json "j['files']['stack']['sha256']")" "$(sha256sum a.tif | cut -d' ' -f1)"
expect_close tau "$(json_get a_truth.json "j['params']['tau_median_s']")" 2 1e-12

# Never overwrite without --force; never a half file.
sum_before=$(sha256sum a.tif)
expect_rc 2 -- sim -o a
expect_grep 'exists \(use --force' err.txt
expect_eq unchanged "$(sha256sum a.tif)" "$sum_before"
expect_rc 0 -- sim -o a --force --seed 9
[ "$(sha256sum a.tif)" != "$sum_before" ] && ok || fail "--force did not replace a.tif"
expect_rc 2 -- "$ECM" info a.tif -o a.tif --force
expect_grep 'is the input file' err.txt

# 16-bit counts with Poisson noise.
expect_rc 0 -- sim -o n --dose 50 --type u16
expect_rc 0 -- "$ECM" info n.tif --json
expect_eq type "$(json_get out.txt "j['bits_per_sample'], j['sample_format']")" "16 uint"
expect_close counts "$(json_get out.txt "j['mean']")" 50 0.2
finish
