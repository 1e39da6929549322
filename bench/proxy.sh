#!/usr/bin/env bash
# The proxy workload: a script that fetches a local upstream and answers its
# body, measured on dirigo beside Node's fetch doing the same (and the
# upstream on its own, the ceiling), in one run:
#
#   bench/proxy.sh                       # builds ./cmd/dirigo
#   RUNS=3 bench/proxy.sh                # three rounds, servers alternating
#   POOLS='0 16' bench/proxy.sh          # dirigo with the default pool and --pool 16
#   BIN=/tmp/dirigo-old bench/proxy.sh
#
# The upstream is the harness's go-raw (GET /hello -> "Hello World"), built
# from ../shared/bench (HARNESS). Every server is checked with curl (GET
# /proxy == "Hello World") before the load; then wrk -t1 -c32 --timeout 5s,
# WARMUP (3) seconds, then DURATION (10) seconds measured, with the
# harness's lua/report.lua. "dirigo session" is the same proxy through a
# default client session's data task (bench/proxy/session.js, Titanium's
# URLSession) instead of fetch. All on 127.0.0.1; the upstream, the server and
# wrk share the machine's cores. Needs wrk, curl, node (18+).
set -euo pipefail
cd "$(dirname "$0")/.."
HARNESS=${HARNESS:-../shared/bench}
RUNS=${RUNS:-1}
POOLS=${POOLS:-0}
DURATION=${DURATION:-10}
WARMUP=${WARMUP:-3}
[[ -d $HARNESS/go-raw ]] || { echo "no harness at $HARNESS (set HARNESS)" >&2; exit 2; }
command -v wrk >/dev/null || { echo "wrk not found" >&2; exit 2; }
tmp=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT
if [[ -z ${BIN:-} ]]; then
  BIN=$tmp/dirigo
  go build -o "$BIN" ./cmd/dirigo
fi
(cd "$HARNESS/go-raw" && go build -o "$tmp/upstream" .)
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_ready() { # url
  for _ in $(seq 1 200); do
    [[ $(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "$1" || true) == 200 ]] && return 0
    sleep 0.05
  done
  echo "not ready: $1" >&2; return 1
}

uport=$(free_port)
PORT=$uport "$tmp/upstream" >"$tmp/upstream.log" 2>&1 &
pids+=($!)
upstream=http://127.0.0.1:$uport
wait_ready "$upstream/hello"
mkdir -p "$tmp/scripts"
cp bench/proxy/hello.js "$tmp/scripts/hello.js"
sed "s|UPSTREAM|$upstream|" bench/proxy/proxy.js >"$tmp/scripts/proxy.js"
sed "s|UPSTREAM|$upstream|" bench/proxy/session.js >"$tmp/scripts/session.js"

results=$tmp/results.tsv
: >"$results"
# start_* start a server on $port (in the background).
start_upstream() { PORT=$port "$tmp/upstream"; }
start_dirigo() { # pool
  "$BIN" --addr "127.0.0.1:$port" --scripts "$tmp/scripts" --sessions memory --data "$tmp/data" \
    --log-level warn --access-log off --pool "$1"
}
start_node() { PORT=$port UPSTREAM=$upstream node bench/proxy/node-fetch.js; }

measure() { # name path start-function [args]
  local name=$1 path=$2 pid body line
  shift 2
  port=$(free_port)
  "$@" >"$tmp/log" 2>&1 &
  pid=$!
  pids+=("$pid")
  wait_ready "http://127.0.0.1:$port/hello"
  body=$(curl -s --max-time 5 "http://127.0.0.1:$port$path")
  if [[ $body != "Hello World" ]]; then
    echo "$name: GET $path answered '$body'" >&2
    kill "$pid"; wait "$pid" 2>/dev/null || true
    return 1
  fi
  wrk -t1 -c32 --timeout 5s -d"${WARMUP}s" "http://127.0.0.1:$port$path" >/dev/null 2>&1 || true
  line=$(wrk -t1 -c32 --timeout 5s -d"${DURATION}s" -s "$HARNESS/lua/report.lua" "http://127.0.0.1:$port$path" | grep '^BENCH ')
  kill "$pid"; wait "$pid" 2>/dev/null || true
  awk -v name="$name" -v run="$run" '{
    for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
    errs = v["err_connect"] + v["err_read"] + v["err_write"] + v["err_timeout"] + v["err_status"]
    printf "%s\t%s\t%.0f\t%.2f\t%.2f\t%d\n", run, name, v["requests"] / (v["duration_us"] / 1e6), v["p50_us"] / 1000, v["p99_us"] / 1000, errs
  }' <<<"$line" | tee -a "$results" >&2
}

echo "wrk -t1 -c32 --timeout 5s -d${DURATION}s (warm-up ${WARMUP}s), $(nproc) cores, node $(node --version)" >&2
for run in $(seq 1 "$RUNS"); do
  measure upstream /hello start_upstream
  for pool in $POOLS; do
    name=dirigo
    (( pool > 0 )) && name="dirigo --pool $pool"
    measure "$name" /proxy start_dirigo "$pool"
    # The same call as one data task of a default client session.
    measure "$name session" /session start_dirigo "$pool"
  done
  measure node-fetch /proxy start_node
done
echo
# One row per server: the median of its rounds (req/s, with that round's
# latencies), and its ratio to node-fetch in each round (servers of a round
# run one after the other, so the ratio is steadier than the rates).
awk -F'\t' -v runs="$RUNS" '
  { rps[$2, $1] = $3; p50[$2, $1] = $4; p99[$2, $1] = $5; err[$2] += $6
    if (!($2 in seen)) { seen[$2] = 1; order[++k] = $2 } }
  function median(a, n,   i, j, t) {
    for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
    return a[int((n + 1) / 2)]
  }
  END {
    print "| server | req/s (median of " runs ") | p50 ms | p99 ms | errors | ratio to node-fetch (per round) |"
    print "|---|---:|---:|---:|---:|---|"
    for (i = 1; i <= k; i++) {
      s = order[i]; delete v; delete r; ratios = ""
      for (n = 1; n <= runs; n++) {
        v[n] = rps[s, n]
        r[n] = rps[s, n] / rps["node-fetch", n]
        ratios = ratios (n > 1 ? ", " : "") sprintf("%.2f", r[n])
      }
      m = median(v, runs)
      for (n = 1; n <= runs; n++) if (rps[s, n] == m) break
      printf "| %s | %.0f | %s | %s | %d | %s (median %.2f) |\n", s, m, p50[s, n], p99[s, n], err[s], ratios, median(r, runs)
    }
  }' "$results"
