#!/usr/bin/env bash
# The user macros of macros/ in real ImageJ, twice each: (i) headless (java.awt.headless=true,
# DISPLAY unset) and (ii) under `xvfb-run -a` with a display. Each run uses a throw-away
# ImageJ home with ECM_Analysis.jar in plugins/, runs under `timeout` (ImageJ -batch always
# exits 0, and a failing command may wait on a modal dialog) and is judged by the macro's
# "ECM-MACRO ..." sentinel lines plus checks of the files it wrote.
# Called as: jvm_macros.sh WHICH PLUGIN_JAR IJ_JAR JAVA WORK_DIR ECM_CLI
#   WHICH: batch | tseries | teaching
set -u
WHICH=$1
JAR=$2
IJ_JAR=$3
JAVA=$4
WORK=$5
ECM=$(readlink -f "$6")
here=$(cd "$(dirname "$0")" && pwd)
macros=$(cd "$here/../../macros" && pwd)
JAVAC=$(dirname "$(readlink -f "$JAVA")")/javac
fails=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }

rm -rf "$WORK" && mkdir -p "$WORK/ijhome/plugins" "$WORK/tmp" "$WORK/classes" "$WORK/data"
cp "$JAR" "$WORK/ijhome/plugins/"
"$JAVAC" -nowarn -cp "$IJ_JAR" -d "$WORK/classes" "$here/macros/CheckTiffs.java" \
  || { echo "FAIL: javac CheckTiffs"; exit 1; }

# run_ij MODE MACRO ARG LOG: MODE headless | xvfb
run_ij() {
  local mode=$1 macro=$2 arg=$3 log=$4
  if [ "$mode" = headless ]; then
    # No display: the plugin's runner for plain ImageJ 1.x (ecm.fiji.Headless; ImageJ's own
    # -batch cannot run menu commands headless). Its exit status is checked too.
    (unset DISPLAY; cd "$WORK" && timeout 240 "$JAVA" -Djava.awt.headless=true -Xmx1g \
      -Djava.io.tmpdir="$WORK/tmp" -cp "$IJ_JAR:$WORK/ijhome/plugins/$(basename "$JAR")" \
      ecm.fiji.Headless -ijpath "$WORK/ijhome" "$macro" "$arg") > "$log" 2>&1
  else
    (cd "$WORK" && timeout 240 xvfb-run -a "$JAVA" -Xmx1g -Djava.io.tmpdir="$WORK/tmp" \
      -cp "$IJ_JAR" ij.ImageJ -ijpath "$WORK/ijhome" -batch "$macro" "$arg") > "$log" 2>&1
  fi
  local rc=$?
  [ $rc -eq 124 ] && bad "$mode: timed out (a dialog waiting?)"
  [ "$mode" = headless ] && [ $rc -ne 0 ] && [ $rc -ne 124 ] && echo "note: ecm.fiji.Headless exited $rc"
  cat "$log"
  if grep -qE 'Exception|Unrecognized command' "$log"; then bad "$mode: ImageJ error in the log"; fi
  return 0
}
want() { # want LOG REGEX
  if grep -qE -- "$2" "$1"; then ok "$(basename "$1"): $2"; else bad "$(basename "$1"): missing '$2'"; fi
}

modes="headless"
if command -v xvfb-run > /dev/null && command -v xauth > /dev/null; then
  modes="headless xvfb"
else
  bad "xvfb-run (and xauth) needed for the display half of the test"
fi

