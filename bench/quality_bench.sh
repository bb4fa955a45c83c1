#!/bin/bash
# Cost of the quality features (issue 12 item 5) on UltraFace RFB-320, next to a plain KL run:
# wall time, images/s and peak RSS (/usr/bin/time -v) of
#   kl           the fixture config (KL, MAX_ABS), evaluation on validation_path (64 photos)
#   sensitivity  the same with sensitivity: true
#   target       the same with target_cosine: 0.99 (methods, then ops left float)
# Photos: the fixtures' images/calib in name order; the last 64 are validation_path, the others
# (187) the calibration folder, as two folders of symlinks, exactly as a user would set it up.
#   bench/quality_bench.sh [BUILD_DIR] [ROUNDS] [CASE ...]
# ROUNDS (default 3) rounds of every case, interleaved; prints each run and, per case, the
# median and best wall time. images/s = calibration photos / wall s (what a user gets per
# photo of the calibration folder). Run under nice on a shared machine: the figures move with
# the load; CPU s (user + sys) moves less. Results go to bench/README.md, not to tests.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
rounds=${2:-3}
shift 2 || shift $# || true
cases=${*:-kl sensitivity target}
fix=$root/../shared/fixtures
[ -d "$fix/images/calib" ] || { echo "quality_bench: $fix/images/calib missing" >&2; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/calib" "$tmp/validation"
mapfile -t photos < <(cd "$fix/images/calib" && ls | LC_ALL=C sort)
n=${#photos[@]}
for ((i = 0; i < n; ++i)); do
  if ((i < n - 64)); then ln -s "$fix/images/calib/${photos[i]}" "$tmp/calib/"; else ln -s "$fix/images/calib/${photos[i]}" "$tmp/validation/"; fi
done
calib=$((n - 64))
for c in $cases; do
  /usr/bin/python3 - "$fix" "$tmp" "$c" <<'PY'
import json, sys
fix, tmp, case = sys.argv[1:]
c = json.load(open(f"{fix}/configs/rfb320.json"))
c["model"] = f"{fix}/configs/{c['model']}"
c["path"] = f"{tmp}/calib"
c["validation_path"] = f"{tmp}/validation"
c["validation_samples"] = 64
if case == "sensitivity": c["sensitivity"] = True
elif case == "target": c["target_cosine"] = 0.99
elif case != "kl": sys.exit(f"unknown case {case}")
json.dump(c, open(f"{tmp}/{case}.json", "w"), indent=1)
PY
done
echo "# $(date -u '+%F %T') UTC, $(cd "$root" && git rev-parse --short HEAD), load $(cut -d' ' -f1-3 /proc/loadavg), $calib calibration + 64 validation photos"
printf "%-12s %5s %8s %8s %9s %9s %5s\n" case round wall_s cpu_s images/s peak_MiB exit
for ((r = 1; r <= rounds; ++r)); do
  for c in $cases; do
    set +e
    /usr/bin/time -v -o "$tmp/time" "$build/bin/mnnq" run --config "$tmp/$c.json" \
        --output "$tmp/$c.mnn" --quiet > "$tmp/$c.out" 2> "$tmp/$c.err"
    status=$?
    set -e
    if [ "$status" -ne 0 ] && [ "$status" -ne 3 ]; then cat "$tmp/$c.err" >&2; exit 1; fi
    wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {n = split($2, p, ":"); s = 0; for (i = 1; i <= n; ++i) s = s * 60 + p[i]; print s}' "$tmp/time")
    cpu=$(awk -F': ' '/User time/ {u = $2} /System time/ {s = $2} END {print u + s}' "$tmp/time")
    kb=$(awk -F': ' '/Maximum resident/ {print $2}' "$tmp/time")
    printf "%-12s %5d %8.2f %8.2f %9.1f %9.0f %5d\n" "$c" "$r" "$wall" "$cpu" \
        "$(echo "$calib / $wall" | bc -l)" "$(echo "$kb / 1024" | bc -l)" "$status" | tee -a "$tmp/all"
  done
done
echo "per case: median wall s, best wall s, median CPU s, median peak MiB, median wall / median kl wall"
klmed=""
for c in $cases; do
  med() { awk -v c="$c" -v col="$1" '$1 == c {print $col}' "$tmp/all" | sort -g | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
  best=$(awk -v c="$c" '$1 == c {print $3}' "$tmp/all" | sort -g | head -1)
  w=$(med 3)
  [ "$c" = kl ] && klmed=$w
  ratio="-"; [ -n "$klmed" ] && ratio=$(printf "%.2f" "$(echo "$w / $klmed" | bc -l)")
  printf "%-12s %8.2f %8.2f %8.2f %8.0f %6s\n" "$c" "$w" "$best" "$(med 4)" "$(med 6)" "$ratio"
done
