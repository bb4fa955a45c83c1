#!/bin/bash
# Builds the Debian package build/mnnq_<version>_amd64.deb (CPack, cmake/package.cmake): the
# mnnq command, plugins, SDK and Python module, installed under /usr.
# The package comes from a build tree configured for prefix /usr: ${MNNQ_PACKAGE_BUILD_DIR}.
# When that tree already exists with prefix /usr and the Python module (scripts/test.sh builds
# its test tree so), it is reused and nothing is compiled twice; otherwise the tree
# (default build/package) is configured here without tests. The .deb is copied to build/.
# Install it with: sudo apt install ./build/mnnq_<version>_amd64.deb
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${MNNQ_SKIP_SETUP:-}" ]; then bash scripts/setup.sh; fi
tree="${MNNQ_PACKAGE_BUILD_DIR:-build/package}"
jobs="${MNNQ_JOBS:-2}"
cache="$tree/CMakeCache.txt"
if [ -f "$cache" ] && grep -qx 'CMAKE_INSTALL_PREFIX:PATH=/usr' "$cache" \
   && grep -qx 'MNNQ_BUILD_PYTHON:BOOL=ON' "$cache"; then
  echo "package: reusing the build tree $tree (prefix /usr)"
else
  cmake -S . -B "$tree" -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX=/usr \
        -DMNNQ_BUILD_TESTS=OFF -DMNNQ_BUILD_PYTHON=ON "$@"
fi
cmake --build "$tree" -j"$jobs"
rm -f "$tree"/mnnq_*.deb
(cd "$tree" && cpack -G DEB)
out="${MNNQ_BUILD_DIR:-build}"
mkdir -p "$out"
for deb in "$tree"/mnnq_*.deb; do
  if [ "$(realpath "$(dirname "$deb")")" != "$(realpath "$out")" ]; then cp "$deb" "$out/"; fi
  echo "package: $out/$(basename "$deb")"
  dpkg-deb --info "$out/$(basename "$deb")" | grep -E '^ (Package|Version|Architecture|Depends):'
done