case "$WHICH" in
batch)
  # Three stacks with known median tau (2, 3, 4 s) plus their truth maps (1 frame: skipped).
  for k in 2 3 4; do
    "$ECM" simulate darkfield -o "$WORK/data/stack_tau$k" -n 400 --width 16 --height 16 --dt 0.5 \
      --pixel-size 2 --tau $k --tau-sigma 0.3 --beta 1 --seed $k -q || bad "ecm simulate"
  done
  for mode in $modes; do
    out="$WORK/out_$mode"
    run_ij $mode "$macros/batch_relaxation_maps.ijm" "input=[$WORK/data] output=[$out]" "$WORK/$mode.log"
    want "$WORK/$mode.log" "^ECM-MACRO batch_relaxation_maps done stacks=3 skipped=12$"
    for k in 2 3 4; do
      want "$WORK/$mode.log" "^ECM-MACRO batch_relaxation_maps stack=stack_tau$k.tif ok tau_med_s="
    done
    python3 - "$out/relaxation_maps_summary.csv" <<'PY' && ok "$mode: summary CSV" || bad "$mode: summary CSV"
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
assert len(rows) == 3, "rows %d" % len(rows)
for r in rows:
    truth = float(r["image"].split("tau")[1].split(".")[0])
    got = float(r["tau_med_s"])
    print("  %s tau_med_s=%.4f truth=%g ratio=%.3f" % (r["image"], got, truth, got / truth))
    assert abs(got / truth - 1) < 0.25, r["image"]
    assert float(r["dt_s"]) == 0.5 and int(r["frames"]) == 400
