#!/bin/bash
# From a fresh Debian 12 machine: install the dependencies, build everything, run the tests.
#   bash scripts/test.sh
# Tests that need ../shared/fixtures (real models and photos) report "Skipped" without them.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh -DMNNQ_BUILD_TESTS=ON -DMNNQ_BUILD_PYTHON=ON
ctest --test-dir "${MNNQ_BUILD_DIR:-build}" --output-on-failure -j"${MNNQ_JOBS:-2}"
