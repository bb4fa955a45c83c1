#!/bin/bash
# Configures and builds mnnq (Release) into ${MNNQ_BUILD_DIR:-build}. Extra arguments go to
# the CMake configure step, e.g. scripts/build.sh -DMNNQ_BUILD_TESTS=OFF
set -euo pipefail
cd "$(dirname "$0")/.."
build="${MNNQ_BUILD_DIR:-build}"
jobs="${MNNQ_JOBS:-2}"
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release "$@"
cmake --build "$build" -j"$jobs"
