# Helpers for the CLI tests: sourced by tests/cli/test_*.sh.
# Each test is called as: test_X.sh ECM_BINARY WORK_DIR DATA_DIR
set -u
ECM=$1
WORK=$2
DATA=$3
rm -rf "$WORK" && mkdir -p "$WORK"
cd "$WORK"
failures=0
checks=0

fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
ok() { checks=$((checks + 1)); }

# expect_rc CODE -- command...: run, compare the exit code, keep stdout/stderr in out.txt/err.txt
expect_rc() {
  local want=$1; shift; [ "$1" = "--" ] && shift
  "$@" >out.txt 2>err.txt
  local got=$?
  if [ "$got" -ne "$want" ]; then
    fail "'$*' exited $got, expected $want; stderr: $(head -c 400 err.txt)"
  else
    ok
  fi
}

# expect_grep PATTERN FILE
expect_grep() {
  if grep -qE -- "$1" "$2"; then ok; else fail "'$1' not found in $2: $(head -c 400 "$2")"; fi
}

# json_get FILE EXPR: python expression on the parsed JSON object `j`
json_get() { python3 -c "import json,sys; j=json.load(open('$1')); print($2)"; }

# expect_eq WHAT GOT WANT
expect_eq() { if [ "$2" = "$3" ]; then ok; else fail "$1: got '$2', expected '$3'"; fi; }

# expect_close WHAT GOT WANT RELTOL
expect_close() {
  if python3 -c "import sys; g,w,r=float('$2'),float('$3'),float('$4'); sys.exit(0 if abs(g-w)<=r*abs(w) else 1)"; then
    ok; else fail "$1: got $2, expected $3 (relative tolerance $4)"; fi
}

finish() {
  echo "$checks passed, $failures failed"
  [ "$failures" -eq 0 ]
  exit $?
}
