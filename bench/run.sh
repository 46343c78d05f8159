#!/bin/sh
# bench/run.sh: the selection engine's benchmark (issues 7 and 13), one command.
#
#   bench/run.sh [--bench-binary PATH] [bench-selection options, e.g. --k 1000 --repeat 3]
#   LIGHTLY_BENCH_WORK=DIR bench/run.sh ... --datasets SET   # one set at a time, one report
#
# Builds _build if needed and, one data set at a time (so that the engine and
# the references see about the same load on a shared machine), makes the set
# in a temporary directory and runs bench-selection (the C engine), then the
# references on the same files:
# the numpy k-center (bench/reference/kcenter_numpy.py) on OpenBLAS and, for
# the record, on the reference BLAS (netlib), and scikit-learn's TYPICLUST
# and PROBCOVER (bench/reference/ext_sklearn.py) on OpenBLAS. The BLAS is
# chosen per command with LD_LIBRARY_PATH (the system alternative is left
# alone); the OpenBLAS commands run with OPENBLAS_CORETYPE and
# OPENBLAS_L2_SIZE unset so that OpenBLAS picks its own kernel. Missing
# packages (OpenBLAS, scikit-learn, threadpoolctl) are installed with apt-get
# when run as root. Writes bench/README.md from the results (every ratio
# against the fastest reference measured). `meson test -C _build --benchmark`
# runs the same script. Takes about half an hour on 2 idle cores and ~1 GB
# of disk.
set -eu

SRC=$(cd "$(dirname "$0")/.." && pwd)
PY=/usr/bin/python3
MULTIARCH=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || echo x86_64-linux-gnu)
BIN=
if [ "${1:-}" = "--bench-binary" ]; then
  BIN=$2
  shift 2
