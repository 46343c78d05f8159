#!/bin/sh
# Quality grid of the selection strategies (issue 14); see docs/quality.md.
# Never run in CI: the full grid takes hours on 2 cores.
#
#   bench/quality/run.sh [--quick] [--cells A,B] [--seeds N]   run missing cells, then report
#   bench/quality/run.sh --rerun AUTO [--cells A,B]            rerun AUTO only on finished cells (the rest in full)
#   bench/quality/run.sh --report [--quick]                    summary.csv/json (+ docs/quality.md)
#   bench/quality/run.sh --compare [--quick] [--base SUMMARY.csv]      AUTO against RANDOM per cell and budget
#   bench/quality/run.sh --list                                the cells and their budgets
#   bench/quality/run.sh --extra --cells A,B                   BADGE, BALD and +BALANCE into results/extra/
#                                                              and their section of docs/quality.md
#
# LIGHTLY_AL: the built lightly-al (default: _build/tools/lightly-al).
set -e
here=$(cd "$(dirname "$0")" && pwd)
py=/usr/bin/python3
mode=run
case "$1" in
  --extra) extra=--extra; shift ;;
esac
case "$1" in
  --report) mode=report; shift ;;
  --compare) mode=compare; shift ;;
  --list) mode=list; shift ;;
esac
if [ "$mode" = run ]; then
  "$py" "$here/quality.py" run $extra "$@"
  mode=report
fi
exec "$py" "$here/quality.py" "$mode" $extra "$@"
