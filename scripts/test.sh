#!/bin/bash
# From a fresh Debian 12 machine: install the dependencies, build everything, run the tests.
#   bash scripts/test.sh
# Tests that need ../shared/fixtures (real models and photos) report "Skipped" without them.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh -DMNNQ_BUILD_TESTS=ON -DMNNQ_BUILD_PYTHON=ON
# Install what was built (mnnq, plugins, SDK, the Python package `mnnq` and `mnnquant`) into
# /usr/local, so `import mnnq` works for /usr/bin/python3 and the installed layout is tested.
sudo=""; if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
$sudo cmake --install "${MNNQ_BUILD_DIR:-build}" > /dev/null
(cd / && /usr/bin/python3 -c 'import mnnq; print("installed: python module", mnnq.__file__)' && /usr/local/bin/mnnquant --help > /dev/null)
# The Debian package, checked by the test `test_deb` (dpkg-deb contents, Depends, SDK build).
bash scripts/package.sh
ctest --test-dir "${MNNQ_BUILD_DIR:-build}" --output-on-failure -j"${MNNQ_JOBS:-2}"
