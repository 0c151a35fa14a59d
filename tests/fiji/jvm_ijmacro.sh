#!/usr/bin/env bash
# End-to-end in real ImageJ: a throw-away ImageJ home with ECM_Analysis.jar in plugins/,
# started under Xvfb with -batch on tests/fiji/ecm_plugin_e2e.ijm. ImageJ always exits 0
# in -batch mode and a failing command waits on a modal dialog, so the run is cut off by
# timeout and judged by sentinel lines only.
# Called as: jvm_ijmacro.sh PLUGIN_JAR IJ_JAR JAVA WORK_DIR [headless]
# With "headless": the same macro with java.awt.headless=true and no display, through
# ecm.fiji.Headless (plain ImageJ 1.x cannot run menu commands headless by itself).
set -u
JAR=$1
IJ_JAR=$2
JAVA=$3
WORK=$4
here=$(cd "$(dirname "$0")" && pwd)
rm -rf "$WORK" && mkdir -p "$WORK/ijhome/plugins" "$WORK/tmp"
cp "$JAR" "$WORK/ijhome/plugins/"
if [ "${5:-}" = headless ]; then
  # No display at all: the plugin's runner for plain ImageJ 1.x (ecm.fiji.Headless), whose
  # exit status tells whether the macro ran to its end.
  out=$(cd "$WORK" && unset DISPLAY && timeout 120 "$JAVA" -Djava.awt.headless=true -Xmx512m \
    -Djava.io.tmpdir="$WORK/tmp" -cp "$IJ_JAR:$WORK/ijhome/plugins/$(basename "$JAR")" \
    ecm.fiji.Headless -ijpath "$WORK/ijhome" "$here/ecm_plugin_e2e.ijm" 2>&1)
  rc=$?
  [ $rc -eq 0 ] || { echo "$out"; echo "FAIL: ecm.fiji.Headless exited $rc"; exit 1; }
else
  out=$(cd "$WORK" && timeout 120 xvfb-run -a "$JAVA" -Xmx512m -Djava.io.tmpdir="$WORK/tmp" \
    -cp "$IJ_JAR" ij.ImageJ -ijpath "$WORK/ijhome" -batch "$here/ecm_plugin_e2e.ijm" 2>&1)
fi
echo "$out"
fails=0
want() { if echo "$out" | grep -qE -- "$1"; then echo "ok: $1"; else echo "FAIL: missing '$1'"; fails=$((fails+1)); fi; }
want "^ECM sim images=4 title=ECM simulation frames=200$"
want "^ECM sim interval=0.5 unit=sec$"
want "^ECM nResults=1$"
want "^ECM tau_med_s=3\.82117[0-9]$"
want "^ECM converged_fraction=0\.975000$"
want "^ECM current=ECM_tau bits=32$"
want "^ECM map pixel=nm 2$"
want "^ECM self-test passed$"
want "^ECM macro done$"
if echo "$out" | grep -qE 'Exception|Unrecognized command'; then echo "FAIL: ImageJ error"; fails=$((fails+1)); fi
[ "$fails" -eq 0 ] && echo "PASS: ijmacro"
[ "$fails" -eq 0 ]
