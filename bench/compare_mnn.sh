#!/bin/bash
# Side-by-side float forward speed of mnnq (forward_bench) and the real MNN runtime (a local build's
# harness, e.g. the mnn_run of /work/mnn/harness) on the fixture models, input = each model's
# faces_ultraface_1 reference input. Used for the table in bench/README.md.
#   MNN_RUN=/path/to/mnn_run FORWARD_BENCH=build/bin/forward_bench bench/compare_mnn.sh [model ...]
# Per model, ROUNDS interleaved rounds (default 3), best of each kind:
#   1 thread  : images/s of one thread (mnnq: best of forward_bench's 5 rounds; MNN: --bench N)
#   2 threads : samples in parallel (mnnq: one Executor, 2 threads; MNN: two 1-thread processes, summed)
#   cpu ms    : CPU time per forward on 1 thread (perf stat task-clock of a long run minus a short
#               one, which cancels loading and warm-up); robust when other processes share the cores.
#               The long run has about CPU_SCALE (default 4) * 4/5 * N forwards: with fewer, the
#               start-up time's variation (~10 ms) swamped the small models' difference.
set -u
FIX=${FIXTURES:-$(dirname "$0")/../../shared/fixtures}
FB=${FORWARD_BENCH:-build/bin/forward_bench}
MNN=${MNN_RUN:?set MNN_RUN to the MNN harness binary}
ROUNDS=${ROUNDS:-3}
CPU_SCALE=${CPU_SCALE:-4}
declare -A FILE=([mnist]=mnist_lenet/mnist.mnn [ppocr_cls]=ppocr_v4/ppocr_cls.mnn
  [blazeface_mp]=blazeface_mediapipe/blazeface_mp_onnx.mnn [rfb320]=ultraface/RFB-320.mnn
  [rfb320_onnx]=ultraface/rfb320_onnx.mnn [blazeface_tf]=blazeface_tf/blazeface.mnn [mlsd]=mlsd/mlsd_tiny.mnn)
models=${*:-mnist ppocr_cls blazeface_mp blazeface_tf rfb320 rfb320_onnx mlsd}
py() { /usr/bin/python3 -c "$1"; }
cpu_ms() { perf stat -x, -e task-clock "$@" 2>&1 >/dev/null | grep task-clock | cut -d, -f1; }
mnn_ips() { "$MNN" "$1" - "$2" --bench "$3" 2>&1 | sed -n 's/.*, \([0-9.]*\) images\/s.*/\1/p' | tail -1; }
printf "| model | mnnq 1 thread | MNN 1 thread | ratio | mnnq 2 threads | MNN 2 processes | ratio | mnnq cpu ms | MNN cpu ms | ratio |\n"
printf "|---|---|---|---|---|---|---|---|---|---|\n"
for m in $models; do
  mod=$FIX/models/${FILE[$m]}; in=$FIX/references/$m/faces_ultraface_1/input.npy
  n=40; [ "$m" = mlsd ] && n=5; [ "$m" = mnist ] && n=1000; [ "${m#rfb}" != "$m" ] && n=20
  a1=0 b1=0 a2=0 b2=0 ac=1e9 bc=1e9
  for r in $(seq "$ROUNDS"); do
    out=$("$FB" "$mod" "$in" --iters "$n" --threads 2)
    a1=$(py "print(max($a1, $(echo "$out" | sed -n 's/.*: \([0-9.]*\) images\/s (1 thread.*/\1/p')))")
    a2=$(py "print(max($a2, $(echo "$out" | sed -n 's/.*, \([0-9.]*\) images\/s (2 threads).*/\1/p')))")
    b1=$(py "print(max($b1, $(mnn_ips "$mod" "$in" $((5 * n)))))")
    x=$( (mnn_ips "$mod" "$in" $((5 * n)) & mnn_ips "$mod" "$in" $((5 * n)); wait) | paste -sd+ )
    b2=$(py "print(max($b2, $x))")
    k=$((CPU_SCALE * n / 5 + 1))
    t1=$(cpu_ms "$FB" "$mod" "$in" --iters 1 --threads 1); t2=$(cpu_ms "$FB" "$mod" "$in" --iters $k --threads 1)
    ac=$(py "print(min($ac, ($t2 - $t1) / (5 * ($k - 1))))")
    t1=$(cpu_ms "$MNN" "$mod" - "$in" --bench 1); t2=$(cpu_ms "$MNN" "$mod" - "$in" --bench $((5 * (k - 1) + 1)))
    bc=$(py "print(min($bc, ($t2 - $t1) / (5 * ($k - 1))))")
  done
  py "print('| $m | %.0f | %.0f | %.2f | %.0f | %.0f | %.2f | %.3f | %.3f | %.2f |' % ($a1, $b1, $a1 / $b1, $a2, $b2, $a2 / $b2, $ac, $bc, $bc / $ac))"
done
