#!/bin/sh
# Builds query.vala against the build tree's lightly-1.0.vapi with valac, then
# runs it: usage run-vala.sh BUILD_ROOT SOURCE
set -eu
build=$1
src=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
PKG_CONFIG_PATH="$build/meson-uninstalled${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}" \
  valac -q --vapidir "$build/introspection" --pkg gio-2.0 --pkg lightly-1.0 \
    -X -w -X "-I$build/src/lightly" ${VALA_EXTRA_CFLAGS:+-X "$VALA_EXTRA_CFLAGS"} -d "$work" -o query "$src"
# The program makes its store under $TMPDIR: the trap removes it with the rest.
TMPDIR="$work" LD_LIBRARY_PATH="$build/src" "$work/query"
