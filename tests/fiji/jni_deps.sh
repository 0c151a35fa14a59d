#!/usr/bin/env bash
# Checks that the native library of the Fiji plugin is self-contained (ECM_FIJI_STATIC_DEPS):
#  - its NEEDED entries (readelf -d) are glibc's libraries, plus libgomp.so.1 (GCC's OpenMP
#    runtime: gcc's libgomp.a uses local-exec TLS and cannot go into a shared object);
#  - ldd resolves everything it loads (transitively) to those same libraries;
#  - it has no RPATH/RUNPATH;
#  - its dynamic symbol table exports only the JNI entry points (Java_*, JNI_OnLoad/Unload);
#  - the copy packed into the jar (natives/<platform>/) is this very file.
# Called as: jni_deps.sh LIBECM_JNI_SO [PLUGIN_JAR PLATFORM]
set -u
LIB=$1
JAR=${2:-}
PLATFORM=${3:-linux64}
fail=0
bad() { echo "FAIL: $*"; fail=1; }

[ -f "$LIB" ] || { echo "FAIL: no library at $LIB"; exit 1; }
for tool in readelf nm ldd; do
  command -v "$tool" >/dev/null || { echo "FAIL: $tool not found (binutils, libc-bin)"; exit 1; }
done
echo "library: $LIB ($(stat -c %s "$LIB") bytes)"

# glibc's libraries, and libgomp (see above).
allowed='^(libc\.so\.6|libm\.so\.6|libpthread\.so\.0|libdl\.so\.2|librt\.so\.1|ld-linux[-a-z0-9_]*\.so\.[0-9]+|libgomp\.so\.1)$'

needed=$(readelf -d "$LIB" | sed -n 's/.*(NEEDED).*\[\(.*\)\]$/\1/p')
echo "NEEDED: $(echo $needed)"
[ -n "$needed" ] || bad "readelf found no NEEDED entries (not a dynamic library?)"
for n in $needed; do
  echo "$n" | grep -qE "$allowed" || bad "needs $n, which is neither glibc nor libgomp"
done

if readelf -d "$LIB" | grep -qE '\((RPATH|RUNPATH)\)'; then
  bad "has an RPATH/RUNPATH: $(readelf -d "$LIB" | grep -E '\((RPATH|RUNPATH)\)')"
fi

ldd_out=$(ldd "$LIB" 2>&1) || bad "ldd failed: $ldd_out"
echo "ldd:"
echo "$ldd_out"
while read -r line; do
  name=$(echo "$line" | awk '{print $1}')
  name=${name##*/}
  case "$name" in linux-vdso.so.*|linux-gate.so.*|"") continue ;; esac
  echo "$line" | grep -q 'not found' && bad "ldd: $line"
  echo "$name" | grep -qE "$allowed" || bad "loads $name (ldd), which is neither glibc nor libgomp"
done <<< "$ldd_out"

exports=$(nm -D --defined-only "$LIB" | awk 'NF == 3 {print $3}')
n_exports=$(echo "$exports" | grep -c .)
echo "exported symbols: $n_exports"
[ "$n_exports" -gt 0 ] || bad "exports no symbols"
others=$(echo "$exports" | grep -vE '^(Java_[A-Za-z0-9_]+|JNI_OnLoad|JNI_OnUnload)$')
if [ -n "$others" ]; then
  bad "exports non-JNI symbols: $(echo "$others" | head -20 | tr '\n' ' ')"
fi

if [ -n "$JAR" ]; then
  entry="natives/$PLATFORM/$(basename "$LIB")"
  python3 - "$JAR" "$entry" "$LIB" <<'PY' || bad "$entry in $JAR differs from $LIB"
import sys, zipfile
jar, entry, lib = sys.argv[1:]
with zipfile.ZipFile(jar) as z:
    packed = z.read(entry)
sys.exit(0 if packed == open(lib, "rb").read() else 1)
PY
fi

if [ $fail -ne 0 ]; then exit 1; fi
echo "PASS: jni_deps"
