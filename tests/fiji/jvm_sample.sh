#!/usr/bin/env bash
# The teaching sample through every ECM command (tests/fiji/sample_all.ijm), in real ImageJ
# under Xvfb (ij.ImageJ -batch) and with no display at all (ecm.fiji.Headless), each with a
# throw-away ImageJ home whose plugins/ holds the jar. Judged by sentinel lines; any
# "ECM error" or Java exception fails it.
# Called as: jvm_sample.sh MODE PLUGIN_JAR IJ_JAR JAVA WORK_DIR SAMPLES_DIR  (MODE: xvfb|headless)
set -u
MODE=$1
JAR=$2
IJ_JAR=$3
JAVA=$4
WORK=$5
SAMPLES=$(cd "$6" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
rm -rf "$WORK" && mkdir -p "$WORK/ijhome/plugins" "$WORK/tmp"
cp "$JAR" "$WORK/ijhome/plugins/"
arg="sample=[$SAMPLES/darkfield_small.tif] truth=[$SAMPLES/darkfield_small_true_tau.tif] csv=[$WORK/arrhenius.csv]"
if [ "$MODE" = headless ]; then
  out=$(cd "$WORK" && unset DISPLAY && timeout 300 "$JAVA" -Djava.awt.headless=true -Xmx1g \
    -Djava.io.tmpdir="$WORK/tmp" -cp "$IJ_JAR:$WORK/ijhome/plugins/$(basename "$JAR")" \
    ecm.fiji.Headless -ijpath "$WORK/ijhome" "$here/sample_all.ijm" "$arg" 2>&1)
  rc=$?
else
  out=$(cd "$WORK" && timeout 300 xvfb-run -a "$JAVA" -Xmx1g -Djava.io.tmpdir="$WORK/tmp" \
    -cp "$IJ_JAR" ij.ImageJ -ijpath "$WORK/ijhome" -batch "$here/sample_all.ijm" "$arg" 2>&1)
  rc=0
fi
echo "$out"
fails=0
want() { if echo "$out" | grep -qE -- "$1"; then echo "ok: $1"; else echo "FAIL: missing '$1'"; fails=$((fails+1)); fi; }
[ $rc -eq 0 ] || { echo "FAIL: exit status $rc"; fails=$((fails+1)); }
for step in about open align maps inspector histogram split mapcorr g4 ttcf tseries simulate; do
  want "^ECM-ALL $step ok"
done
want "^ECM-ALL open ok title=darkfield_small.tif frames=1000 interval=0.5$"
# The sample drifts by +2 px in x and -1 px in y: the aligned stack is 46 x 47, its crop
# offset readable by macros from the image's Info.
want "^ECM-ALL align ok title=darkfield_small_aligned rows=1000 size=46x47 .* crop=0,1$"
# The sample's truth: tau median 10 s (a smoothed map reads a little lower), E = 0.5 eV.
want "^ECM-ALL maps ok map=darkfield_small_aligned_tau tau_med_s=(8|9|10|11)\."
want "^ECM-ALL mapcorr ok rho=0\.[3-9]"
want "^ECM-ALL ttcf ok verdict=stationary$"
want "^ECM-ALL tseries ok E_eV=0\.5000$"
want "^ECM-ALL done$"
if echo "$out" | grep -qE 'ECM error|Exception|Unrecognized command'; then
  echo "FAIL: an error was reported"; fails=$((fails+1))
fi
[ "$fails" -eq 0 ] && echo "PASS: sample.$MODE"
[ "$fails" -eq 0 ]
