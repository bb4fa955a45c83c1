#!/bin/bash
# From a fresh Debian 12 machine: install the dependencies, build everything, run the tests.
#   bash scripts/test.sh
# Tests that need ../shared/fixtures (real models and photos) report "Skipped" without them.
set -euo pipefail
cd "$(dirname "$0")/.."
build="${MNNQ_BUILD_DIR:-build}"
bash scripts/setup.sh
# One build tree serves the tests and the Debian package (prefix /usr), so nothing is compiled
# twice.
bash scripts/build.sh -DMNNQ_BUILD_TESTS=ON -DMNNQ_BUILD_PYTHON=ON -DCMAKE_INSTALL_PREFIX=/usr
# The Debian package from that tree, checked by the test `test_deb` (dpkg-deb contents, Depends,
# SDK build) ...
MNNQ_SKIP_SETUP=1 MNNQ_PACKAGE_BUILD_DIR="$build" bash scripts/package.sh
# ... and installed, so the installed layout is what the checks below and users get: `mnnq`,
# the plugins, the SDK and the Python package `mnnq` with `mnnquant` for /usr/bin/python3.
# dpkg (not apt) so a rebuilt package of the same version replaces the installed one; setup.sh
# has installed every package it depends on, and dpkg refuses it if Depends is not met.
sudo=""; if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
$sudo dpkg -i "$build"/mnnq_*_amd64.deb > /dev/null
(cd / && /usr/bin/python3 -c 'import mnnq; print("installed: python module", mnnq.__file__)' \
   && /usr/bin/mnnquant --help > /dev/null && /usr/bin/mnnq --version)
ctest --test-dir "$build" --output-on-failure -j"${MNNQ_JOBS:-2}"
