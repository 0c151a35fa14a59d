#!/usr/bin/env bash
# GUI test of the Fiji plugin in real ImageJ on a virtual display (ctest jvm.fiji.gui):
# compiles tests/fiji/gui/{Gui,GuiDriver}.java against ij.jar and the plugin jar, lays out a
# throw-away ImageJ home (<work>/ijhome/plugins/ECM_Analysis.jar, so that ImageJ installs the
# ECM menu from the jar's plugins.config) and a throw-away user.home (fresh IJ_Prefs.txt), then
# runs the driver under `timeout` and `xvfb-run -a`. Judged by the driver's sentinel lines
# ("PASS: gui"; any "GUI FAIL" / "FAIL:" fails), never by ImageJ's exit status alone.
# Called as: jvm_gui.sh PLUGIN_JAR IJ_JAR JAVA WORK_DIR
set -u
JAR=$1
IJ_JAR=$2
JAVA=$3
WORK=$4
here=$(cd "$(dirname "$0")" && pwd)
JAVAC=$(dirname "$(readlink -f "$JAVA")")/javac
command -v xvfb-run > /dev/null && command -v xauth > /dev/null \
  || { echo "FAIL: jvm.fiji.gui needs xvfb-run and xauth"; exit 1; }
rm -rf "$WORK" && mkdir -p "$WORK/ijhome/plugins" "$WORK/home" "$WORK/tmp" "$WORK/classes"
cp "$JAR" "$WORK/ijhome/plugins/ECM_Analysis.jar"
"$JAVAC" -nowarn -encoding UTF-8 -cp "$IJ_JAR:$JAR" -d "$WORK/classes" \
  "$here/gui/Gui.java" "$here/gui/GuiDriver.java" || { echo "FAIL: javac"; exit 1; }
# The jar is on the class path for the driver's own calls (G2Inspector's API); ImageJ loads the
# commands through the same class loader, so both see one native library.
out=$(cd "$WORK" && timeout 170 xvfb-run -a -s "-screen 0 1280x1024x24" "$JAVA" -Xmx1g \
  -Duser.home="$WORK/home" -Djava.io.tmpdir="$WORK/tmp" \
  -cp "$IJ_JAR:$WORK/ijhome/plugins/ECM_Analysis.jar:$WORK/classes" \
  GuiDriver "$WORK/ijhome" 2>&1)
rc=$?
echo "$out"
[ $rc -eq 124 ] && { echo "FAIL: timed out (a dialog waiting?)"; exit 1; }
[ $rc -eq 0 ] || { echo "FAIL: driver exited $rc"; exit 1; }
if echo "$out" | grep -qE '^GUI FAIL|# A fatal error|SIGSEGV|hs_err'; then echo "FAIL"; exit 1; fi
echo "$out" | grep -q '^PASS: gui$' || { echo "FAIL: no PASS line"; exit 1; }
