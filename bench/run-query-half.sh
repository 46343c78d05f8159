#!/bin/sh
# `lightly-al query --method CORESET` with and without the half-precision
# copy (--precision float16|bfloat16, LightlySamplerConfig:matrix-precision)
# against the bare engine on the same matrix:
#
#   bench/run-query-half.sh BUILD_DIR [NxD] [K] [ROUNDS]
#
# PRECISIONS (default "float32 float16 bfloat16") picks the precisions of
# the interleaved rounds; LIGHTLY_THREADS reaches both the CLI and the engine.
#
# NxD defaults to 1000000x128, K (picks) to 100, ROUNDS to 3. It fills an
# embedded store under ${TMPDIR:-/var/tmp} with iid Gaussian rows through
# Python (PyGObject, from memory: no CSV), then
#
#   1. times the first float16 and the first bfloat16 query alone: each
#      builds its copy (rounding, write, fsync) before the selection;
#   2. times, interleaved round by round so that load on a shared machine
#      hits all alike, whole processes from start to exit:
#        cli-f32   lightly-al query --method CORESET -n K
#        cli-f16   … --precision float16   (maps and checks the kept copy)
#        cli-bf16  … --precision bfloat16
#        eng-f32   bench-query-engine STORE/embeddings/<id>.f32 N D CORESET K
#        eng-f16   … <id>.f16   (the copy mapped, header skipped, no check)
#        eng-bf16  … <id>.bf16
#      and the same six with K = 1 (one pass: the fixed costs, such as
#      checking the copy's checksum);
#
# and prints every wall and CPU (user + system) time, the medians, and the
# median per-round ratios against eng-f32 and cli-f32, of wall time and of
# CPU time (on a loaded machine the CPU time moves less than the wall
# time). Every query must print the same files.
set -eu
build=$(realpath "$1")
size=${2:-1000000x128}
k=${3:-100}
rounds=${4:-3}
n=${size%x*}
d=${size#*x}
al=$build/tools/lightly-al
engine=$build/bench/bench-query-engine
work=$(mktemp -d "${TMPDIR:-/var/tmp}/lightly-half-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
export LD_LIBRARY_PATH="$build/src${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export GI_TYPELIB_PATH="$build/introspection${GI_TYPELIB_PATH:+:$GI_TYPELIB_PATH}"
unset LIGHTLY_SERVER_LOCATION
store=$work/store
loc="file://$store"

ms () { echo $(( ($(date +%s%N) - $1) / 1000000 )); }
# timed KEY CMD…: appends "KEY wall_ms cpu_ms" to $work/times.
timed () {
  key=$1
  shift
  /usr/bin/time -f '%e %U %S' -o "$work/time" "$@"
  awk -v key="$key" '{ printf "%s %.0f %.0f\n", key, $1 * 1000, ($2 + $3) * 1000 }' "$work/time" >> "$work/times"
}

echo "load before: $(cat /proc/loadavg) on $(nproc) cores; $size, k=$k, $rounds rounds"
/usr/bin/python3 - "$store" "$n" "$d" <<'EOF'
import sys
import numpy
import gi
gi.require_version('Lightly', '1.0')
from gi.repository import GLib, Lightly
store, n, d = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
x = numpy.random.default_rng(7).standard_normal((n, d), dtype=numpy.float32)
names = [f'img-{i:07d}.png' for i in range(n)]
client = Lightly.ApiWorkflowClient.new(GLib.filename_to_uri(store, None), None, None)
client.create_dataset('bench', None)
client.register_samples_from_names(names, None)
client.upload_embeddings_from_bytes(names, GLib.Bytes.new(x.tobytes()), n, d, 'default', None)
EOF
matrix=$(ls "$store"/embeddings/*.f32)
id=$(basename "$matrix" .f32)

query () {   # $1: k, $2: precision; prints the picked files to $work/out-$2-$1
  timed "k$1 cli-$2" sh -c '"$0" query --location "$1" -d bench --method CORESET -n "$2" --precision "$3" \
    >"$4" 2>/dev/null' "$al" "$loc" "$1" "$2" "$work/out-$2-$1"
}

# The copy's own costs, from the library's debug messages (on stdout).
for p in float16 bfloat16; do
  t=$(date +%s%N)
  G_MESSAGES_DEBUG=Lightly "$al" query --location "$loc" -d bench --method CORESET -n "$k" --precision "$p" \
    >"$work/debug" 2>&1
  echo "first $p query (builds the copy): $(ms "$t") ms; $(grep -o '[a-z0-9]* copy of embedding .*' "$work/debug")"
done
G_MESSAGES_DEBUG=Lightly "$al" query --location "$loc" -d bench --method CORESET -n 1 --precision float16 \
  >"$work/debug" 2>&1
echo "then: $(grep -o '[a-z0-9]* copy of embedding .*' "$work/debug")"
ls -l "$store/embeddings/"

: > "$work/times"
for r in $(seq "$rounds"); do
  for kk in "$k" 1; do
    for p in ${PRECISIONS:-float32 float16 bfloat16}; do
      query "$kk" "$p"
      cmp -s "$work/out-$p-$kk" "$work/out-float32-$kk" 2>/dev/null || [ "$p" = float32 ] ||
        { echo "different picks: $p k=$kk"; exit 1; }
    done
    timed "k$kk eng-float32" "$engine" "$matrix" "$n" "$d" CORESET "$kk" >/dev/null
    for p in ${PRECISIONS:-float32 float16 bfloat16}; do
      case $p in
        float16) copy=$store/embeddings/$id.f16 ;;
        bfloat16) copy=$store/embeddings/$id.bf16 ;;
        *) continue ;;
      esac
      timed "k$kk eng-$p" "$engine" "$matrix" "$n" "$d" CORESET "$kk" "$copy" >/dev/null
    done
  done
done
cat "$work/times"
awk '
  { i = ++c[$1, $2]; t[$1, $2, i] = $3; u[$1, $2, i] = $4; ks[$1] = 1; names[$2] = 1 }
  function median(a, n,   i, j, x) {
    for (i = 2; i <= n; i++) { x = a[i]; for (j = i - 1; j >= 1 && a[j] > x; j--) a[j + 1] = a[j]; a[j + 1] = x }
    return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
  END {
    for (kk in ks) for (nm in names) {
      n = c[kk, nm]
      for (i = 1; i <= n; i++) { a[i] = t[kk, nm, i]; e[i] = t[kk, "eng-float32", i] / t[kk, nm, i];
                                 q[i] = t[kk, "cli-float32", i] / t[kk, nm, i]; b[i] = u[kk, nm, i];
                                 f[i] = u[kk, "eng-float32", i] / u[kk, nm, i]; g[i] = u[kk, "cli-float32", i] / u[kk, nm, i] }
      printf "%-5s %-13s wall %6.0f ms  eng-f32/this %.2fx  cli-f32/this %.2fx | CPU %6.0f ms  eng-f32/this %.2fx  cli-f32/this %.2fx  (%d rounds)\n",
        kk, nm, median(a, n), median(e, n), median(q, n), median(b, n), median(f, n), median(g, n), n
    } }' "$work/times" | sort
echo "load after: $(cat /proc/loadavg)"
