#!/usr/bin/env bash
# Files written by libecm open in real ImageJ (its own TIFF reader, headless) with their
# dimensions, type, calibration, values and provenance.
. "$(dirname "$0")/ij_lib.sh"
here=$(cd "$(dirname "$0")" && pwd)
JAVAC=$(dirname "$(readlink -f "$JAVA")")/javac
"$JAVAC" -nowarn -cp "$IJ_JAR" -d "$WORK" "$here/ReadBack.java" || { echo "FAIL: javac"; exit 1; }
readback() { timeout 120 "$JAVA" -Djava.awt.headless=true -cp "$IJ_JAR:$WORK" ReadBack "$@" 2>&1; }

"$ECM" simulate darkfield -o sim --nframes 12 --width 20 --height 16 --dt 0.5 \
  --pixel-size 0.8 --tau 3 --quiet || { echo "FAIL: simulate"; exit 1; }
# Pixel (0,0) of the float map, read straight from the TIFF strip (independent of ImageJ).
tau00=$(python3 - <<'PY'
import struct
d = open('sim_true_tau.tif', 'rb').read()
bo = '<' if d[:2] == b'II' else '>'
ifd = struct.unpack(bo + 'I', d[4:8])[0]
n = struct.unpack(bo + 'H', d[ifd:ifd + 2])[0]
for i in range(n):
    e = d[ifd + 2 + 12 * i: ifd + 14 + 12 * i]
    tag, typ = struct.unpack(bo + 'HH', e[:4])
    if tag == 273:
        off = struct.unpack(bo + 'H', e[8:10])[0] if typ == 3 else struct.unpack(bo + 'I', e[8:12])[0]
        print('%.4f' % struct.unpack(bo + 'f', d[off:off + 4])[0])
PY
)
out=$(readback sim.tif; readback sim_true_tau.tif 0 0; readback sim_regions.tif 5 5)
echo "$out"
fails=0
want() { if echo "$out" | grep -qF -- "$1"; then echo "ok: $1"; else echo "FAIL: missing '$1'"; fails=$((fails+1)); fi; }
want "ECM dims w=20 h=16 c=1 z=1 t=12 bits=32"
want "ECM calib unit=nm pw=0.800000 ph=0.800000 finterval=0.500000 tunit=sec"
want "ECM provenance visible"
want "ECM dims w=20 h=16 c=1 z=1 t=1 bits=32"
want "ECM pixel 0,0=$tau00"
want "ECM dims w=20 h=16 c=1 z=1 t=1 bits=8"
want "ECM pixel 5,5=1.0000"
if echo "$out" | grep -qE 'Exception|open failed'; then echo "FAIL: ImageJ error"; fails=$((fails+1)); fi
echo "$((7 - fails)) passed, $fails failed"
[ "$fails" -eq 0 ]
