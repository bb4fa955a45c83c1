#!/bin/sh
# UndefinedBehaviorSanitizer over every fixture model (issue 14): the whole project (host, core,
# plugins) built with -fsanitize=undefined -fno-sanitize-recover=all, then per model
#   mnnq inspect MODEL --ops --json       load, graph validation, inspection
#   mnnq infer --config CFG --image IMG   one forward (float models in float, MNN-quantized
#                                         models with the int8 simulation and --dequantized)
#   mnnq run (KL, MAX_ABS) on images/calib32 for every float model with a config: calibration,
#                                         rewrite, publish, and the int8 evaluation of the result
#   mnnq run with EMA, ADMM (+ ADMM weights), MSE, PERCENTILE, MINMAX (+ equalisation and bias
#                                         correction), KL with debug + sensitivity + HTML report,
#                                         and target_cosine 0.9999 (exit 3 allowed: target missed)
# Any UBSan report aborts the process; the script fails if any command fails or prints one.
#   fuzz/ubsan_fixtures.sh [BUILD_DIR=build-ubsan]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
build=${1:-$root/build-ubsan}
fixtures=${MNNQ_FIXTURES_DIR:-$root/../shared/fixtures}
[ -d "$fixtures/models" ] || { echo "ubsan_fixtures.sh: SKIPPED: no fixtures at $fixtures" >&2; exit 77; }

if [ ! -x "$build/bin/mnnq" ]; then
  cmake -S "$root" -B "$build" -DMNNQ_SANITIZE=undefined -DMNNQ_BUILD_TESTS=OFF -DMNNQ_BUILD_PYTHON=OFF >/dev/null
  cmake --build "$build" -j"${MNNQ_JOBS:-2}"
fi
mnnq=$build/bin/mnnq
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
unset MNNQ_PLUGIN_PATH || true
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
image=$fixtures/images/calib/faces_ultraface_1.jpg
failures=0
count=0

# check NAME COMMAND...: runs the command, fails on a non-zero exit or a sanitizer report.
check() {
  what=$1
  shift
  count=$((count + 1))
  if "$@" >"$work/out" 2>"$work/err"; then status=0; else status=$?; fi
  if { [ "$status" -eq 0 ] || [ "$status" -eq "${allowed:-0}" ]; } && ! grep -q "runtime error:" "$work/err"; then
    echo "clean   $what"
  else
    echo "FAILED  $what (exit $status)"
    sed 's/^/        /' "$work/err" | head -40
    failures=$((failures + 1))
  fi
  allowed=0
}

# A copy of the fixture config NAME with absolute paths, MODEL as model, OUT as output, and the
# keys of the JSON object EXTRA (optional) on top.
config() {
  /usr/bin/python3 - "$fixtures/configs/$1.json" "$2" "$3" "$4" "${5:-{\}}" <<'EOF'
import json, os, sys
src, model, out, path, extra = sys.argv[1:6]
c = json.load(open(src))
c["model"] = model
c["output"] = out
c["path"] = path
c.update(json.loads(extra))
json.dump(c, open(os.path.join(os.path.dirname(out), "config.json"), "w"))
EOF
  echo "$(dirname "$3")/config.json"
}

# Float models: fixture configs name them.
for cfg in "$fixtures"/configs/*.json; do
  name=$(basename "$cfg" .json)
  model=$(cd "$fixtures/configs" && /usr/bin/python3 -c 'import json,os,sys; print(os.path.abspath(json.load(open(sys.argv[1]))["model"]))' "$cfg")
  mkdir -p "$work/$name"
  c=$(config "$name" "$model" "$work/$name/out.mnn" "$fixtures/images/calib32")
  check "$name: inspect" "$mnnq" inspect "$model" --ops --json
  check "$name: infer (float)" "$mnnq" infer --config "$c" --image "$image" --output-dir "$work/$name/infer"
  check "$name: run KL on calib32" "$mnnq" run --config "$c" --threads 2 --quiet
  # Every other shipped calibrator and weight method, and the quality phases (debug report,
  # per-op sensitivity, the target search with its op-by-op stage; exit 3 = target missed).
  for variant in \
    'EMA|{"feature_quantize_method":"EMA"}' \
    'ADMM, ADMM weights|{"feature_quantize_method":"ADMM","weight_quantize_method":"ADMM"}' \
    'MSE|{"feature_quantize_method":"MSE"}' \
    'PERCENTILE|{"feature_quantize_method":"PERCENTILE"}' \
    'MINMAX, equalisation, bias correction|{"feature_quantize_method":"MINMAX","cross_layer_equalization":true,"bias_correction":true}' \
    'KL, debug, sensitivity, HTML report|{"debug":true,"sensitivity":true,"html_report":true,"validation_samples":4}' \
    'target_cosine 0.9999|{"target_cosine":0.9999,"validation_samples":4}'; do
    label=${variant%%|*}
    dir=$work/$name/$(echo "$label" | tr -c 'A-Za-z0-9\n' '_')
    mkdir -p "$dir"
    c=$(config "$name" "$model" "$dir/out.mnn" "$fixtures/images/calib32" "${variant#*|}")
    allowed=0
    case $label in target*) allowed=3 ;; esac
    check "$name: run $label" "$mnnq" run --config "$c" --threads 2 --quiet
  done
done

# MNN-quantized models: the config of the model they were made from.
for model in "$fixtures"/mnn_quantized/*/*/quant.mnn; do
  method_dir=$(dirname "$model")
  name=$(basename "$(dirname "$method_dir")")
  label="$name/$(basename "$method_dir")"
  mkdir -p "$work/q-$name-$(basename "$method_dir")"
  c=$(config "$name" "$model" "$work/q-$name-$(basename "$method_dir")/unused.mnn" "$fixtures/images/calib32")
  check "$label: inspect" "$mnnq" inspect "$model" --ops --json
  check "$label: infer (int8 simulation)" "$mnnq" infer --config "$c" --image "$image" --output-dir "$work/q/$label/int8"
  check "$label: infer --dequantized" "$mnnq" infer --config "$c" --image "$image" --output-dir "$work/q/$label/deq" --dequantized
done

echo "$count commands, $failures failed"
[ "$failures" -eq 0 ]