PY
    tifs=$(ls "$out"/*.tif 2>/dev/null | wc -l)
    [ "$tifs" -eq 15 ] && ok "$mode: 15 maps" || bad "$mode: $tifs maps, want 15"
    "$JAVA" -Djava.awt.headless=true -cp "$IJ_JAR:$WORK/classes" CheckTiffs "$out"/*.tif > "$WORK/tiffs_$mode.txt" 2>&1
    cat "$WORK/tiffs_$mode.txt"
    n=$(grep -cE '^TIFF stack_tau[234]_(tau|beta|A|chi2|status)\.tif w=16 h=16 bits=32 unit=nm pw=2(\.0+)? ' "$WORK/tiffs_$mode.txt")
    [ "$n" -eq 15 ] && ok "$mode: maps 32-bit 16x16, 2 nm pixels" || bad "$mode: $n of 15 maps calibrated"
    grep -qE '^TIFF stack_tau2_tau\.tif .* value_unit=s ' "$WORK/tiffs_$mode.txt" \
      && ok "$mode: tau map value unit s" || bad "$mode: tau map value unit"
  done
  # Never overwrite: a second run into the same folder is refused and changes nothing.
  before=$(cd "$WORK/out_headless" && md5sum * | md5sum)
  run_ij headless "$macros/batch_relaxation_maps.ijm" "input=[$WORK/data] output=[$WORK/out_headless]" "$WORK/again.log"
  want "$WORK/again.log" "^ECM-MACRO batch_relaxation_maps error: .*relaxation_maps_summary.csv exists: refusing to overwrite"
  after=$(cd "$WORK/out_headless" && md5sum * | md5sum)
  [ "$before" = "$after" ] && ok "rerun changed nothing" || bad "rerun changed the outputs"
  # Missing arguments in batch mode: a clear message, no dialog.
  run_ij headless "$macros/batch_relaxation_maps.ijm" "" "$WORK/noarg.log"
  want "$WORK/noarg.log" "^ECM-MACRO batch_relaxation_maps error: give both folders"
  ;;
tseries)
  # E = 0.3 eV at 280, 310, 340 K (tests/cli/test_tseries.sh: seeds 1-8 give 0.283-0.332 eV).
  (cd "$WORK/data" && "$ECM" simulate tseries -o ts --temps 280,310,340 --E-eV 0.3 \
    --tau-inf 3.7e-5 --domain-at-Tref 4 --Tref 300 --domain-exponent 2 --nframes 800 \
    --width 16 --height 16 --dt 0.5 --tau-sigma 0.2 --beta 1 --seed 7 -q) || bad "ecm simulate tseries"
  for mode in $modes; do
    out="$WORK/out_$mode"
    run_ij $mode "$macros/temperature_series.ijm" "input=[$WORK/data] output=[$out]" "$WORK/$mode.log"
    for T in 280 310 340; do want "$WORK/$mode.log" "^ECM-MACRO temperature_series T_K=$T tau_med_s="; done
    want "$WORK/$mode.log" "^ECM-MACRO temperature_series ok E_eV="
    want "$WORK/$mode.log" "^ECM-MACRO temperature_series done temperatures=3$"
    python3 - "$out/ecm_arrhenius.csv" "$out/ecm_temperature_series.csv" <<'PY' && ok "$mode: E within 10 %" || bad "$mode: Arrhenius CSV / E"
import csv, sys
r = list(csv.DictReader(open(sys.argv[1])))
assert len(r) == 1, "rows %d" % len(r)
E = float(r[0]["E_eV"])
print("  E_eV=%.4f E_err_eV=%s truth=0.3 rel=%.3f" % (E, r[0]["E_err_eV"], E / 0.3 - 1))
assert abs(E / 0.3 - 1) < 0.10
t = list(csv.DictReader(open(sys.argv[2])))
assert [float(x["T_K"]) for x in t] == [280, 310, 340]
PY
  done
  # The mapping CSV written by the simulator selects the same stacks.
  run_ij headless "$macros/temperature_series.ijm" \
    "input=[$WORK/data] output=[$WORK/out_map] mapping=[$WORK/data/ts_tseries.csv]" "$WORK/map.log"
  want "$WORK/map.log" "^ECM-MACRO temperature_series done temperatures=3$"
  ;;
teaching)
  for mode in $modes; do
    run_ij $mode "$macros/teaching_lab.ijm" "size=32 frames=400 seed=1" "$WORK/$mode.log"
    for step in simulate align maps histogram g2 ttcf compare; do
      want "$WORK/$mode.log" "^ECM-MACRO teaching_lab $step ok"
    done
    want "$WORK/$mode.log" "^ECM-MACRO teaching_lab done$"
    python3 - "$WORK/$mode.log" <<'PY' && ok "$mode: values" || bad "$mode: values"
import re, sys
log = open(sys.argv[1]).read()
ratio = float(re.search(r"maps ok .* ratio=([0-9.eE+-]+)", log).group(1))
rho = float(re.search(r"compare ok rho=([0-9.eE+-]+)", log).group(1))
# the lab simulates a drift of (6, -3) px with 3 static crystals: Align Stack must undo it
# (no weak frame, the stack used) and Two-Time Correlation must see the speckle's tau
al = re.search(r"align ok .* weak=(\d+) last_shift_px=([0-9.eE+-]+),([0-9.eE+-]+) .*"
               r"rms_error_px=([0-9.eE+-]+)", log)
weak, lx, ly, err = int(al.group(1)), float(al.group(2)), float(al.group(3)), float(al.group(4))
tt = re.search(r"ttcf ok .* tau_s=([0-9.eE+-]+|NaN) verdict=(\w+)", log)
ttau = float(tt.group(1))
print("  tau_med/truth=%.3f rho=%.3f weak=%d last_shift=(%.3f, %.3f) rms_err=%.4f ttcf_tau=%.3f %s"
      % (ratio, rho, weak, lx, ly, err, ttau, tt.group(2)))
assert 0.5 < ratio < 1.5 and rho > 0.3
assert weak == 0 and err < 0.2 and abs(lx + 6) < 0.2 and abs(ly - 3) < 0.2
assert "not_used" not in log
assert 2.5 < ttau < 7.5 and tt.group(2) == "stationary"
PY
  done
  ;;
*)
  echo "FAIL: unknown macro test '$WHICH'"
  exit 1
  ;;
esac
[ "$fails" -eq 0 ] && echo "PASS: macro.$WHICH" || echo "FAIL: $fails check(s) failed"
[ "$fails" -eq 0 ]
