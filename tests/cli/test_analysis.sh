#!/usr/bin/env bash
# ecm align / g2 / fit / map end to end on simulated data with known truth.
. "$(dirname "$0")/lib.sh"

# A static speckle (tau far beyond the series) drifting by (+3, -2) px: align undoes it.
expect_rc 0 -- "$ECM" simulate darkfield -o static --nframes 40 --width 40 --height 40 \
  --tau 1e6 --tau-sigma 0 --drift-x 3 --drift-y -2 --speckle 2 --seed 3 -q
expect_rc 0 -- "$ECM" align static.tif -o st --json
expect_grep '"schema": "ecm.align/1"' out.txt
last=$(tail -n 1 st_shifts.csv)
expect_close shift_x "$(echo "$last" | cut -d, -f3)" -3 0.05
expect_close shift_y "$(echo "$last" | cut -d, -f4)" 2 0.05
expect_eq frames "$("$ECM" info st_aligned.tif --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["frames"])')" 40
expect_rc 2 -- "$ECM" align static.tif -o st            # exists
expect_rc 2 -- "$ECM" align static.tif -o x --reference nearest
expect_grep 'frame' err.txt
# Pure relaxing speckle has nothing static to register on: the frames without a distinct
# correlation peak are flagged, keep the last accepted shift (here 0), and the user is told.
expect_rc 0 -- "$ECM" simulate darkfield -o speckle -n 400 --width 32 --height 32 --seed 1 --quiet
expect_rc 0 -- "$ECM" align speckle.tif -o sp
expect_grep "no distinct correlation peak" err.txt
expect_grep "weak_peak" sp_shifts.csv
expect_grep "crop: x0 0, y0 0, 32 x 32" out.txt

# Relaxation: uniform truth tau = 5 s (10 frames), beta = 0.8, A = 0.3, 200 tau long.
expect_rc 0 -- "$ECM" simulate darkfield -o r --nframes 2000 --width 16 --height 16 --dt 0.5 \
  --tau 5 --tau-sigma 0 --beta 0.8 --contrast 0.3 --seed 4 -q
expect_rc 0 -- "$ECM" g2 r.tif -o ens.csv -q
expect_grep '^t_s,g2,sem$' ens.csv
expect_rc 0 -- "$ECM" fit ens.csv
cp out.txt fit.json
expect_eq state "$(json_get fit.json "j['state']")" converged
expect_close tau "$(json_get fit.json "j['tau_s']")" 5 0.1
expect_close beta "$(json_get fit.json "j['beta']")" 0.8 0.1
expect_close A "$(json_get fit.json "j['A']")" 0.3 0.1
expect_rc 0 -- "$ECM" g2 r.tif --pixel 3,4 --json
expect_eq schema "$(json_get out.txt "j['schema']")" ecm.g2/1
expect_eq sha "$(json_get out.txt "j['provenance']['input']['sha256']")" "$(sha256sum r.tif | cut -d' ' -f1)"
expect_rc 0 -- "$ECM" g2 r.tif --pixel 3,4 --method multitau
expect_rc 0 -- "$ECM" g2 r.tif --pixel 3,4 --method direct
expect_rc 2 -- "$ECM" g2 r.tif --pixel 16,0
expect_grep 'outside the 16 x 16 image' err.txt
expect_rc 2 -- "$ECM" g2 r.tif --method multitau
expect_rc 0 -- "$ECM" fit ens.csv --beta 1 --tmax 20
expect_eq beta_fixed "$(json_get out.txt "j['beta'], j['beta_fixed']")" "1 True"

expect_rc 0 -- "$ECM" map r.tif -o m -q
for f in m_tau.tif m_beta.tif m_A.tif m_chi2.tif m_tau_err.tif m_beta_err.tif m_status.tif m_summary.json; do
  [ -s "$f" ] && ok || fail "missing $f"
done
expect_eq schema "$(json_get m_summary.json "j['schema']")" ecm.map/1
expect_eq pixels "$(json_get m_summary.json "j['pixels']")" 256
conv=$(json_get m_summary.json "j['converged_fraction']")
python3 -c "import sys; sys.exit(0 if $conv > 0.95 else 1)" && ok || fail "converged fraction $conv"
expect_close tau_med "$(json_get m_summary.json "j['lognormal']['tau_med_s']")" 5 0.25
expect_close ens_tau "$(json_get m_summary.json "j['ensemble']['fit']['tau_s']")" 5 0.1
expect_eq sampling "$(json_get m_summary.json "j['sampling']['series_too_short']")" False
# Maps keep the calibration.
expect_close px "$("$ECM" info m_tau.tif --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["pixel_width"])')" 1 1e-9

# A mask of the wrong size is refused before anything is written.
"$ECM" simulate darkfield -o small --nframes 4 --width 8 --height 8 -q
expect_rc 1 -- "$ECM" map r.tif -o mm --mask small_true_tau.tif
expect_grep 'mask is 8 x 8 pixels but the image is 16 x 16' err.txt
ls mm_* >/dev/null 2>&1 && fail "failed map left files" || ok
# Too short a series warns.
expect_rc 0 -- "$ECM" map r.tif -o short --frames 1:60
expect_grep 'series is only' err.txt

# Time evolution: halves, sliding windows (a stack), scatter.
expect_rc 0 -- "$ECM" map r.tif -o ev --split --window 200 --step 100 -q
for f in ev_half1_tau.tif ev_half2_tau.tif ev_half1_beta.tif ev_half2_beta.tif ev_windows_tau.tif \
         ev_windows_beta.tif ev_windows_A.tif ev_windows.csv ev_scatter.csv; do
  [ -s "$f" ] && ok || fail "missing $f"
done
expect_eq windows "$(json_get ev_summary.json "j['windows']['count']")" 9
expect_eq wframes "$("$ECM" info ev_windows_tau.tif --json | python3 -c 'import json,sys; j=json.load(sys.stdin); print(j["frames"], j["frame_interval_s"])')" "9 100"
expect_eq csv_rows "$(wc -l < ev_windows.csv)" 10
expect_close halves_ratio "$(json_get ev_summary.json "j['split']['ratio_median']")" 1 0.3
expect_rc 2 -- "$ECM" map r.tif -o ev2 --step 10

# Surface layer of a nanowire: tau 10x faster within 4 px of the edge.
expect_rc 0 -- "$ECM" simulate darkfield -o wire --geometry nanowire --nframes 1500 --width 48 \
  --height 48 --dt 0.5 --tau 10 --tau-sigma 0.3 --surface 4 --surface-speedup 10 --wire-width 30 --seed 3 -q
expect_rc 0 -- "$ECM" map wire.tif -o wm --surface 3 --surface-gap 2 -q
expect_close ratio "$(json_get wm_summary.json "j['surface']['bulk_over_surface_tau']")" 10 0.35
expect_close thickness "$(json_get wm_summary.json "j['surface']['thickness_px']")" 4 0.25
[ -s wm_depth.tif ] && [ -s wm_surface_profile.csv ] && ok || fail "surface outputs missing"
# No sample above the threshold: the analysis is skipped with a note, the maps still written.
expect_rc 0 -- "$ECM" map r.tif -o film --surface 3 --threshold 1e9
expect_grep 'no surface analysis' err.txt
finish
