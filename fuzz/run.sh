#!/bin/sh
# Runs the model-reader fuzzer for a bounded time, seeded with the fixture models.
#   fuzz/run.sh BUILD_DIR [SECONDS=300] [JOBS=1]
# BUILD_DIR is a clang build with -DMNNQ_FUZZ=ON (see fuzz/CMakeLists.txt). Crashing inputs are
# written to BUILD_DIR/fuzz-artifacts/; the exit status is non-zero if any was found.
set -eu
build=${1:?usage: fuzz/run.sh BUILD_DIR [SECONDS] [JOBS]}
seconds=${2:-300}
jobs=${3:-1}
here=$(cd "$(dirname "$0")" && pwd)
fixtures=${MNNQ_FIXTURES_DIR:-$here/../../shared/fixtures}
fuzzer=$build/bin/mnnq_fuzz_model
[ -x "$fuzzer" ] || { echo "run.sh: $fuzzer not built (cmake --build $build --target mnnq_fuzz_model)" >&2; exit 2; }

corpus=$build/fuzz-corpus
artifacts=$build/fuzz-artifacts
mkdir -p "$corpus" "$artifacts"
# Seeds: the smaller real models (float and MNN-quantized, so both coded-weight forms occur).
for f in "$fixtures"/models/*/*.mnn "$fixtures"/mnn_quantized/*/*/quant.mnn; do
  [ -f "$f" ] || continue
  size=$(wc -c < "$f")
  [ "$size" -le 1200000 ] && cp "$f" "$corpus/seed-$(echo "$f" | md5sum | cut -c1-12).mnn"
done

echo "fuzzing for ${seconds}s with $(ls "$corpus" | wc -l) corpus files"
parallel=""
[ "$jobs" -gt 1 ] && parallel="-jobs=$jobs -workers=$jobs"
# shellcheck disable=SC2086
exec "$fuzzer" "$corpus" -max_total_time="$seconds" -max_len=1200000 -rss_limit_mb=2048 \
  -timeout=30 $parallel -artifact_prefix="$artifacts/" -print_final_stats=1
