#!/bin/bash
# End-to-end `mnnq run` benchmark on the fixture configs: wall time and peak memory per
# model and method, for comparison with quantized.out's figures in
# ../shared/fixtures/mnn_quantized/<model>/<METHOD>/time.txt (wall seconds, peak KB).
#   bench/run_bench.sh [BUILD_DIR] [model:METHOD:images ...]
# images = calib (251 photos) or calib32. Default: rfb320 with KL and ADMM on 251 photos, and
# blazeface_tf with EMA. Run by hand on a quiet machine; results go to the notes, not to tests.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}; shift || true
fix=$root/../shared/fixtures
runs=${*:-rfb320:KL:calib rfb320:ADMM:calib rfb320:ADMM:calib32 blazeface_tf:EMA:calib}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
printf "| model | method | images | mnnq wall s | mnnq peak MiB | quantized.out wall s | peak MiB |\n|---|---|---|---|---|---|---|\n"
for run in $runs; do
  IFS=: read -r model method images <<<"$run"
  /usr/bin/python3 - "$fix" "$model" "$method" "$images" "$tmp/cfg.json" <<'PY'
import json, sys
fix, model, method, images, out = sys.argv[1:]
c = json.load(open(f"{fix}/configs/{model}.json"))
c["model"] = f"{fix}/configs/{c['model']}"
c["path"] = f"{fix}/images/{images}"
c["feature_quantize_method"] = method
if method == "EMA": c["winogradOpt"] = False
json.dump(c, open(out, "w"))
PY
  /usr/bin/time -f "%e %M" -o "$tmp/time" "$build/bin/mnnq" run --config "$tmp/cfg.json" \
      --output "$tmp/out.mnn" --quiet
  read -r wall kb < "$tmp/time"
  ref=$fix/mnn_quantized/$model/$method/time.txt
  mnn="—"; mnn_mb="—"
  if [ -f "$ref" ]; then read -r mnn mnn_kb < "$ref"; mnn_mb=$((mnn_kb / 1024)); fi
  printf "| %s | %s | %s | %.1f | %d | %s | %s |\n" "$model" "$method" "$images" "$wall" $((kb / 1024)) "$mnn" "$mnn_mb"
done
