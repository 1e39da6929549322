#!/usr/bin/env bash
# Throughput against the number of VMs: hello and cart-multi with dirigo's
# --pool set to each of POOLS, a fresh server per (pool, workload):
#
#   bench/pool.sh                          # builds ./cmd/dirigo; POOLS='1 2 3 4 8'
#   RUNS=2 POOLS='1 3 8' WORKLOADS=hello bench/pool.sh
#   BIN=/tmp/dirigo-old bench/pool.sh
#
# dirigo runs with --sessions memory, --access-log off, the harness's
# sut-scripts (HARNESS, default ../shared/bench) on a free loopback port;
# 0 in POOLS means dirigo's default (one VM per CPU plus one, at least 3).
# hello: wrk -t1 -c32 --timeout 5s with the harness's lua/report.lua;
# cart-multi: 32 sessions made with curl (GET /cart, which must answer the
# 20 names), then the harness's lua/sessions.lua over their cookies.
# WARMUP (3) seconds, then DURATION (10) measured. The server's CPU (user +
# system, from /proc/PID/stat) over the measured seconds is given in cores.
# With RUNS > 1 the order of the pools is reversed every other round.
set -euo pipefail
cd "$(dirname "$0")/.."
HARNESS=${HARNESS:-../shared/bench}
[[ -d $HARNESS ]] || HARNESS=../../shared/bench
POOLS=${POOLS:-1 2 3 4 8}
WORKLOADS=${WORKLOADS:-hello cart-multi}
RUNS=${RUNS:-1}
DURATION=${DURATION:-10}
WARMUP=${WARMUP:-3}
[[ -d $HARNESS/lua ]] || { echo "no harness at $HARNESS (set HARNESS)" >&2; exit 2; }
command -v wrk >/dev/null || { echo "wrk not found" >&2; exit 2; }
HARNESS=$(cd "$HARNESS" && pwd)
tmp=$(mktemp -d)
dpid=
stop() { [[ -n $dpid ]] && { kill "$dpid" 2>/dev/null || true; wait "$dpid" 2>/dev/null || true; }; dpid=; }
cleanup() { stop; rm -rf "$tmp"; }
trap cleanup EXIT
if [[ -z ${BIN:-} ]]; then
  BIN=$tmp/dirigo
  go build -o "$BIN" ./cmd/dirigo
fi
CART='["item00","item01","item02","item03","item04","item05","item06","item07","item08","item09","item10","item11","item12","item13","item14","item15","item16","item17","item18","item19"]'
TICK=$(getconf CLK_TCK)
ticks() { local s; s=$(cat "/proc/$1/stat"); s=${s##*) }; set -- $s; echo $(( ${12} + ${13} )); }
measure() { # pool workload
  local pool=$1 wl=$2 port url cookies=() wargs t0 t1 line hdr
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  url=http://127.0.0.1:$port
  "$BIN" --addr "127.0.0.1:$port" --scripts "$HARNESS/sut-scripts" --sessions memory --data "$tmp/data" \
    --log-level warn --access-log off --pool "$pool" >"$tmp/dirigo.log" 2>&1 &
  dpid=$!
  for _ in $(seq 1 200); do curl -s -o /dev/null "$url/hello" && break; sleep 0.05; done
  if [[ $wl == hello ]]; then
    [[ $(curl -s "$url/hello") == "Hello World" ]] || { echo "GET /hello: wrong answer" >&2; exit 1; }
    wargs=(-s "$HARNESS/lua/report.lua" "$url/hello")
  else
    for _ in $(seq 1 32); do
      hdr=$(curl -s -D - -o "$tmp/body" "$url/cart")
      [[ $(cat "$tmp/body") == "$CART" ]] || { echo "GET /cart: wrong answer" >&2; exit 1; }
      cookies+=("$(grep -i '^set-cookie:' <<<"$hdr" | head -1 | sed 's/^[^:]*:[[:space:]]*//; s/;.*//; s/[[:space:]]*$//')")
    done
    wargs=(-s "$HARNESS/lua/sessions.lua" "$url/cart" -- "${cookies[@]}")
  fi
  wrk -t1 -c32 --timeout 5s -d"${WARMUP}s" "${wargs[@]}" >/dev/null 2>&1 || true
  t0=$(ticks "$dpid")
  line=$(wrk -t1 -c32 --timeout 5s -d"${DURATION}s" "${wargs[@]}" | grep '^BENCH ')
  t1=$(ticks "$dpid")
  stop
  awk -v run="$run" -v pool="$pool" -v wl="$wl" -v ticks=$((t1 - t0)) -v tick="$TICK" -v load="$(cut -d' ' -f1 /proc/loadavg)" '{
    for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
    s = v["duration_us"] / 1e6
    e = v["err_connect"] + v["err_read"] + v["err_write"] + v["err_status"] + v["err_timeout"]
    printf "%s\t%s\t%s\t%.0f\t%.2f\t%.2f\t%d\t%s\n", run, wl, pool, v["requests"] / s, ticks / tick / s, v["p99_us"] / 1000, e, load
  }' <<<"$line" | tee -a "$tmp/results.tsv" >&2
}
echo "wrk -t1 -c32 --timeout 5s -d${DURATION}s (warm-up ${WARMUP}s); $(nproc) cores; $BIN; load $(uptime | sed 's/.*load average: //')"
: >"$tmp/results.tsv"
for run in $(seq 1 "$RUNS"); do
  order=$POOLS
  (( run % 2 )) || order=$(tr ' ' '\n' <<<"$POOLS" | tac | tr '\n' ' ')
  for pool in $order; do for wl in $WORKLOADS; do measure "$pool" "$wl"; done; done
done
echo "| workload | --pool | req/s | server CPU (cores) | req/s per core | p99 ms | errors | 1-min load |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|"
sort -t$'\t' -k2,2 -k3,3n -k1,1n "$tmp/results.tsv" | awk -F'\t' '{
  printf "| %s | %s | %s | %s | %.0f | %s | %s | %s |\n", $2, $3 == 0 ? "default" : $3, $4, $5, ($5 > 0 ? $4 / $5 : 0), $6, $7, $8 }'
