#!/bin/sh
# Python and GJS overhead over the C call (bench/bindings):
#   bench/bindings/run.sh BUILD_DIR [ROUNDS]
# Runs bench-bindings (C), bench-bindings.py (overrides) and
# bench-bindings.js (lightly.js) against the build tree, each on a fresh
# store, ROUNDS times (default 3) interleaved (C, Python, GJS, C, ...), so
# that load on a shared machine hits all three alike; prints each one's
# best time over all rounds and its overhead over C. Then the scorer from
# Python against the same formulas in numpy, in one process
# (bench-scorer.py, issue 13 item 6).
set -eu
build=$(realpath "$1")
rounds=${2:-3}
here=$(dirname "$(realpath "$0")")
export GI_TYPELIB_PATH="$build/introspection" LD_LIBRARY_PATH="$build/src"
export PYTHONPATH="$build/introspection/pygi"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for r in $(seq "$rounds"); do
  mkdir "$work/c$r" "$work/py$r" "$work/js$r"
  echo "c $("$build/bench/bench-bindings" "$work/c$r")"
  echo "py $(/usr/bin/python3 "$here/bench-bindings.py" "$work/py$r")"
  echo "js $(gjs -m "$here/bench-bindings.js" "$work/js$r" "$here/../../introspection/gjs/lightly.js")"
  rm -rf "$work/c$r" "$work/py$r" "$work/js$r"
done | awk '
  { if (!($1 in s) || $2 < s[$1]) s[$1] = $2; if (!($1 in u) || $3 < u[$1]) u[$1] = $3 }
  END {
    printf "100k x 10 scorer:      C %8.1f ms  Python %8.1f ms (%+5.1f%%)  GJS %8.1f ms (%+5.1f%%)\n", s["c"], s["py"], 100*(s["py"]-s["c"])/s["c"], s["js"], 100*(s["js"]-s["c"])/s["c"]
    printf "100k x 128 embeddings: C %8.1f ms  Python %8.1f ms (%+5.1f%%)  GJS %8.1f ms (%+5.1f%%)\n", u["c"], u["py"], 100*(u["py"]-u["c"])/u["c"], u["js"], 100*(u["js"]-u["c"])/u["c"] }'
/usr/bin/python3 "$here/bench-scorer.py" 100000 10 $((rounds * 7))