fi
# --repeat also goes to the references; --datasets is taken out, as the
# sets run one at a time (see below).
REPEAT=3
DATASETS=iid,clustered,preselected,fmnist,typiclust,probcover
prev=
n=$#
while [ "$n" -gt 0 ]; do
  a=$1
  shift
  n=$((n - 1))
  case "$a" in
    --repeat=*) REPEAT=${a#--repeat=} ;;
    --datasets=*) DATASETS=${a#--datasets=}; prev=$a; continue ;;
  esac
  if [ "$prev" = "--repeat" ]; then REPEAT=$a; fi
  if [ "$prev" = "--datasets" ]; then DATASETS=$a; prev=; continue; fi
  prev=$a
  if [ "$a" != "--datasets" ]; then set -- "$@" "$a"; fi
done

# The libblas.so.3 directory of an alternative whose path matches $1.
blas_dir () {
  update-alternatives --query "libblas.so.3-$MULTIARCH" 2>/dev/null |
    sed -n 's/^Alternative: //p' | grep -- "$1" | head -n 1 | xargs -r dirname
}
lapack_dir () {
  update-alternatives --query "liblapack.so.3-$MULTIARCH" 2>/dev/null |
    sed -n 's/^Alternative: //p' | grep -- "$1" | head -n 1 | xargs -r dirname
}

have_refs () {
  [ -n "$(blas_dir openblas)" ] &&
    $PY -c 'import numpy, scipy, sklearn, threadpoolctl' 2>/dev/null
}
if ! have_refs; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    PKGS="libopenblas0-pthread python3-numpy python3-scipy python3-sklearn python3-threadpoolctl"
    echo "installing the references' packages: $PKGS"
    # shellcheck disable=SC2086
    apt-get install -y $PKGS >/dev/null || { apt-get update >/dev/null && apt-get install -y $PKGS >/dev/null; }
  fi
fi
OPENBLAS=$(blas_dir openblas)
NETLIB=$(blas_dir '/blas/')
NETLIB_LAPACK=$(lapack_dir '/lapack/')
if [ -z "$OPENBLAS" ]; then
  echo "warning: no OpenBLAS alternative for libblas.so.3; the numpy reference runs on the default BLAS only"
fi

if [ -z "$BIN" ]; then
  if [ ! -d "$SRC/_build" ]; then
    (cd "$SRC" && PATH=/usr/bin:$PATH meson setup _build >/dev/null)
  fi
  ninja -C "$SRC/_build" bench/bench-selection >/dev/null
  BIN=$SRC/_build/bench/bench-selection
fi

# LIGHTLY_BENCH_WORK=DIR keeps the sets' results in DIR (not removed), so
# that sets run one at a time, by separate commands, can go into one report:
# the report of each command covers every set DIR holds.
if [ -n "${LIGHTLY_BENCH_WORK:-}" ]; then
  WORK=$LIGHTLY_BENCH_WORK
  mkdir -p "$WORK"
else
  WORK=$(mktemp -d "${TMPDIR:-/var/tmp}/lightly-bench.XXXXXX")
  trap 'rm -rf "$WORK"' EXIT INT TERM
fi

echo "load before: $(cat /proc/loadavg)"
NPROC=$(nproc)
LOAD=$(cut -d' ' -f1 /proc/loadavg)
if awk "BEGIN { exit !($LOAD > $NPROC) }"; then
  echo "warning: load $LOAD on $NPROC cores; timings will be noisy (the ratios less so)"
fi
[ -s "$WORK/uptime-before" ] || uptime > "$WORK/uptime-before"

env | grep '^OPENBLAS_' > "$WORK/env-openblas" || true

# One command per reference run; the report quotes them (DIR/SET: the set's
# directory).
if [ -z "${LIGHTLY_BENCH_WORK:-}" ]; then : > "$WORK/commands"; fi
touch "$WORK/commands"
ref () {
  label=$1
  shift
  echo "$*" | sed "s|$WORK/[a-z]*|DIR/SET|g; s|$SRC/||g" >> "$WORK/commands"
  "$@" 2>&1 | tee -a "$D/ref-$label.log"
}
# One set at a time, the engine then its references, so that both see about
# the same load on a shared machine.
for SET in $(echo "$DATASETS" | tr ',' ' '); do
  D=$WORK/$SET
  mkdir -p "$D"
  echo "$*" | sed "s|^|bench-selection --dir DIR/SET --datasets SET |" >> "$WORK/commands"
  "$BIN" --dir "$D" --datasets "$SET" "$@" | tee "$D/c.log"
  uptime > "$D/uptime-engine"
  if [ -n "$OPENBLAS" ]; then
    ref openblas env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE LD_LIBRARY_PATH="$OPENBLAS" \
      $PY "$SRC/bench/reference/kcenter_numpy.py" --dir "$D" --label openblas \
      --repeat "$REPEAT" --check
    ref openblas env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE LD_LIBRARY_PATH="$OPENBLAS" \
      $PY "$SRC/bench/reference/ext_sklearn.py" --dir "$D" --label openblas --repeat "$REPEAT"
  else
    ref default $PY "$SRC/bench/reference/kcenter_numpy.py" --dir "$D" --label default \
      --repeat "$REPEAT" --check
    ref default $PY "$SRC/bench/reference/ext_sklearn.py" --dir "$D" --label default \
      --repeat "$REPEAT"
  fi
  if [ -n "$NETLIB" ]; then
    # For the record: the reference BLAS, once (it is the slowest by far).
    ref netlib env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE \
      LD_LIBRARY_PATH="$NETLIB${NETLIB_LAPACK:+:$NETLIB_LAPACK}" \
      $PY "$SRC/bench/reference/kcenter_numpy.py" --dir "$D" --label netlib --repeat 1
  fi
  uptime > "$D/uptime-refs"
  rm -f "$D"/*.f32
done
uptime > "$WORK/uptime-after"
SETS=$DATASETS
if [ -n "${LIGHTLY_BENCH_WORK:-}" ]; then
  SETS=$(for s in iid clustered preselected fmnist typiclust probcover; do
           [ -f "$WORK/$s/c-results.tsv" ] && printf '%s,' "$s"; done | sed 's/,$//')
fi
$PY "$SRC/bench/report.py" --dir "$WORK" --sets "$SETS" --out "$SRC/bench/README.md" \
  --command "bench/run.sh${*:+ $*}"
echo "wrote $SRC/bench/README.md"
