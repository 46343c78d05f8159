# median.awk: the median of a[1..n] (sorts a in place), for the summaries of
# bench/run-query.sh and bench/run-rounds.sh (awk -f median.awk -f SUMMARY).
#
# SPDX-License-Identifier: LGPL-2.1-or-later
function median(a, n,   i, j, x) {
  for (i = 2; i <= n; i++) { x = a[i]; for (j = i - 1; j >= 1 && a[j] > x; j--) a[j + 1] = a[j]; a[j + 1] = x }
  return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
