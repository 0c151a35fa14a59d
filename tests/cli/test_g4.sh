#!/usr/bin/env bash
# ecm g4 end to end: outputs, JSON, xi_exp near the simulator's xi_expected_px (conventional),
# xi_sep / xi_contour / xi_domain_fwhm (--tau-map) under distinct names, --xi-methods, the
# literal variant runs, bad input, no overwrite.
. "$(dirname "$0")/lib.sh"

expect_rc 0 -- "$ECM" simulate darkfield -o r --nframes 300 --width 48 --height 48 --dt 0.5 \
  --tau 5 --tau-sigma 0 --domain 8 --shared 0.8 --seed 2 -q
expect_rc 0 -- "$ECM" g4 r.tif -o c --dt-list 1,5,10,20 --variant conventional --max-r 12 -q
for f in c_g4.tif c_g4.json; do [ -s "$f" ] && ok || fail "missing $f"; done
expect_eq schema "$(json_get c_g4.json "j['schema']")" ecm.g4/1
expect_eq rows "$(json_get c_g4.json "len(j['g4'])")" 4
expect_eq cols "$(json_get c_g4.json "len(j['g4'][0])")" 13
expect_eq xiok "$(json_get c_g4.json "j['xi_exp']['ok']")" True
"$ECM" info c_g4.tif --json > info.json 2>/dev/null
expect_eq width "$(json_get info.json "j['width_px']")" 13
# All four lengths: distinct names, px and nm (the simulator calibrates 1 nm/px).
expect_rc 0 -- "$ECM" simulate darkfield -o m --nframes 300 --width 48 --height 48 --dt 0.5 \
  --tau 5 --tau-sigma 0.5 --map-corr 3 --domain 8 --shared 0.8 --seed 2 -q
expect_rc 0 -- "$ECM" g4 m.tif -o a --dt-list 1,2,3,5,7,10,14,20,28,40 --variant conventional \
  --max-r 12 --tau-map m_true_tau.tif -q
for k in xi_exp_px xi_sep_px xi_contour_px xi_domain_fwhm_px xi_sep_nm xi_domain_fwhm_nm; do
  expect_eq "$k" "$(json_get a_g4.json "isinstance(j['$k'], float)")" True
done
expect_eq sepok "$(json_get a_g4.json "j['xi_sep']['ok']")" True
expect_eq conok "$(json_get a_g4.json "j['xi_contour']['ok']")" True
expect_eq domok "$(json_get a_g4.json "j['xi_domain_fwhm']['ok']")" True
# map_corr_px 3: FWHM of the ln tau autocorrelation 2.355 * 3 = 7.06 px (15 % on 48 x 48)
expect_eq domfwhm "$(json_get a_g4.json "abs(j['xi_domain_fwhm_px'] / 7.065 - 1) < 0.15")" True
# xi_sep near xi_expected_px of the truth (same seed, 15 %: docs/g4.md)
expect_eq sepxi "$(json_get a_g4.json "abs(j['xi_sep_px'] / json.load(open('m_truth.json'))['xi_expected_px'] - 1) < 0.15")" True
expect_eq ndr "$(json_get a_g4.json "len(j['xi_contour']['dr_half_px'])")" 10
expect_rc 0 -- "$ECM" g4 m.tif -o n --dt-list 5,10 --xi-methods none --max-r 6 -q
expect_eq none "$(json_get n_g4.json "[j['xi_exp'], j['xi_sep'], j['xi_contour'], j['xi_domain_fwhm']]")" "[None, None, None, None]"
expect_rc 0 -- "$ECM" g4 m.tif -o s --dt-list 2,5,10 --xi-methods sep --sep-model nakazawa \
  --max-r 6 -q
expect_eq sepmodel "$(json_get s_g4.json "j['xi_sep']['model']")" nakazawa
expect_eq sepexp "$(json_get s_g4.json "j['xi_exp_px']")" None
expect_rc 2 -- "$ECM" g4 m.tif -o x --dt-list 1 --xi-methods exp,foo -q
expect_rc 2 -- "$ECM" g4 m.tif -o x --dt-list 1 --sep-model foo -q
expect_rc 1 -- "$ECM" g4 m.tif -o x --dt-list 1 --tau-map missing.tif -q
expect_rc 0 -- "$ECM" g4 r.tif -o l --dt-list 10 --max-r 6 -q
expect_eq variant "$(json_get l_g4.json "j['variant']")" literal
# Bad input and no overwrite.
expect_rc 2 -- "$ECM" g4 r.tif -o c --dt-list 1 -q
expect_rc 2 -- "$ECM" g4 r.tif -o x --dt-list 1,a -q
expect_rc 2 -- "$ECM" g4 r.tif -o x --dt-list 1 --variant foo -q
expect_rc 1 -- "$ECM" g4 r.tif -o x --dt-list 300 -q
finish
