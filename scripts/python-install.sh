#!/bin/sh
# Builds mnnq with its Python package and installs everything (the `mnnq` command, the plugins,
# the `mnnq` module for Debian's /usr/bin/python3, and `mnnquant`) under PREFIX (default
# /usr/local). Debian 12 packages needed: build-essential cmake pybind11-dev python3-dev
# python3-numpy plus the C++ build's own (see the README). No network access is used.
#
#   scripts/python-install.sh [PREFIX]        (run as root for /usr/local)
set -eu
prefix=${1:-/usr/local}
root=$(cd "$(dirname "$0")/.." && pwd)
build="$root/build-install"
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DMNNQ_BUILD_PYTHON=ON \
      -DMNNQ_BUILD_TESTS=OFF -DCMAKE_INSTALL_PREFIX="$prefix"
cmake --build "$build" -j"$(nproc)"
cmake --install "$build"
# Check from outside the source tree that the installed package imports and finds its plugins.
cd /
/usr/bin/python3 -c 'import mnnq; names = [p["name"] for p in mnnq.plugins()]; assert "KL" in names, names; print("mnnq", mnnq.__version__, "installed:", mnnq.__file__)'
