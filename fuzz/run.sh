#!/usr/bin/env bash
# Builds the libFuzzer harnesses in their own clang build dir and runs each.
#   fuzz/run.sh [--seconds N] [--runs N] [--jobs N] [--build DIR] [HARNESS…]
#   fuzz/run.sh --seconds 600                 the long run (README: results)
#   fuzz/run.sh --seconds 20                  the CI smoke
# Each harness starts from fuzz/corpus/NAME and grows a working corpus in
# DIR/corpus/NAME (the seeds in the tree stay small). A crash leaves
# DIR/crash-NAME-*; copy it into fuzz/regressions/NAME/ once it is fixed.
# Prints "NAME: runs=… crashes=…" per harness; exits 1 on any crash.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
seconds=60
runs=
jobs=1
build=${FUZZ_BUILD_DIR:-/tmp/lightly-fuzz-build}
all=(bitmask embeddings-csv json-models json-array server-routes predictions-csv scorers)
names=()
while [ $# -gt 0 ]; do
  case $1 in
    --seconds) seconds=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --jobs) jobs=$2; shift 2 ;;
    --build) build=$2; shift 2 ;;
    -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
    *) names+=("$1"); shift ;;
  esac
done
[ ${#names[@]} -gt 0 ] || names=("${all[@]}")

if [ ! -f "$build/build.ninja" ]; then
  # --werror like every build; the library builds with clang without warnings
  # (meson.build turns off -Wunused-variable there: g_autoptr guards).
  CC=clang meson setup "$build" "$top" --werror -Dfuzzing=enabled \
    -Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debugoptimized \
    -Dintrospection=disabled -Dtools=disabled -Dapp=disabled >"$build.setup.log" 2>&1 \
    || { cat "$build.setup.log"; exit 2; }
fi
targets=()
for n in "${names[@]}"; do targets+=("fuzz/fuzz-$n"); done
ninja -C "$build" "${targets[@]}" || exit 2

# Leaks are reported by the valgrind and ASan suites; a leak here would stop
# the run at the first input, so the fuzzer looks for crashes and UB only.
export ASAN_OPTIONS=detect_leaks=0:abort_on_error=1:allocator_may_return_null=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
status=0
for n in "${names[@]}"; do
  work="$build/corpus/$n"
  mkdir -p "$work"
  log="$build/fuzz-$n.log"
  limit=(-max_total_time="$seconds")
  [ -n "$runs" ] && limit=(-runs="$runs")
  [ "$jobs" -gt 1 ] && limit+=(-jobs="$jobs" -workers="$jobs")
  (cd "$build" && "./fuzz/fuzz-$n" "${limit[@]}" \
     -timeout=25 -rss_limit_mb=2048 -max_len=8192 -artifact_prefix="$build/crash-$n-" -print_final_stats=1 \
     "$work" "$top/fuzz/corpus/$n" >"$log" 2>&1)
  rc=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | awk '{s+=$1} END {print s+0}')
  crashes=$(ls "$build"/crash-"$n"-* 2>/dev/null | wc -l)
  echo "$n: runs=$execs crashes=$crashes exit=$rc"
  if [ $rc != 0 ] || [ "$crashes" != 0 ]; then
    status=1
    grep -m1 -A30 -E 'ERROR: |==ERROR|runtime error|ERROR:' "$log" | head -40
  fi
done
exit $status
