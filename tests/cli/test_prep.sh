#!/usr/bin/env bash
# ecm prep: binning keeps the calibration consistent, references are checked, inputs kept.
. "$(dirname "$0")/lib.sh"
"$ECM" simulate darkfield -o s --nframes 40 --width 16 --height 16 --dt 0.5 --pixel-size 2 -q
"$ECM" simulate darkfield -o other --nframes 2 --width 8 --height 8 -q
expect_rc 0 -- "$ECM" prep s.tif -o b.tif --bin-time 4 --bin-space 2 -q
expect_rc 0 -- "$ECM" info b.tif --json
expect_eq frames "$(json_get out.txt "j['frames']")" 10
expect_eq width "$(json_get out.txt "j['width_px']")" 8
expect_close dt "$(json_get out.txt "j['frame_interval_s']")" 2 1e-9
expect_close px "$(json_get out.txt "j['pixel_width']")" 4 1e-9
# Binning sums: the mean grows by 4 x 2 x 2.
m0=$("$ECM" info s.tif --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["mean"])')
expect_close mean "$(json_get out.txt "j['mean']")" "$(python3 -c "print(16 * $m0)")" 1e-4
expect_rc 0 -- "$ECM" prep s.tif -o n.tif --normalize s_regions.tif --bad-pixels --frames 5:30
expect_grep 'bad pixels:' err.txt
expect_rc 0 -- "$ECM" info n.tif --json
expect_eq frames "$(json_get out.txt "j['frames']")" 26
# The normalised frames all have the same mean over the reference region (here: everything).
python3 -c "import json,sys; sys.exit(0 if json.load(open('out.txt'))['mean_max_dev_rel'] < 1e-5 else 1)" && ok || fail "frames not normalised"
expect_rc 1 -- "$ECM" prep s.tif -o d.tif --dark other.tif
expect_grep 'other.tif|8 x 8|16 x 16' err.txt
[ ! -e d.tif ] && ok || fail "failed prep left d.tif"
expect_rc 2 -- "$ECM" prep s.tif -o s.tif --force
expect_grep 'is the input file' err.txt
finish
