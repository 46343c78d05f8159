#!/bin/sh
# `lightly-al query` against the bare engine on the same matrix (issue 13,
# item 6: the CLI within 1.2× of the engine):
#
#   bench/run-query.sh BUILD_DIR [SIZES] [K] [ROUNDS]
#
# SIZES is a comma-separated list of NxD (default 100000x128,20000x64), K
# the picks (default 100), ROUNDS the timed rounds (default 5). For each
# size it writes an iid Gaussian embeddings CSV, sets up an embedded store
# once with lightly-al (create-dataset, register-samples,
# upload-embeddings), then times, interleaved round by round so that load
# on a shared machine hits both alike, whole processes from start to exit:
#
#   cli    lightly-al query --method CORESET --n-samples K   (a cold start)
#   engine bench-query-engine STORE/embeddings/<id>.f32 N D CORESET K
#   cli    lightly-al query --n-samples K  (AUTO: TYPICLUST on a cold start)
#   engine bench-query-engine ... TYPICLUST K
#
# and prints each one's median, the median of the per-round ratios
# cli/engine, and every round. With BASE=OTHER_BUILD_DIR, each round also
# times OTHER_BUILD_DIR's lightly-al on the same store, right before or
# after this build's, the two taking turns (a before/after in one run:
# "base" lines and ratios). The store lives under ${TMPDIR:-/var/tmp} (a disk, so that
# fsync costs what it costs). Set STRACE=1 to also count the CLI's
# system calls once per size (strace -c -f). Set TAGS=N to give the store N
# more tags first (N queries of one RANDOM pick each), as after N rounds of
# labeling: a query's cost should not grow with them.
set -eu
build=$(realpath "$1")
sizes=${2:-100000x128,20000x64}
k=${3:-100}
rounds=${4:-5}
here=$(dirname "$(realpath "$0")")
al=$build/tools/lightly-al
engine=$build/bench/bench-query-engine
work=$(mktemp -d "${TMPDIR:-/var/tmp}/lightly-query-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
export LD_LIBRARY_PATH="$build/src${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
unset LIGHTLY_SERVER_LOCATION

ms () { echo $(( ($(date +%s%N) - $1) / 1000000 )); }

echo "load before: $(cat /proc/loadavg) on $(nproc) cores"
for size in $(echo "$sizes" | tr ',' ' '); do
  n=${size%x*}
  d=${size#*x}
  store=$work/store-$size
  csv=$work/emb-$size.csv
  /usr/bin/python3 - "$csv" "$n" "$d" <<'EOF'
import sys
import numpy
path, n, d = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
x = numpy.random.default_rng(7).standard_normal((n, d), dtype=numpy.float32)
with open(path, 'w') as f:
    f.write('filenames,' + ','.join(f'embedding_{j}' for j in range(d)) + ',labels\n')
    for i in range(n):
        f.write(f'img-{i:07d}.png,' + ','.join(f'{v:.6g}' for v in x[i]) + ',0\n')
EOF
  loc="file://$store"
  "$al" create-dataset --location "$loc" bench >/dev/null
  "$al" register-samples --location "$loc" -d bench "$csv" >/dev/null
  "$al" upload-embeddings --location "$loc" -d bench "$csv" >/dev/null
  matrix=$(ls "$store"/embeddings/*.f32)
  for t in $(seq "${TAGS:-0}"); do
    "$al" query --location "$loc" -d bench --method RANDOM --seed "$t" -n 1 --name "round-$t" >/dev/null
  done
  if [ "${TAGS:-0}" -gt 0 ]; then
    echo "$size: $TAGS tags made first"
  fi
  if [ "${STRACE:-0}" = 1 ]; then
    strace -c -f -o "$work/strace-$size" "$al" query --location "$loc" -d bench \
      --method CORESET -n "$k" >/dev/null 2>&1
    echo "$size CORESET query, system calls (strace -c -f, top 8, and the syncs):"
    sed -n '1,2p;3,10p' "$work/strace-$size"
    sed -n '11,$p' "$work/strace-$size" | grep -E ' (fdatasync|fsync)$' || true
  fi
  # One query of METHOD (CORESET, or AUTO: no --method) by the build
  # whose lightly-al is $2, printed as "$size METHOD WHO ms".
  query () {
    t=$(date +%s%N)
    if [ "$1" = AUTO ]; then
      "$2" query --location "$loc" -d bench -n "$k" >/dev/null 2>&1
    else
      "$2" query --location "$loc" -d bench --method "$1" -n "$k" >/dev/null 2>&1
    fi
    echo "$size $1 $3 $(ms "$t")"
  }
  for r in $(seq "$rounds"); do
    for method in CORESET AUTO; do
      # With BASE, the two builds take turns going first, so that neither
      # is always the one after the engine's run (or after the store's
      # creation, in round 1).
      if [ -n "${BASE:-}" ] && [ $((r % 2)) = 0 ]; then
        query "$method" "$BASE/tools/lightly-al" base
        query "$method" "$al" cli
      else
        query "$method" "$al" cli
        if [ -n "${BASE:-}" ]; then
          query "$method" "$BASE/tools/lightly-al" base
        fi
      fi
      engine_method=$method
      [ "$method" = AUTO ] && engine_method=TYPICLUST
      t=$(date +%s%N); "$engine" "$matrix" "$n" "$d" "$engine_method" "$k" >/dev/null
      echo "$size $method engine $(ms "$t")"
    done
  done > "$work/times-$size"
  rm -f "$csv"
  echo "$size per round (ms):"
  awk '{ t[$3] = $4 }
       $3 == "engine" { printf "  %-8s cli %6d  engine %6d  ratio %.2f", $2, t["cli"], $4, t["cli"] / $4
                        if ("base" in t) printf "  base %6d  ratio %.2f", t["base"], t["base"] / $4
                        printf "\n"; delete t }' "$work/times-$size"
  cat > "$work/summary.awk" <<'EOF'
    { key = $1 " " $2; t[key, $3, ++c[key, $3]] = $4; keys[key] = 1 }
    END {
      for (key in keys) {
        n = c[key, "cli"]
        for (i = 1; i <= n; i++) { a[i] = t[key, "cli", i]; b[i] = t[key, "engine", i]; q[i] = a[i] / b[i] }
        mc = median(a, n); me = median(b, n); mq = median(q, n)
        printf "%-18s k=%d  query %7.0f ms  engine %7.0f ms  ratio %.2fx (median of %d rounds)\n", key, k, mc, me, mq, n
        if (c[key, "base"] == n) {
          for (i = 1; i <= n; i++) { a[i] = t[key, "base", i]; q[i] = a[i] / t[key, "engine", i] }
          printf "%-18s k=%d  base  %7.0f ms  engine %7.0f ms  ratio %.2fx (median of %d rounds)\n", key, k, median(a, n), me, median(q, n), n
        }
      } }
EOF
  awk -v k="$k" -f "$here/median.awk" -f "$work/summary.awk" "$work/times-$size" | sort
  rm -rf "$store"
done
echo "load after: $(cat /proc/loadavg)"
