#!/bin/sh
# What starting a process costs, before it does anything (issue 13, item 6):
#
#   bench/startup-floor.sh BUILD_DIR [RUNS]
#
# Times RUNS (default 200) starts of each, in turns, and prints the mean per
# start:
#   engine       bench-query-engine without arguments (GLib only; the bare
#                engine that bench/run-query.sh compares lightly-al with)
#   glib         a do-nothing program linked with GLib
#   gio          the same linked with GIO (and so GObject, GModule, libmount,
#                libselinux, ...)
#   gio+json+sql the same linked with everything lightly-al links: GIO,
#                json-glib, SQLite, libm
#   lightly-al   lightly-al --version
# The do-nothing programs are compiled here with pkg-config. The gap
# between "engine" and "gio+json+sql" is what a query pays for its
# libraries alone, whatever it does.
set -eu
build=$(realpath "$1")
runs=${2:-200}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM
cat > "$work/nothing.c" <<'C'
#ifdef WITH_GIO
#include <gio/gio.h>
#endif
#ifdef WITH_JSON
#include <json-glib/json-glib.h>
#include <sqlite3.h>
#include <math.h>
#endif
#include <glib.h>
int
main (int argc, char **argv)
{
  int r = g_get_monotonic_time () == 0;
#ifdef WITH_GIO
  g_type_ensure (G_TYPE_FILE);
#endif
#ifdef WITH_JSON
  g_type_ensure (JSON_TYPE_NODE);
  r |= sqlite3_libversion_number () == 0 || sqrt ((double) argc) < 0;
#endif
  (void) argv;
  return r;
}
C
cc -O2 "$work/nothing.c" -o "$work/glib" $(pkg-config --cflags --libs glib-2.0)
cc -O2 -DWITH_GIO "$work/nothing.c" -o "$work/gio" $(pkg-config --cflags --libs gio-2.0)
cc -O2 -DWITH_GIO -DWITH_JSON "$work/nothing.c" -o "$work/gio-json-sql" \
  $(pkg-config --cflags --libs gio-2.0 json-glib-1.0 sqlite3) -lm
export LD_LIBRARY_PATH="$build/src${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
time_one () {
  t=$(date +%s%N)
  i=0
  while [ $i -lt "$runs" ]; do "$@" >/dev/null 2>&1 || true; i=$((i + 1)); done
  echo $(( ($(date +%s%N) - t) / runs / 1000 ))
}
echo "load before: $(cat /proc/loadavg)"
for round in 1 2 3; do
  printf 'round %s  engine %5s us  glib %5s us  gio %5s us  gio+json+sql %5s us  lightly-al %5s us\n' "$round" \
    "$(time_one "$build/bench/bench-query-engine")" "$(time_one "$work/glib")" \
    "$(time_one "$work/gio")" "$(time_one "$work/gio-json-sql")" \
    "$(time_one "$build/tools/lightly-al" --version)"
done
echo "load after: $(cat /proc/loadavg)"
