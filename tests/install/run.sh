#!/usr/bin/env bash
# Installs a build with `meson install --destdir`, copies the staged tree into
# /usr/local (CI runs as root on a throwaway machine), then builds and runs a
# C, a Python and a GJS program from a scratch directory with exactly the
# environment the README documents. Everything installed is removed at the end.
set -euo pipefail
build=$(realpath "$1")
here=$(dirname "$(realpath "$0")")
stage=$(mktemp -d)
work=$(mktemp -d)
cleanup() {
  if [ -f "$build/meson-logs/install-log.txt" ]; then
    # The log names the staged paths; remove their copies under /.
    grep -v '^#' "$build/meson-logs/install-log.txt" | while read -r f; do
      f=${f#"$stage"}
      if [ -f "$f" ] || [ -L "$f" ]; then rm -f "$f"; fi
    done
    find /usr/local/include/lightly-1.0 /usr/local/share/lightly-glib -depth -type d -empty -delete 2>/dev/null || true
    ldconfig
  fi
  rm -rf "$stage" "$work"
}
trap cleanup EXIT

meson install -C "$build" --destdir "$stage" --quiet
cp -a "$stage/usr/local/." /usr/local/
ldconfig

# The README's environment for the default /usr/local prefix.
export GI_TYPELIB_PATH=/usr/local/lib/x86_64-linux-gnu/girepository-1.0
unset LD_LIBRARY_PATH

cd "$work"
cp "$here"/hello.c "$here"/hello.py "$here"/hello.js .
cc -Wall -Werror -o hello hello.c $(pkg-config --cflags --libs lightly-1.0)
./hello
/usr/bin/python3 hello.py
gjs -m hello.js
echo "install test: C, Python and GJS programs ran against /usr/local"
