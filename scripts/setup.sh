#!/bin/bash
# Installs every Debian 12 package mnnq needs to build and test (run as root, or with sudo
# available). This is the single list of the project's dependencies: add new ones here.
set -euo pipefail

packages=(
  build-essential cmake pkg-config     # compiler, build system, finds OpenBLAS
  catch2                               # unit tests (Catch2 2.x)
  libboost-dev                         # Boost.DLL (plugin loading), headers
  libboost-program-options-dev         # command line
  libboost-filesystem-dev              # used by Boost.DLL
  libyaml-cpp-dev nlohmann-json3-dev   # YAML / JSON configs
  libflatbuffers-dev flatbuffers-compiler  # the .mnn file format
  libopenblas-dev                      # GEMM for convolutions in the float executor
  libstb-dev                           # stb_image: JPEG/PNG/BMP decoding for the image plugin
  python3-numpy                        # .npy reference checks in tests
  pybind11-dev python3-dev python3-pytest  # Python package (-DMNNQ_BUILD_PYTHON=ON), its pytest suite
  chromium                             # headless browser: the HTML report's rendering test
)

sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#packages[@]} packages already installed"
  exit 0
fi
echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update
$sudo apt-get install -y --no-install-recommends "${missing[@]}"
