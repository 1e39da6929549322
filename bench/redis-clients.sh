#!/usr/bin/env bash
# Compares dirigo's Redis session store on its Redis clients (go-redis and
# rueidis, chosen with ?client= in the store URL) under the shared load
# harness (../shared/bench), with go-raw in every run for the ratios:
#
#   bench/redis-clients.sh                          # RUNS=3, counter-multi and cart-multi
#   RUNS=5 WORKLOADS='counter-multi' bench/redis-clients.sh
#   VARIANTS='go-redis rueidis:8' bench/redis-clients.sh   # rueidis with --pool 8
#   VARIANTS='go-redis rueidis' bench/redis-clients.sh summarize bench/out/redis-clients-STAMP
#
# It starts a private redis-server (no persistence), then for each run: the
# harness with go-raw and the first variant, then the harness with each
# other variant alone (the order of the variants rotates from run to run).
# A variant is a client name, optionally followed by ":N" for dirigo's
# --pool N (default: dirigo's own). Redis is flushed before every harness call. At the end it prints,
# per variant and workload, the median req/s, the median ratio to go-raw of
# the same run, the median p99, and the median ratio of each variant to the
# first one within the same run. Every other harness variable (DURATION,
# CONNS, PIN, ...) passes through; see ../shared/bench/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."
HARNESS=${HARNESS:-../shared/bench}
[[ -x $HARNESS/run.sh ]] || HARNESS=../../shared/bench
RUNS=${RUNS:-3}
VARIANTS=${VARIANTS:-go-redis rueidis}
export WORKLOADS=${WORKLOADS:-counter-multi cart-multi}
[[ -x $HARNESS/run.sh ]] || { echo "no harness at $HARNESS (set HARNESS)" >&2; exit 2; }

# summarize DIR prints the medians over the runs in DIR: req/s, the ratio to
# go-raw of the same run, the ratio to the first variant of the same run,
# req/s per core of server CPU (less sensitive to other load on the
# machine) and p99.
summarize() {
  cat "$1"/run*/results.tsv | awk -F'\t' -v first="dirigo-${variants[0]}" '
  $1 == "server" { next }
  { i = ++cnt[$1, $2]; rps[$1, $2, i] = $3; p99[$1, $2, i] = $5; pc[$1, $2, i] = $9
    if (!($1 in seen)) { seen[$1] = 1; names[++ns] = $1 }
    if (!($2 in wseen)) { wseen[$2] = 1; wls[++nw] = $2 } }
  function median(a, m,   i, j, t, b) {
    for (i = 1; i <= m; i++) b[i] = a[i] + 0
    for (i = 1; i <= m; i++) for (j = i + 1; j <= m; j++) if (b[j] < b[i]) { t = b[i]; b[i] = b[j]; b[j] = t }
    return (m % 2) ? b[(m + 1) / 2] : (b[m / 2] + b[m / 2 + 1]) / 2
  }
  END {
    print "| server | workload | req/s (median) | req/s per run | spread % | ratio to go-raw | vs " first " | req/s per server core | p99 ms |"
    print "|---|---|---:|---|---:|---:|---:|---:|---:|"
    for (w = 1; w <= nw; w++) for (s = 1; s <= ns; s++) {
      wl = wls[w]; sv = names[s]; m = cnt[sv, wl]; if (!m) continue
      list = ""; mn = ""; mx = ""; sum = 0
      for (i = 1; i <= m; i++) {
        x[i] = rps[sv, wl, i] + 0; y[i] = p99[sv, wl, i]; z[i] = pc[sv, wl, i]
        list = list (i > 1 ? " " : "") x[i]; sum += x[i]
        if (mn == "" || x[i] < mn) mn = x[i]; if (mx == "" || x[i] > mx) mx = x[i]
        r[i] = rps["go-raw", wl, i] > 0 ? x[i] / rps["go-raw", wl, i] : 0
        f[i] = rps[first, wl, i] > 0 ? x[i] / rps[first, wl, i] : 0
      }
      printf "| %s | %s | %.0f | %s | %.0f | %.2f | %.2f | %.0f | %.1f |\n", sv, wl, median(x, m), list, 100 * (mx - mn) / (sum / m), median(r, m), median(f, m), median(z, m), median(y, m)
    }
  }'
}
if [[ ${1:-} == summarize ]]; then
  read -r -a variants <<<"$VARIANTS"
  summarize "$2"
  exit
fi

tmp=$(mktemp -d)
cleanup() {
  [[ -n ${rpid:-} ]] && kill "$rpid" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT
bin=$tmp/dirigo
go build -o "$bin" ./cmd/dirigo
rport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
redis-server --bind 127.0.0.1 --port "$rport" --save '' --appendonly no --dir "$tmp" --loglevel warning >"$tmp/redis.log" 2>&1 &
rpid=$!
until redis-cli -p "$rport" ping >/dev/null 2>&1; do sleep 0.05; done

stamp=$(date -u +%Y%m%dT%H%M%SZ)
base=$(pwd)/bench/out/redis-clients-$stamp
mkdir -p "$base"
read -r -a variants <<<"$VARIANTS"
n=${#variants[@]}
for run in $(seq 1 "$RUNS"); do
  for k in $(seq 0 $((n - 1))); do
    v=${variants[$(((k + run - 1) % n))]}
    client=${v%%:*}
    pool=
    [[ $v == *:* ]] && pool="--pool ${v##*:}"
    servers=''
    (( k == 0 )) && servers=go-raw
    redis-cli -p "$rport" flushall >/dev/null
    SERVERS=$servers SUT_NAME="dirigo-$v" \
      SUT_CMD="$bin --addr 127.0.0.1:\$PORT --scripts \$SUT_SCRIPTS --data $tmp/data $pool --log-level warn --sessions redis://127.0.0.1:$rport/0?client=$client" \
      OUT="$base/run$run-$k" "$HARNESS/run.sh" >"$base/run$run-$k.log" 2>&1 || { echo "harness failed, see $base/run$run-$k.log" >&2; exit 1; }
    echo "run $run: $v done" >&2
  done
done

summarize "$base" | tee "$base/summary.md"
echo "raw outputs in $base" >&2
