#!/usr/bin/env bash
# Headless JVM tests of the Fiji plugin (ECM_Analysis.jar): compiles tests/fiji/FijiDriver.java
# and runs one of its modes with java.awt.headless=true and no display, judged by sentinel lines.
# Called as: jvm_plugin.sh MODE PLUGIN_JAR IJ_JAR JAVA WORK_DIR [ECM_CLI]
# Mode 'maps' also runs the ecm command line on the same simulated stack and requires the
# plugin's Results row to equal the CLI's summary.
set -u
MODE=$1
JAR=$2
IJ_JAR=$3
JAVA=$4
WORK=$5
ECM=${6:-}
here=$(cd "$(dirname "$0")" && pwd)
rm -rf "$WORK" && mkdir -p "$WORK/classes" "$WORK/tmp"
shopt -s nullglob
JAVAC=$(dirname "$(readlink -f "$JAVA")")/javac
"$JAVAC" -nowarn -encoding UTF-8 -cp "$IJ_JAR:$JAR" -d "$WORK/classes" "$here/FijiDriver.java" \
  "$here"/Mode_*.java "$here"/ecm/fiji/*.java || { echo "FAIL: javac"; exit 1; }
# No java.library.path entry for libecm_jni: the plugin must extract it from the jar.
unset DISPLAY
out=$(cd "$WORK" && timeout 300 "$JAVA" -Djava.awt.headless=true -Xmx512m \
  -Djava.io.tmpdir="$WORK/tmp" -cp "$IJ_JAR:$JAR:$WORK/classes" FijiDriver "$MODE" 2>&1)
rc=$?
echo "$out"
if [ $rc -ne 0 ]; then echo "FAIL: driver exited $rc"; exit 1; fi
echo "$out" | grep -q "^ECM driver done failures=0$" || { echo "FAIL: no clean end line"; exit 1; }
if echo "$out" | grep -qE '^ECM FAIL|# A fatal error|SIGSEGV|hs_err'; then echo "FAIL"; exit 1; fi
if [ "$MODE" = maps ] && [ -n "$ECM" ]; then
  # Same parameters as FijiDriver.mapsTest (seed 5, 200 frames of 10 x 8, tau 4 s, ...).
  (cd "$WORK" && "$ECM" simulate darkfield -o cli -n 200 --width 10 --height 8 --dt 0.5 \
    --pixel-size 2 --tau 4 --tau-sigma 0 --beta 1 --contrast 0.3 --map-corr 0 --seed 5 --quiet \
    && "$ECM" map cli.tif -o cli_map --quiet) || { echo "FAIL: ecm cli"; exit 1; }
  echo "$out" | grep '^ECM value ' > "$WORK/plugin_values.txt"
  python3 - "$WORK/cli_map_summary.json" "$WORK/plugin_values.txt" <<'PY' || { echo "FAIL: plugin differs from CLI"; exit 1; }
import json, math, sys
d = json.load(open(sys.argv[1]))
cli = {"tau_med_s": d["lognormal"]["tau_med_s"], "sigma": d["lognormal"]["sigma"],
       "beta_mean": d["beta"]["mean"], "converged_fraction": d["converged_fraction"],
       "ens_tau_s": d["ensemble"]["fit"]["tau_s"] if "tau_s" in d["ensemble"]["fit"] else None,
       "n_converged": d["converged"], "n_no_decay": d["status_counts"]["no-decay"]}
plugin = {}
for line in open(sys.argv[2]):
    k, v = line.split()[2].split("=")
    plugin[k] = float(v)
bad = 0
for k, want in cli.items():
    if want is None:
        continue
    got = plugin[k]
    ok = math.isclose(got, float(want), rel_tol=1e-6, abs_tol=1e-12)
    print("%s %s plugin=%.9g cli=%.9g" % ("ok:" if ok else "FAIL:", k, got, float(want)))
    bad += not ok
sys.exit(1 if bad else 0)
PY
fi
echo "PASS: $MODE"
