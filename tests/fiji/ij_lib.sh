# Helpers for tests that run Debian's real ImageJ 1.x headless.
# Called as: test_X.sh ECM_BINARY WORK_DIR IJ_JAR JAVA
set -u
ECM=$1
WORK=$2
IJ_JAR=$3
JAVA=$4
rm -rf "$WORK" && mkdir -p "$WORK/ijhome/plugins"
cd "$WORK"

# run_macro FILE.ijm: ImageJ always exits 0 in -batch mode, so the macro prints sentinel
# lines and the caller greps them; a hung error dialog is cut off by timeout.
run_macro() {
  timeout 120 "$JAVA" -Djava.awt.headless=true -Xmx512m -cp "$IJ_JAR" ij.ImageJ \
    -ijpath "$WORK/ijhome" -batch "$1" 2>&1
}
