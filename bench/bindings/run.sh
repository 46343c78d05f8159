#!/bin/sh
# Python and GJS overhead over the C call (bench/bindings):
#   bench/bindings/run.sh BUILD_DIR
# Runs bench-bindings (C), bench-bindings.py (overrides) and
# bench-bindings.js (lightly.js) against the build tree, each on a fresh
# store, and prints each one's best times and its overhead over C.
set -eu
build=$(realpath "$1")
here=$(dirname "$(realpath "$0")")
export GI_TYPELIB_PATH="$build/introspection" LD_LIBRARY_PATH="$build/src"
export PYTHONPATH="$build/introspection/pygi"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/c" "$work/py" "$work/js"
c=$("$build/bench/bench-bindings" "$work/c")
py=$(/usr/bin/python3 "$here/bench-bindings.py" "$work/py")
js=$(gjs -m "$here/bench-bindings.js" "$work/js" "$here/../../introspection/gjs/lightly.js")
echo "$c" "$py" "$js" | awk '{
  printf "100k x 10 scorer:      C %8.1f ms  Python %8.1f ms (%+5.1f%%)  GJS %8.1f ms (%+5.1f%%)\n", $1, $3, 100*($3-$1)/$1, $5, 100*($5-$1)/$1
  printf "100k x 128 embeddings: C %8.1f ms  Python %8.1f ms (%+5.1f%%)  GJS %8.1f ms (%+5.1f%%)\n", $2, $4, 100*($4-$2)/$2, $6, 100*($6-$2)/$2 }'
