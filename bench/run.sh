#!/bin/sh
# bench/run.sh: the selection engine's benchmark (issue 7), one command.
#
#   bench/run.sh [--bench-binary PATH] [bench-selection options, e.g. --k 1000]
#
# Builds _build if needed, makes the four data sets in a temporary directory,
# runs bench-selection (C engine), the numpy reference (with
# OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset for that command only) and
# writes bench/README.md from the results. `meson test -C _build --benchmark`
# runs the same script. Takes several minutes on 2 cores and ~1.5 GB of disk.
set -eu

SRC=$(cd "$(dirname "$0")/.." && pwd)
BIN=
if [ "${1:-}" = "--bench-binary" ]; then
  BIN=$2
  shift 2
fi
if [ -z "$BIN" ]; then
  if [ ! -d "$SRC/_build" ]; then
    (cd "$SRC" && PATH=/usr/bin:$PATH meson setup _build >/dev/null)
  fi
  ninja -C "$SRC/_build" bench/bench-selection >/dev/null
  BIN=$SRC/_build/bench/bench-selection
fi

WORK=$(mktemp -d "${TMPDIR:-/var/tmp}/lightly-bench.XXXXXX")
trap 'rm -rf "$WORK"' EXIT INT TERM

echo "load before: $(cat /proc/loadavg)"
NPROC=$(nproc)
LOAD=$(cut -d' ' -f1 /proc/loadavg)
if awk "BEGIN { exit !($LOAD > $NPROC) }"; then
  echo "warning: load $LOAD on $NPROC cores; timings will be noisy (the ratios less so)"
fi
uptime > "$WORK/uptime-before"

"$BIN" --dir "$WORK" "$@" | tee "$WORK/c.log"
env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE \
  /usr/bin/python3 "$SRC/bench/reference/kcenter_numpy.py" --dir "$WORK" | tee "$WORK/numpy.log"
uptime > "$WORK/uptime-after"
/usr/bin/python3 "$SRC/bench/report.py" --dir "$WORK" --out "$SRC/bench/README.md" \
  --command "bench/run.sh${*:+ $*}"
echo "wrote $SRC/bench/README.md"
