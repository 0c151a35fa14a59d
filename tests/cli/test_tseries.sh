#!/usr/bin/env bash
# ecm simulate tseries end to end: files and table, tau maps per temperature -> Arrhenius
# recovers the seeded activation energy; --aging drives the TTCF verdict to "aging".
. "$(dirname "$0")/lib.sh"

# Three temperatures, E = 0.3 eV, tau_inf = 3.7e-5 s: tau_median 9.29, 2.79, 1.04 s
# (18.6, 5.6, 2.1 frames of 0.5 s); domains d(T) = 4 (300 / T)^2 px. The same seed at every
# T: the same sample, so the tau map's own sampling error is common and cancels in E.
expect_rc 0 -- "$ECM" simulate tseries -o ts --temps 280,310,340 --E-eV 0.3 --tau-inf 3.7e-5 \
  --domain-at-Tref 4 --Tref 300 --domain-exponent 2 --nframes 800 --width 16 --height 16 \
  --dt 0.5 --tau-sigma 0.2 --beta 1 --seed 7 -q
for T in 280 310 340; do
  for s in .tif _true_tau.tif _true_beta.tif _true_A.tif _regions.tif _shifts.csv _truth.json; do
    [ -s "ts_T${T}K$s" ] && ok || fail "missing ts_T${T}K$s"
  done
done
[ -s ts_tseries.json ] && ok || fail "missing ts_tseries.json"
expect_grep '^T_K,tau_median_s,domain_size_px,xi_expected_px,stack$' ts_tseries.csv
expect_eq rows "$(wc -l < ts_tseries.csv)" 4
expect_eq schema "$(json_get ts_tseries.json "j['schema']")" ecm.simulate.tseries/1
expect_close tau280 "$(sed -n 2p ts_tseries.csv | cut -d, -f2)" 9.288895254 1e-6
expect_close d340 "$(sed -n 4p ts_tseries.csv | cut -d, -f3)" 3.114186851 1e-6
expect_eq stack "$(sed -n 3p ts_tseries.csv | cut -d, -f5)" ts_T310K.tif
expect_close truth_tau "$(json_get ts_T310K_truth.json "j['params']['tau_median_s']")" 2.788729685 1e-6

# tau maps -> (T, tau_med, err) -> Arrhenius.
echo "T_K,tau_s,tau_err_s" > arr.csv
for T in 280 310 340; do
  expect_rc 0 -- "$ECM" map "ts_T${T}K.tif" -o "m$T" -q
  python3 -c "import json; l=json.load(open('m$T""_summary.json'))['lognormal']; \
print('$T,%r,%r' % (l['tau_med_s'], l['tau_med_err_s']))" >> arr.csv
done
expect_rc 0 -- "$ECM" stats arrhenius arr.csv -o arr.json -q
# Measured over seeds 1-8: E = 0.283 .. 0.332 eV (rms error 0.016 eV, 5 %): tolerance 15 %.
expect_close E "$(json_get arr.json "j['E_eV']")" 0.3 0.15

# Aging: tau grows 4x over the series; the TTCF band widens and the verdict says so.
expect_rc 0 -- "$ECM" simulate darkfield -o ag --nframes 1600 --width 24 --height 24 --dt 0.5 \
  --tau 2.5 --tau-sigma 0 --beta 1 --aging 4 --seed 4 -q
expect_close aging_json "$(json_get ag_truth.json "j['params']['aging_factor']")" 4 1e-12
expect_rc 0 -- "$ECM" ttcf ag.tif -o at -q
expect_eq verdict "$(json_get at_ttcf.json "j['band']['verdict']")" aging
# Band change over the series: 3.40 .. 3.77 for seeds 1-5 (truth 4): tolerance 20 %.
expect_close change "$(json_get at_ttcf.json "j['band']['change_over_series']")" 4 0.2
# The stationary control with the same seed stays stationary.
expect_rc 0 -- "$ECM" simulate darkfield -o st --nframes 1600 --width 24 --height 24 --dt 0.5 \
  --tau 2.5 --tau-sigma 0 --beta 1 --seed 4 -q
expect_rc 0 -- "$ECM" ttcf st.tif -o sc -q
expect_eq verdict0 "$(json_get sc_ttcf.json "j['band']['verdict']")" stationary

# Bad input: --tau with tseries, tseries options with darkfield, a bad list, aging range.
expect_rc 2 -- "$ECM" simulate tseries -o x --temps 300 --E-eV 0.3 --tau-inf 1e-5 --tau 3 -q
expect_grep 'set by the temperature law' err.txt
expect_rc 2 -- "$ECM" simulate darkfield -o x --temps 300 -q
expect_grep "belongs to 'simulate tseries'" err.txt
expect_rc 2 -- "$ECM" simulate tseries -o x --temps 300,abc --E-eV 0.3 --tau-inf 1e-5 -q
expect_rc 2 -- "$ECM" simulate tseries -o x --temps 300 -q
expect_rc 2 -- "$ECM" simulate darkfield -o x --aging 1000 -q
ls x* >/dev/null 2>&1 && fail "failed simulate left files" || ok
# No overwrite without --force (checked before anything is simulated).
expect_rc 2 -- "$ECM" simulate tseries -o ts --temps 280,310,340 --E-eV 0.3 --tau-inf 3.7e-5 -q
finish
