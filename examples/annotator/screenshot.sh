#!/usr/bin/env bash
# screenshot.sh: docs/annotator.png, Lightly Annotator in round two of the
# Fashion-MNIST demo, and docs/annotator-embed.png, the app computing the
# embeddings of a folder of your own images.
#
#   examples/annotator/screenshot.sh [BUILD_DIR [OUT.png]]   (defaults: _build, docs/annotator.png;
#                                                         the second is OUT-embed.png)
#
# Needs: a build of the tree, the dataset-fashion-mnist package (for
# `lightly-al demo`), and xvfb, xauth and dbus: all in .ci/packages. The app
# draws its own window into the PNG (the test script's `screenshot`
# command renders it with GTK's renderer), so no screen grabber is needed.
# Everything it writes besides OUT.png goes to a temporary folder: a small
# demo (lightly-al demo --pool 2000, in the temporary $HOME), the app's
# config and the scripts.
#
# Round one: the suggester picks 24 images and they are labeled with their
# true classes (the demo's embeddings.csv has them in its labels column,
# which the app itself ignores); round two: the next 24 come with the
# classifier's predictions, and a third of them are labeled when the
# window is captured: the legend counts them, the sidebar shows round two
# with its held-out accuracy, the tiles their "why" badges (rank, strategy
# and utility of each pick).
#
# Your own images: 1500 of the demo's images, enlarged to 96 × 96 and saved
# as JPEG by gdk-pixbuf (python3-gi), plus a file that is not an image, in a
# folder without embeddings.csv; the app is captured while it computes the
# embeddings (the script's screenshot-during command, at 40 %).
#
# SPDX-License-Identifier: LGPL-2.1-or-later
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:-$top/_build}" && pwd)
out=${2:-$top/docs/annotator.png}
case $out in /*) ;; *) out=$PWD/$out ;; esac
out_embed=${out%.png}-embed.png

if [ -z "${ANNOTATOR_SCREENSHOT_INNER:-}" ]; then
  for tool in xvfb-run xauth dbus-run-session; do
    command -v "$tool" >/dev/null || { echo "screenshot.sh: $tool is missing (apt install xvfb xauth dbus)" >&2; exit 1; }
  done
  exec env ANNOTATOR_SCREENSHOT_INNER=1 GSK_RENDERER=cairo GDK_BACKEND=x11 GTK_A11Y=none NO_AT_BRIDGE=1 \
    xvfb-run -a -s "-screen 0 1280x800x24" dbus-run-session -- "$0" "$build" "$out"
fi

app=$build/examples/annotator/lightly-annotator
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export HOME=$tmp/home XDG_CONFIG_HOME=$tmp/config XDG_DATA_HOME=$tmp/data
export LIGHTLY_PLUGIN_DIR=$build/plugin GSETTINGS_SCHEMA_DIR=$build/data GSETTINGS_BACKEND=memory
export LD_LIBRARY_PATH=$build/src${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH} GI_TYPELIB_PATH=$build/introspection
demo=$HOME/.local/share/lightly/demo

echo "screenshot.sh: making a demo folder with lightly-al demo"
"$build/tools/lightly-al" demo --out "$demo" --pool 2000 --test 200 --schedule 20 --seeds 1 >/dev/null

# The true class of every image, from the labels column.
truth() { awk -F, -v name="$1" '$1 == name { print $NF; exit }' "$demo/embeddings.csv" | tr -d '\r'; }
batch_of() { awk -F'\t' '$1 == "batch" { print $2 }' "$1"; }

cat >"$tmp/round1" <<EOF
open $demo
suggester lightly-suggest
batch-size 24
suggest
report $tmp/round1.report
quit
EOF
"$app" --test-script "$tmp/round1"

{
  echo "open $demo"
  for name in $(batch_of "$tmp/round1.report"); do echo "label $name $(truth "$name")"; done
  echo "suggest"
  echo "report $tmp/round2.report"
  echo "quit"
} >"$tmp/round2"
"$app" --test-script "$tmp/round2"

mkdir -p "$(dirname "$out")"
{
  echo "open $demo"
  i=0
  for name in $(batch_of "$tmp/round2.report" | head -8); do
    echo "select $i"; echo "class $(truth "$name")"; i=$((i + 1))
  done
  echo "wait 1500"
  echo "screenshot $out"
  echo "quit"
} >"$tmp/round2-shot"
"$app" --test-script "$tmp/round2-shot"
echo "screenshot.sh: wrote $out"

photos=$tmp/my-photos
mkdir -p "$photos"
/usr/bin/python3 - "$demo/images" "$photos" <<'EOF'
import os, sys
import gi
gi.require_version('GdkPixbuf', '2.0')
from gi.repository import GdkPixbuf
src, dst = sys.argv[1:]
for i, name in enumerate(sorted(os.listdir(src))[:1500]):
    pixbuf = GdkPixbuf.Pixbuf.new_from_file(os.path.join(src, name))
    pixbuf.scale_simple(96, 96, GdkPixbuf.InterpType.BILINEAR).savev(
        os.path.join(dst, f'photo-{i:04d}.jpg'), 'jpeg', ['quality'], ['90'])
EOF
echo "shopping list" >"$photos/notes.txt"
cat >"$tmp/embed-shot" <<EOF
screenshot-during 0.4 $out_embed
open $photos
quit
EOF
"$app" --test-script "$tmp/embed-shot"
echo "screenshot.sh: wrote $out_embed"
