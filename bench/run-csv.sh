#!/bin/sh
# Embeddings CSV ingestion against the fastest Python reference, on several
# shapes (issue 13, item 6: ≥ 5× numpy.loadtxt, and ≥ pandas):
#
#   bench/run-csv.sh BUILD_DIR [SHAPES] [ROUNDS]
#
# SHAPES is a comma-separated list of NxD (default
# 100000x128,200000x64,20000x784), ROUNDS the rounds (default 3). Each shape
# is written twice by bench-csv: values as "%.9g" and, with --shortest, as
# Python's str() of a numpy.float32 prints them (what Lightly's own
# save_embeddings() writes). Each round times, on the same file, one after
# the other so that load on a shared machine hits both alike:
#
#   lightly  bench-csv FILE (lightly_embeddings_csv_parse, minimum of 3)
#   numpy    numpy.loadtxt, the matrix only (minimum of 2)
#   pandas   pandas.read_csv, names and a float32 matrix (minimum of 2)
#
# (bench/reference/loadtxt.py), and prints the ratios against the faster
# reference of the round, in wall and in CPU time (lightly-glib parses
# large files on every core; numpy and pandas on one). python3-numpy and
# python3-pandas are installed when missing and run as root. The files live
# under ${TMPDIR:-/var/tmp} and are removed at the end.
set -eu
build=$(realpath "$1")
shapes=${2:-100000x128,200000x64,20000x784}
rounds=${3:-3}
here=$(dirname "$(realpath "$0")")
PY=/usr/bin/python3
work=$(mktemp -d "${TMPDIR:-/var/tmp}/lightly-csv-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
export LD_LIBRARY_PATH="$build/src${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"

if ! $PY -c 'import numpy, pandas' 2>/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get install -y python3-numpy python3-pandas >/dev/null ||
      { apt-get update >/dev/null && apt-get install -y python3-numpy python3-pandas >/dev/null; }
  fi
fi
$PY -c 'import numpy, pandas; print("numpy", numpy.__version__, "pandas", pandas.__version__)' ||
  echo "warning: pandas is missing; ratios are against numpy.loadtxt only"

# The seconds of "NAME …: W s wall, C s CPU" lines.
field () { sed -n "s/^$1.*: \([0-9.]*\) s wall, \([0-9.]*\) s CPU.*/\\$2/p" "$3"; }
ratio () { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
faster () { awk -v a="$1" -v b="$2" 'BEGIN { print (b == "" || a + 0 <= b + 0) ? a : b }'; }

echo "load before: $(cat /proc/loadavg) on $(nproc) cores"
for shape in $(echo "$shapes" | tr ',' ' '); do
  n=${shape%x*}
  d=${shape#*x}
  for format in g9 shortest; do
    csv=$work/emb-$shape-$format.csv
    opt=
    [ "$format" = shortest ] && opt=--shortest
    # shellcheck disable=SC2086
    "$build/bench/bench-csv" --rows "$n" --dim "$d" --repeat 1 $opt "$csv" >/dev/null
    echo "$shape $format: $(($(stat -c %s "$csv") / 1000000)) MB"
    for r in $(seq "$rounds"); do
      "$build/bench/bench-csv" --repeat 3 "$csv" >"$work/ours" 2>&1
      $PY "$here/reference/loadtxt.py" "$csv" 2 >"$work/refs" 2>&1
      ow=$(field lightly_embeddings_csv_parse 1 "$work/ours")
      oc=$(field lightly_embeddings_csv_parse 2 "$work/ours")
      nw=$(field numpy 1 "$work/refs")
      nc=$(field numpy 2 "$work/refs")
      pw=$(field pandas 1 "$work/refs")
      pc=$(field pandas 2 "$work/refs")
      bw=$(faster "$nw" "$pw")
      bc=$(faster "$nc" "$pc")
      echo "  round $r: lightly ${ow} s wall ${oc} s CPU | loadtxt ${nw} / ${nc} | pandas ${pw:-–} / ${pc:-–}" \
           "| vs the faster: $(ratio "$bw" "$ow")x wall, $(ratio "$bc" "$oc")x CPU" \
           "| vs loadtxt: $(ratio "$nw" "$ow")x wall, $(ratio "$nc" "$oc")x CPU"
    done
  done
done
echo "load after: $(cat /proc/loadavg)"
