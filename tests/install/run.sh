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
    find /usr/local/include/lightly-1.0 /usr/local/share/lightly-glib /usr/local/share/lightly-1.0 \
      /usr/local/share/vala /usr/local/share/dbus-1 /usr/local/libexec \
      /usr/local/share/doc/lightly-1.0 -depth -type d -empty -delete 2>/dev/null || true
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
# The programs make their stores under the temporary folder: keep it in $work,
# which the trap removes.
mkdir tmp
export TMPDIR="$work/tmp"
cp "$here"/hello.c "$here"/hello.py "$here"/hello.js .
cc -Wall -Werror -o hello hello.c $(pkg-config --cflags --libs lightly-1.0)
./hello
/usr/bin/python3 hello.py
gjs -m hello.js
echo "install test: C, Python and GJS programs ran against /usr/local"

# lightly-al links no networking code: `serve` and http(s):// locations run
# as $libexecdir/lightly-al-net (tools/lightly-al-forward.c), which must be
# where the installed lightly-al looks for it.
/usr/local/bin/lightly-al serve --help | grep -q -- '--store=DIR'
if ldd /usr/local/bin/lightly-al | grep -q libsoup; then
  echo "install test: the installed lightly-al links libsoup"; exit 1
fi
echo "install test: lightly-al serve runs the installed lightly-al-net"

# The bindings as installed: the tutorials (numpy through the PyGObject
# overrides, await through the GJS module at its installed URI, C from
# memory) and the README's Python and GJS examples, exactly as written.
src=$(dirname "$(dirname "$here")")
/usr/bin/python3 -c '
import gi
gi.require_version("Lightly", "1.0")
from gi.repository import Lightly
f = Lightly.ApiWorkflowClient.upload_embeddings_from_array.__code__.co_filename
assert f.startswith("/usr/local/"), f
print("overrides:", f)'
for page in c:tutorial-c python:tutorial-python js:tutorial-gjs; do
  /usr/bin/python3 "$src/docs/run-snippets.py" "${page%%:*}" "$src/docs/tutorials/${page##*:}.md"
done
/usr/bin/python3 "$src/docs/run-snippets.py" python "$src/README.md" --marked
/usr/bin/python3 "$src/docs/run-snippets.py" js "$src/README.md" --marked

# Vala: compile and run a query against the installed vapi.
if [ -f /usr/local/share/vala/vapi/lightly-1.0.vapi ]; then
  cp "$src/introspection/tests/query.vala" .
  valac -q --vapidir /usr/local/share/vala/vapi --pkg lightly-1.0 -X -w -o query-vala query.vala
  ./query-vala
else
  echo "install test: no vapi installed"; exit 1
fi

# The API reference: installed, with no broken local link.
test -f /usr/local/share/doc/lightly-1.0/index.html
/usr/bin/python3 "$src/docs/check-links.py" /usr/local/share/doc/lightly-1.0

# org.lightly.Suggest1: activated from the installed .service file on a
# fresh session bus, over a store made with the installed Python bindings.
export XDG_DATA_HOME="$work/xdg"
mkdir -p "$XDG_DATA_HOME"
dataset=$(/usr/bin/python3 - <<'EOP'
import numpy, gi
gi.require_version('Lightly', '1.0')
from gi.repository import Lightly
client = Lightly.ApiWorkflowClient.new(None, None, None)
names = [f'img-{i:03d}.png' for i in range(80)]
print(client.create_dataset('dbus', None))
client.register_samples_from_names(names, None)
client.upload_embeddings_from_array(names, numpy.random.default_rng(1).standard_normal((80, 6)), 'default')
EOP
)
GSETTINGS_BACKEND=memory dbus-run-session -- sh -eu -c "
  out=\$(gdbus call --session --dest org.lightly.Suggest1 --object-path /org/lightly/Suggest1 \
        --method org.lightly.Suggest1.Suggest '$dataset' '[\"img-000.png\"]' 6 '@as []' '@ad []' 0)
  echo \"gdbus call: \$out\"
  [ \$(printf '%s' \"\$out\" | tr ',' '\\n' | grep -c png) = 6 ]
" 2>&1 | grep -v '^dbus-daemon'
echo "install test: overrides, GJS module, vapi, docs and the D-Bus service work from /usr/local"
