#!/usr/bin/env bash
# Every file of the bad-input catalogue gives one clear error line and exit 1 from every
# command that reads stacks (never a crash, never output files); ImageJ Z-stacks are read
# as time with a note.
. "$(dirname "$0")/lib.sh"

for f in "$DATA"/bad/*.tif; do
  name=$(basename "$f")
  for cmd in info g2 map; do
    args=("$cmd" "$f")
    [ "$cmd" = map ] && args+=(-o "out_$name")
    "$ECM" "${args[@]}" >out.txt 2>err.txt
    rc=$?
    if [ "$rc" -ne 1 ]; then
      fail "ecm $cmd $name exited $rc (expected 1): $(head -c 300 err.txt)"
    elif [ "$(wc -l < err.txt)" -ne 1 ] || ! grep -q "$name" err.txt; then
      fail "ecm $cmd $name: expected one error line naming the file, got: $(cat err.txt)"
    else
      ok
    fi
  done
done
ls out_* >/dev/null 2>&1 && fail "a failed map left files: $(ls out_*)" || ok

# One frame with many Z-slices: read as a time series, and said so.
expect_rc 0 -- "$ECM" info "$DATA/imagej/ramp16_slices.tif" --json
expect_eq z_as_time "$(json_get out.txt "j['z_as_time']")" True
expect_eq frames "$(json_get out.txt "j['frames']")" 5
expect_grep 'reading the slices as a time series' err.txt
expect_grep 'no frame interval: times are in frames' err.txt
# ImageJ's own files keep their calibration.
expect_rc 0 -- "$ECM" info "$DATA/imagej/ramp8_frames_ms.tif" --json
expect_close dt "$(json_get out.txt "j['frame_interval_s']")" 0.02 1e-9
expect_close px "$(json_get out.txt "j['pixel_width']")" 2 1e-9
finish
