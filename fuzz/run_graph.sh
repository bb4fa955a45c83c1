#!/bin/sh
# Structure-aware fuzzing of graph validation and the executor under ASan+UBSan (see
# fuzz/README.md). Builds the target if needed (clang from Debian), seeds one input per model
# (unmodified model) and runs libFuzzer for a number of executions or seconds.
#   fuzz/run_graph.sh [RUNS=100000] [SECONDS=0 (no limit)] [BUILD_DIR=build-fuzz]
# Models: MNNQ_FUZZ_MODELS (':'-separated), default every float and MNN-quantized fixture model.
# Findings are written to BUILD_DIR/fuzz-graph-artifacts/; the exit status is non-zero if any.
set -eu
runs=${1:-100000}
seconds=${2:-0}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
build=${3:-$root/build-fuzz}
fixtures=${MNNQ_FIXTURES_DIR:-$root/../shared/fixtures}

if ! command -v clang++-14 >/dev/null 2>&1; then
  echo "run_graph.sh: installing clang-14 (Debian) for libFuzzer" >&2
  apt-get install -y clang-14 >/dev/null
fi
if [ ! -x "$build/bin/mnnq_fuzz_graph" ]; then
  CC=clang-14 CXX=clang++-14 cmake -S "$root" -B "$build" -DMNNQ_FUZZ=ON -DMNNQ_BUILD_TESTS=OFF \
    -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build "$build" --target mnnq_fuzz_graph -j"${MNNQ_JOBS:-2}"
fi

if [ -z "${MNNQ_FUZZ_MODELS:-}" ]; then
  MNNQ_FUZZ_MODELS=$(ls "$fixtures"/models/*/*.mnn "$fixtures"/mnn_quantized/*/*/quant.mnn 2>/dev/null | tr '\n' ':')
  [ -n "$MNNQ_FUZZ_MODELS" ] || { echo "run_graph.sh: no models (set MNNQ_FUZZ_MODELS or MNNQ_FIXTURES_DIR)" >&2; exit 2; }
fi
export MNNQ_FUZZ_MODELS
count=$(echo "$MNNQ_FUZZ_MODELS" | tr ':' '\n' | grep -c .)

corpus=$build/fuzz-graph-corpus
artifacts=$build/fuzz-graph-artifacts
mkdir -p "$corpus" "$artifacts"
# Seeds: byte 0 picks the model (bit 7: int8 simulation), byte 1 = 0 runs it unmodified, so
# every model is also run once as it is (UBSan-clean on every fixture model).
i=0
while [ "$i" -lt "$count" ]; do
  printf "$(printf '\\%03o\\000\\001\\002\\003' "$i")" > "$corpus/seed-plain-$i"
  printf "$(printf '\\%03o\\000\\001\\002\\003' $((i + 128)))" > "$corpus/seed-int8-$i"
  i=$((i + 1))
done

echo "fuzzing $count models, $runs runs${seconds:+, at most ${seconds}s}"
limit=""
[ "$seconds" -gt 0 ] && limit="-max_total_time=$seconds"
# shellcheck disable=SC2086
exec "$build/bin/mnnq_fuzz_graph" "$corpus" -runs="$runs" $limit -len_control=0 -max_len=64 -rss_limit_mb=2048 \
  -timeout=60 -artifact_prefix="$artifacts/" -print_final_stats=1
