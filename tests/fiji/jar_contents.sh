#!/usr/bin/env bash
# What ECM_Analysis.jar must hold: plugins.config at the root with a class for every command,
# the native library (and libgomp) for linux64, the LUT, ImageJ's command list for the
# headless runner, and an HTML guide page for every Help button in the sources.
# Called as: jar_contents.sh PLUGIN_JAR SOURCE_DIR
set -u
JAR=$1
SRC=$2
fails=0
list=$(unzip -Z1 "$JAR") || { echo "FAIL: cannot list $JAR"; exit 1; }
has() { if echo "$list" | grep -qx -- "$1"; then echo "ok: $1"; else echo "FAIL: $JAR lacks $1"; fails=$((fails+1)); fi; }
has plugins.config
has natives/linux64/libecm_jni.so
has luts/ECM_viridis.lut
has ij_commands.txt
has docs/fiji.html
for cls in $(unzip -p "$JAR" plugins.config | grep -v '^#' | sed -n 's/.*", *\([A-Za-z0-9_.]*\)(.*/\1/p'); do
  has "$(echo "$cls" | tr . /).class"
done
for page in $(grep -ho 'Help.add(gd, "[a-z0-9-]*")' "$SRC"/fiji-plugin/src/main/java/ecm/fiji/*.java \
              | sed 's/.*"\(.*\)")/\1/' | sort -u); do
  has "docs/$page.html"
  [ -f "$SRC/docs/fiji/$page.md" ] || { echo "FAIL: docs/fiji/$page.md missing"; fails=$((fails+1)); }
done
[ "$fails" -eq 0 ] && echo "PASS: jar_contents"
[ "$fails" -eq 0 ]
