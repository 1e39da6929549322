#!/usr/bin/env bash
# One line per workload from the results.tsv of several runs: the median
# req/s of each server (with the spread, (max-min)/median, over the runs)
# and the ratio of the project's median to every peer that ran the
# workload. The `page` workload has no peer: its line gives its ratio to
# the project's own hello and counter.
#
#   bench/summary.sh [-n dirigo] OUTDIR1 [OUTDIR2 ...]
set -euo pipefail
sut=dirigo
if [[ ${1:-} == -n ]]; then sut=$2; shift 2; fi
(( $# >= 1 )) || { echo "usage: $0 [-n NAME] OUTDIR..." >&2; exit 2; }
files=()
for d in "$@"; do files+=("$d/results.tsv"); done
awk -F'\t' -v sut="$sut" '
  function median(k,   n, i, j, t, a) {
    n = cnt[k]; for (i = 1; i <= n; i++) a[i] = v[k, i]
    for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
    lo[k] = a[1]; hi[k] = a[n]
    return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
  }
  FNR == 1 { next }
  $3 ~ /^[0-9.]+$/ && $3 > 0 {
    k = $2 SUBSEP $1
    if (!(k in cnt)) { if (!($2 in wseen)) { wseen[$2] = 1; worder[++nw] = $2 }; servers[$2] = servers[$2] " " $1 }
    v[k, ++cnt[k]] = $3
  }
  END {
    for (k in cnt) med[k] = median(k)
    for (i = 1; i <= nw; i++) {
      w = worder[i]; line = sprintf("%-14s", w ":")
      n = split(servers[w], ss, " ")
      for (j = 1; j <= n; j++) { k = w SUBSEP ss[j]
        line = line sprintf(" %s %.0f req/s (±%.0f%%, %d runs);", ss[j], med[k], (med[k] > 0 ? 100 * (hi[k] - lo[k]) / med[k] : 0), cnt[k]) }
      s = w SUBSEP sut
      if (s in med) {
        line = line " ratios of " sut ":"
        for (j = 1; j <= n; j++) if (ss[j] != sut) line = line sprintf(" %.2f× %s", med[s] / med[w SUBSEP ss[j]], ss[j])
        if (w == "page") for (x = 1; x <= 2; x++) { o = (x == 1 ? "hello" : "counter"); if ((o SUBSEP sut) in med) line = line sprintf(" %.2f× its own %s", med[s] / med[o SUBSEP sut], o) }
      }
      print line
    }
  }' "${files[@]}"
