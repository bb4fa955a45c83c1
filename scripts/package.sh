#!/bin/bash
# Builds the Debian package build/mnnq_<version>_amd64.deb (CPack, cmake/package.cmake): the
# mnnq command, plugins, SDK and Python module, installed under /usr. The package is built in
# its own tree (${MNNQ_PACKAGE_BUILD_DIR:-build/package}, configured for prefix /usr, no tests)
# and copied to build/. Install it with: sudo apt install ./build/mnnq_<version>_amd64.deb
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
tree="${MNNQ_PACKAGE_BUILD_DIR:-build/package}"
jobs="${MNNQ_JOBS:-2}"
cmake -S . -B "$tree" -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX=/usr \
      -DMNNQ_BUILD_TESTS=OFF -DMNNQ_BUILD_PYTHON=ON "$@"
cmake --build "$tree" -j"$jobs"
rm -f "$tree"/mnnq_*.deb
(cd "$tree" && cpack -G DEB)
out="${MNNQ_BUILD_DIR:-build}"
mkdir -p "$out"
for deb in "$tree"/mnnq_*.deb; do
  cp "$deb" "$out/"
  echo "package: $out/$(basename "$deb")"
  dpkg-deb --info "$out/$(basename "$deb")" | grep -E '^ (Package|Version|Architecture|Depends):'
done
