#!/usr/bin/env bash
# ecm's shared surface: version, help, usage errors, one clear line on failure.
. "$(dirname "$0")/lib.sh"

expect_rc 0 -- "$ECM" --version
expect_grep '^ecm [0-9]+\.[0-9]+\.[0-9]+$' out.txt
expect_rc 0 -- "$ECM" help
expect_grep '^  info ' out.txt
expect_grep '^  simulate ' out.txt
expect_rc 2 -- "$ECM"
expect_rc 2 -- "$ECM" frobnicate
expect_grep "unknown command 'frobnicate'" err.txt

# Every command documents every option with units and defaults.
for cmd in info simulate; do
  expect_rc 0 -- "$ECM" "$cmd" --help
  expect_grep '^usage: ecm' out.txt
  expect_grep '--quiet' out.txt
  expect_rc 0 -- "$ECM" help "$cmd"
  expect_grep '^usage: ecm' out.txt
done
"$ECM" simulate --help >out.txt
expect_grep '--dt S +frame interval \[s\] \(default: 0.5\)' out.txt
expect_grep '--dose COUNTS' out.txt

# Usage errors: exit 2, one line, the option named.
expect_rc 2 -- "$ECM" info
expect_rc 2 -- "$ECM" info a.tif b.tif
expect_rc 2 -- "$ECM" info --bogus x.tif
expect_grep "unknown option '--bogus'" err.txt
expect_rc 2 -- "$ECM" info --dt abc x.tif
expect_grep "--dt expects a number" err.txt
expect_rc 2 -- "$ECM" info --dt -1 x.tif
expect_grep "--dt must be between" err.txt
expect_rc 2 -- "$ECM" simulate darkfield
expect_grep "-o PREFIX" err.txt
expect_rc 2 -- "$ECM" simulate brightfield -o x
expect_rc 2 -- "$ECM" simulate darkfield -o x --contrast 1.5
expect_rc 2 -- "$ECM" simulate darkfield -o x --type u16
expect_grep "--dose" err.txt
[ "$(wc -l < err.txt)" -eq 1 ] && ok || fail "usage error is not one line"
[ ! -e x.tif ] && ok || fail "a failed command left x.tif behind"

# Run-time errors: exit 1, one line naming the file.
expect_rc 1 -- "$ECM" info does-not-exist.tif
expect_grep 'does-not-exist.tif' err.txt
[ "$(wc -l < err.txt)" -eq 1 ] && ok || fail "error is not one line: $(cat err.txt)"
printf 'this is not a TIFF file\n' > notatiff.tif
expect_rc 1 -- "$ECM" info notatiff.tif
expect_grep 'notatiff.tif' err.txt
: > empty.tif
expect_rc 1 -- "$ECM" info empty.tif
finish
