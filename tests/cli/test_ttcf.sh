#!/usr/bin/env bash
# ecm ttcf end to end: outputs, calibration, tau recovered by the one-time fit and the band,
# the aging verdict on a series whose tau triples, bad input, no overwrite.
. "$(dirname "$0")/lib.sh"

# Stationary speckle: tau = 5 s (10 frames), beta = 1, A = 0.3.
expect_rc 0 -- "$ECM" simulate darkfield -o r --nframes 1600 --width 24 --height 24 --dt 0.5 \
  --tau 5 --tau-sigma 0 --beta 1 --contrast 0.3 --seed 4 -q
expect_rc 0 -- "$ECM" ttcf r.tif -o s -q
for f in s_ttcf.tif s_g.csv s_band.csv s_ttcf.json; do [ -s "$f" ] && ok || fail "missing $f"; done
expect_grep '^t_s,g,sem$' s_g.csv
expect_grep '^age_s,tau_band_s,err$' s_band.csv
expect_eq schema "$(json_get s_ttcf.json "j['schema']")" ecm.ttcf/1
expect_eq n "$(json_get s_ttcf.json "j['n']")" 1600
expect_eq state "$(json_get s_ttcf.json "j['fit']['state']")" converged
expect_close tau "$(json_get s_ttcf.json "j['fit']['tau_s']")" 5 0.08
expect_eq verdict "$(json_get s_ttcf.json "j['band']['verdict']")" stationary
med=$(python3 -c "import csv,statistics; print(statistics.median(float(r['tau_band_s']) for r in csv.DictReader(open('s_band.csv'))))")
expect_close band_median "$med" 5 0.12
expect_eq sha "$(json_get s_ttcf.json "j['provenance']['input']['sha256']")" "$(sha256sum r.tif | cut -d' ' -f1)"
# Both axes of the image are time: pixel size = frame interval, unit s.
"$ECM" info s_ttcf.tif --json > info.json 2>/dev/null
expect_eq width "$(json_get info.json "j['width_px']")" 1600
expect_close px "$(json_get info.json "j['pixel_width']")" 0.5 1e-9
expect_eq unit "$(json_get info.json "j['space_unit']")" s
# No overwrite without --force; with it, binning halves the side and keeps tau in s.
expect_rc 2 -- "$ECM" ttcf r.tif -o s -q
expect_rc 0 -- "$ECM" ttcf r.tif -o s --force --bin-time 2 --normalize-pixels --block 4 -q
expect_eq n2 "$(json_get s_ttcf.json "j['n']")" 800
expect_eq sets "$(json_get s_ttcf.json "j['sets']")" 36
expect_close tau2 "$(json_get s_ttcf.json "j['fit']['tau_s']")" 5 0.12
expect_rc 0 -- "$ECM" ttcf r.tif -o d --include-diagonal -q
expect_eq lag0 "$(sed -n 2p d_g.csv | cut -d, -f1)" 0
expect_eq ref "$(json_get d_ttcf.json "j['band']['reference']")" diagonal

# (The aging verdict on a series whose tau triples is tested in tests/unit/test_ttcf.c.)

# Bad input: two frames, mask of the wrong size, block 1, a 1-pixel image, no -o.
expect_rc 0 -- "$ECM" simulate darkfield -o tiny --nframes 2 --width 24 --height 24 -q
expect_rc 1 -- "$ECM" ttcf tiny.tif -o t -q
expect_grep 'at least 3 frames' err.txt
expect_rc 0 -- "$ECM" simulate darkfield -o small --nframes 4 --width 8 --height 8 -q
expect_rc 1 -- "$ECM" ttcf r.tif -o m --mask small_true_tau.tif -q
expect_grep 'mask is 8 x 8 pixels but the image is 24 x 24' err.txt
ls m_* >/dev/null 2>&1 && fail "failed ttcf left files" || ok
expect_rc 2 -- "$ECM" ttcf r.tif -o b --block 1 -q
expect_rc 0 -- "$ECM" simulate darkfield -o px1 --nframes 50 --width 1 --height 1 -q
expect_rc 1 -- "$ECM" ttcf px1.tif -o one -q
expect_grep 'identically 1' err.txt
expect_rc 2 -- "$ECM" ttcf r.tif -q
expect_grep '\-o PREFIX is required' err.txt
expect_rc 0 -- "$ECM" ttcf --help
expect_grep 'identically 1' out.txt

# The bundled sample holds two bright static crystals: without per-pixel normalisation their
# contrast dominates G and the g(t) fit fails, and the user is pointed to the remedy, which
# recovers the sample's tau (truth: median 10 s).
SAMPLES=$(cd "$DATA/../../samples" && pwd)
expect_rc 0 -- "$ECM" ttcf "$SAMPLES/darkfield_small.tif" -o crys
expect_grep 'try --normalize-pixels' err.txt
expect_rc 0 -- "$ECM" ttcf "$SAMPLES/darkfield_small.tif" -o crysn --normalize-pixels
expect_grep 'g\(t\) fit: tau = (9\.[5-9]|10\.[0-4])[0-9]* s, .*\(converged\)' err.txt
expect_grep '"state": "converged"' crysn_ttcf.json
if grep -q 'try --normalize-pixels' err.txt; then fail "hint printed with --normalize-pixels"; else ok; fi
finish
