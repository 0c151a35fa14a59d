#!/usr/bin/env bash
# Files written by libecm open in real ImageJ with their calibration, type and values.
. "$(dirname "$0")/ij_lib.sh"

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
cat > check.ijm <<MACRO
open("$WORK/sim.tif");
Stack.getDimensions(w, h, c, s, f);
getPixelSize(unit, pw, ph);
fi = Stack.getFrameInterval();
Stack.getUnits(xu, yu, zu, tu, vu);
print("ECM stack w=" + w + " h=" + h + " c=" + c + " s=" + s + " f=" + f + " bits=" + bitDepth());
print("ECM calib unit=" + unit + " pw=" + d2s(pw, 6) + " ph=" + d2s(ph, 6) + " fi=" + d2s(fi, 6) + " tu=" + tu);
if (indexOf(getImageInfo(), "simulate darkfield") >= 0) print("ECM provenance visible");
close();
open("$WORK/sim_true_tau.tif");
getPixelSize(unit, pw, ph);
print("ECM map bits=" + bitDepth() + " slices=" + nSlices + " unit=" + unit + " pw=" + d2s(pw, 6) + " v00=" + d2s(getPixel(0, 0), 4));
close();
open("$WORK/sim_regions.tif");
print("ECM regions bits=" + bitDepth() + " v=" + getPixel(5, 5));
close();
print("ECM done");
MACRO
out=$(run_macro check.ijm)
echo "$out"
fails=0
want() { if echo "$out" | grep -qF -- "$1"; then echo "ok: $1"; else echo "FAIL: missing '$1'"; fails=$((fails+1)); fi; }
want "ECM stack w=20 h=16 c=1 s=1 f=12 bits=32"
want "ECM calib unit=nm pw=0.800000 ph=0.800000 fi=0.500000 tu=sec"
want "ECM provenance visible"
want "ECM map bits=32 slices=1 unit=nm pw=0.800000 v00=$tau00"
want "ECM regions bits=8 v=1"
want "ECM done"
if echo "$out" | grep -qE 'Exception|Unrecognized command|Macro Error'; then echo "FAIL: ImageJ error"; fails=$((fails+1)); fi
echo "$((6 - fails)) passed, $fails failed"
[ "$fails" -eq 0 ]
