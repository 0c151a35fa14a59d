#!/usr/bin/env bash
# Installs every Debian 12 package the ECM toolkit needs to build, test and run.
# Idempotent: prints what it installs, installs nothing when all is present.
# Usage: ./scripts/setup.sh            (as root, or with sudo available)
set -euo pipefail

packages=(
  build-essential cmake pkg-config        # toolchain
  libgsl-dev                              # fits, special functions (GPL-3.0)
  libfftw3-dev                            # FFTs, float and double
  libtiff-dev                             # TIFF stacks
  libcmocka-dev                           # unit tests
  libopenblas-openmp-dev                  # CBLAS (two-time correlation), OpenMP build
  openjdk-17-jdk-headless libij-java      # Java, ImageJ 1.x (/usr/share/java/ij.jar)
  xvfb xauth                              # real ImageJ GUI tests under a virtual display
  clang libclang-rt-14-dev                # libFuzzer target for the TIFF reader
  python3 python3-numpy                   # benchmark baselines (bench/)
  python3-markdown                        # the user guide packed into the Fiji jar (docs/fiji/)
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#packages[@]} packages are installed"
  exit 0
fi

echo "setup: installing ${missing[*]}"
sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    sudo_cmd=(sudo)
  else
    echo "setup: error: missing packages (${missing[*]}) and not root: run as root or install them" >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
if ! "${sudo_cmd[@]}" apt-get update -qq; then
  echo "setup: error: apt-get update failed (no network or no package archive?)" >&2
  exit 1
fi
if ! "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"; then
  echo "setup: error: apt-get install failed for: ${missing[*]}" >&2
  exit 1
fi
echo "setup: done"
