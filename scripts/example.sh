#!/bin/bash
# From a fresh Debian 12 machine: install the dependencies, build mnnq, and quantize the bundled
# example model (examples/README.md) to int8.
#   bash scripts/example.sh
# Result: build/example/ppocr_cls_int8.mnn
set -euo pipefail
cd "$(dirname "$0")/.."
build="${MNNQ_BUILD_DIR:-build}"
bash scripts/setup.sh
bash scripts/build.sh -DMNNQ_BUILD_TESTS=OFF
mnnq="$build/bin/mnnq"
out="$build/example/ppocr_cls_int8.mnn"
mkdir -p "$(dirname "$out")"

echo; echo "== plugins found"
"$mnnq" plugins
echo; echo "== the float model"
"$mnnq" inspect examples/ppocr_cls/ppocr_cls.mnn
echo; echo "== quantizing with examples/ppocr_cls.yaml"
"$mnnq" run --config examples/ppocr_cls.yaml --output "$out"
echo; echo "== the int8 model"
"$mnnq" inspect "$out"
echo; echo "done: $out"
