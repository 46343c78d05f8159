#!/bin/sh
# Rounds of a labeling loop in one process (an app, a server, a script):
#
#   bench/run-rounds.sh BUILD_DIR [NxD] [ROUNDS] [K] [RUNS]
#
# Makes an embedded store of N iid rows of D (default 100000x128) under
# ${TMPDIR:-/var/tmp}, then RUNS times (default 5) starts a Python process
# (bench/bindings/bench-rounds.py) that runs ROUNDS (default 6) CORESET
# queries of K (default 100) picks through one Lightly.Agent, and prints
# every round's milliseconds. Round 1 of a process starts cold; rounds 2 on
# are what a user waits for at each "Suggest next batch" after the first.
# With BASE=OTHER_BUILD_DIR each run also runs OTHER_BUILD_DIR's library on
# the same store, the two taking turns going first; the summary gives the
# median of rounds 2 on for each. COPY=1 copies the store with cp before
# the runs, as a restored or copied store would be. PRECISION=float16 or
# bfloat16 streams the store's half-precision copy (built by the first run).
set -eu
build=$(realpath "$1")
size=${2:-100000x128}
rounds=${3:-6}
k=${4:-100}
runs=${5:-5}
here=$(dirname "$(realpath "$0")")
work=$(mktemp -d "${TMPDIR:-/var/tmp}/lightly-rounds-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
n=${size%x*}
d=${size#*x}

run () {
  GI_TYPELIB_PATH="$1/introspection" LD_LIBRARY_PATH="$1/src" PYTHONPATH="$1/introspection/pygi" \
    /usr/bin/python3 "$here/bindings/bench-rounds.py" "$work/store" "$n" "$d" "$rounds" "$k" "${PRECISION:-float32}"
}

echo "load before: $(cat /proc/loadavg) on $(nproc) cores"
run "$build" > /dev/null   # makes the store
if [ "${COPY:-0}" = 1 ]; then
  # As a store restored from a backup or copied from another machine: cp
  # fills the page cache with small folios, where the library's own
  # one-write files get large ones, and mapping small folios costs a
  # fault per few pages (bench/README.md, session 19).
  cp -r "$work/store" "$work/copy" && rm -rf "$work/store" && mv "$work/copy" "$work/store"
fi
for r in $(seq "$runs"); do
  if [ -n "${BASE:-}" ] && [ $((r % 2)) = 0 ]; then
    echo "base $(run "$BASE")"
    echo "this $(run "$build")"
  else
    echo "this $(run "$build")"
    if [ -n "${BASE:-}" ]; then
      echo "base $(run "$BASE")"
    fi
  fi
done > "$work/times"
cat "$work/times"
cat > "$work/summary.awk" <<'EOF'
  { who = $1; first[who, ++nf[who]] = $2; for (i = 3; i <= NF; i++) later[who, ++nl[who]] = $i }
  END {
    for (who in nf) {
      for (i = 1; i <= nf[who]; i++) a[i] = first[who, i]
      m1 = median(a, nf[who])
      for (i = 1; i <= nl[who]; i++) b[i] = later[who, i]
      printf "%s CORESET k=%d  %-4s round 1 %7.1f ms  rounds 2+ %7.1f ms (medians of %d and %d)\n", size, k, who, m1, median(b, nl[who]), nf[who], nl[who]
    } }
EOF
awk -v size="$size" -v k="$k" -f "$here/median.awk" -f "$work/summary.awk" "$work/times" | sort
echo "load after: $(cat /proc/loadavg)"
