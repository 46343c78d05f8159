#!/bin/sh
# check-pot.sh SOURCE_ROOT: the annotator's strings extract with xgettext.
# Every annotator source that uses gettext is listed in
# examples/annotator/po/POTFILES.in, and the template has the strings the
# app shows (a few checked by name).
#
# SPDX-License-Identifier: LGPL-2.1-or-later
set -eu
top=$1
list=$top/examples/annotator/po/POTFILES.in
pot=$(mktemp)
trap 'rm -f "$pot"' EXIT

status=0
grep -qx examples/annotator/annotator-shortcuts.ui "$list" || { echo "check-pot: the .ui file is not in $list" >&2; status=1; }
for f in "$top"/examples/annotator/*.c; do
  if grep -q 'glib/gi18n.h\|annotator-window-private.h' "$f"; then
    name=examples/annotator/$(basename "$f")
    grep -qx "$name" "$list" || { echo "check-pot: $name uses gettext but is not in $list" >&2; status=1; }
  fi
done

cd "$top"
grep -v '^#' "$list" | xgettext --files-from=- --from-code=UTF-8 --keyword=_ --keyword=N_ \
  --keyword=g_dngettext:2,3 --package-name=lightly-glib -o "$pot"
n=$(grep -c '^msgid "' "$pot")
echo "check-pot: $n strings"
[ "$n" -ge 100 ] || { echo "check-pot: only $n strings extracted" >&2; status=1; }
for want in 'Held-out accuracy' 'The folder could not be opened' 'Labeled off the suggestion' \
            'Export the Labels as CSV' 'Exported %u label to %s' 'Undo the last label'; do
  grep -q "\"$want" "$pot" || { echo "check-pot: “$want” is not in the template" >&2; status=1; }
done
exit $status
