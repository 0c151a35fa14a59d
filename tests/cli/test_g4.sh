#!/usr/bin/env bash
# ecm g4 end to end: outputs, JSON, xi_exp near the simulator's xi_expected_px (conventional),
# the literal variant runs, bad input, no overwrite.
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
expect_rc 0 -- "$ECM" g4 r.tif -o l --dt-list 10 --max-r 6 -q
expect_eq variant "$(json_get l_g4.json "j['variant']")" literal
# Bad input and no overwrite.
expect_rc 2 -- "$ECM" g4 r.tif -o c --dt-list 1 -q
expect_rc 2 -- "$ECM" g4 r.tif -o x --dt-list 1,a -q
expect_rc 2 -- "$ECM" g4 r.tif -o x --dt-list 1 --variant foo -q
expect_rc 1 -- "$ECM" g4 r.tif -o x --dt-list 300 -q
finish
