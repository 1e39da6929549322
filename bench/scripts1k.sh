#!/usr/bin/env bash
# Many distinct scripts in rotation against one: req/s of wrk rotating over
# the paths of NSCRIPTS distinct hello-like scripts beside wrk on one of
# them, on the same server process, in alternating rounds:
#
#   bench/scripts1k.sh                     # builds ./cmd/dirigo; 1000 scripts, 3 rounds
#   RUNS=5 NSCRIPTS=1000 bench/scripts1k.sh
#   BIN=/tmp/dirigo-old bench/scripts1k.sh
#
# The scripts s0000.js .. are generated in a temp dir, each printing its own
# string ("Hello World 0042"), so each is its own file and program. dirigo
# runs with --sessions memory, --access-log off (POOL sets --pool) on a free
# loopback port. Both loads use the same wrk Lua script (requests
# pre-formatted in init(), one per path, taken round-robin), so the Lua cost
# is the same and only the number of paths differs: "one" passes 1, "all"
# passes NSCRIPTS. Every round: wrk -t1 -c32 --timeout 5s, WARMUP (3)
# seconds, then DURATION (10) measured, "one" and "all" swapping places every
# other round. Before the load every script is requested once with curl and
# must answer its string. Prints req/s per round and all/one per round.
#   PROFILES=DIR  build with -tags pprof, and keep the binary (DIR/dirigo) and
#                 a CPU profile of each measured run (DIR/cpu-one-1.prof, ...)
set -euo pipefail
cd "$(dirname "$0")/.."
NSCRIPTS=${NSCRIPTS:-1000}
RUNS=${RUNS:-3}
DURATION=${DURATION:-10}
WARMUP=${WARMUP:-3}
POOL=${POOL:-}
command -v wrk >/dev/null || { echo "wrk not found" >&2; exit 2; }
tmp=$(mktemp -d)
dpid=
cleanup() {
  [[ -n $dpid ]] && kill "$dpid" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT
pport=
if [[ -n ${PROFILES:-} ]]; then
  mkdir -p "$PROFILES"
  BIN=$PROFILES/dirigo
  go build -tags pprof -o "$BIN" ./cmd/dirigo
  pport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
elif [[ -z ${BIN:-} ]]; then
  BIN=$tmp/dirigo
  go build -o "$BIN" ./cmd/dirigo
fi
mkdir -p "$tmp/scripts"
for i in $(seq 0 $((NSCRIPTS - 1))); do
  n=$(printf '%04d' "$i")
  printf 'var response = require("http/response");\nresponse.setContentType("text/plain");\nresponse.print("Hello World %s");\n' "$n" \
    >"$tmp/scripts/s$n.js"
done
cat >"$tmp/rotate.lua" <<'LUA'
-- wrk -s rotate.lua URL -- N: requests /s0000 .. /s(N-1), round-robin.
local reqs = {}
local idx = 0
function init(args)
  local n = tonumber(args[1] or "1")
  for i = 0, n - 1 do
    reqs[#reqs + 1] = wrk.format("GET", string.format("/s%04d", i))
  end
end
function request()
  idx = idx % #reqs + 1
  return reqs[idx]
end
function done(summary, latency, requests)
  io.write(string.format("BENCH requests=%d duration_us=%d p99_us=%d errors=%d\n",
    summary.requests, summary.duration, math.floor(latency:percentile(99)),
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.status + summary.errors.timeout))
end
LUA
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
args=(--addr "127.0.0.1:$port" --scripts "$tmp/scripts" --sessions memory --data "$tmp/data" --log-level warn --access-log off)
[[ -n $POOL ]] && args+=(--pool "$POOL")
DIRIGO_PPROF=${pport:+127.0.0.1:$pport} "$BIN" "${args[@]}" >"$tmp/dirigo.log" 2>&1 &
dpid=$!
url=http://127.0.0.1:$port
for _ in $(seq 1 200); do curl -s -o /dev/null "$url/s0000" && break; sleep 0.05; done
for i in $(seq 0 $((NSCRIPTS - 1))); do
  n=$(printf '%04d' "$i")
  body=$(curl -s "$url/s$n")
  [[ $body == "Hello World $n" ]] || { echo "GET /s$n answered '$body'" >&2; exit 1; }
done
echo "$NSCRIPTS scripts; wrk -t1 -c32 --timeout 5s -d${DURATION}s (warm-up ${WARMUP}s); $(nproc) cores; $BIN"
measure() { # name paths
  local line ppid
  wrk -t1 -c32 --timeout 5s -d"${WARMUP}s" -s "$tmp/rotate.lua" "$url" -- "$2" >/dev/null 2>&1 || true
  if [[ -n $pport ]]; then
    curl -s -o "$PROFILES/cpu-$1-$run.prof" "http://127.0.0.1:$pport/debug/pprof/profile?seconds=$((DURATION - 2))" &
    ppid=$!
  fi
  line=$(wrk -t1 -c32 --timeout 5s -d"${DURATION}s" -s "$tmp/rotate.lua" "$url" -- "$2" | grep '^BENCH ')
  [[ -n $pport ]] && wait "$ppid"
  awk -v name="$1" -v run="$run" '{
    for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
    printf "%s\t%s\t%.0f\t%.2f\t%d\n", run, name, v["requests"] / (v["duration_us"] / 1e6), v["p99_us"] / 1000, v["errors"]
  }' <<<"$line" >>"$tmp/results.tsv"
}
: >"$tmp/results.tsv"
for run in $(seq 1 "$RUNS"); do
  echo "round $run: load $(uptime | sed 's/.*load average: //')"
  if (( run % 2 )); then measure one 1; measure all "$NSCRIPTS"; else measure all "$NSCRIPTS"; measure one 1; fi
done
awk -F'\t' '{ rps[$1, $2] = $3; p99[$1, $2] = $4; err[$1, $2] = $5; if ($1 > runs) runs = $1 }
  END {
    print "| round | one: req/s | all: req/s | all/one | p99 ms one / all | errors |"
    print "|---:|---:|---:|---:|---:|---:|"
    for (r = 1; r <= runs; r++)
      printf "| %d | %.0f | %.0f | %.3f | %.2f / %.2f | %d |\n", r, rps[r, "one"], rps[r, "all"], rps[r, "all"] / rps[r, "one"], p99[r, "one"], p99[r, "all"], err[r, "one"] + err[r, "all"]
  }' "$tmp/results.tsv"
echo "RSS peak: $(awk '$1 == "VmHWM:" { printf "%.1f MiB", $2 / 1024 }' "/proc/$dpid/status"); load after: $(uptime | sed 's/.*load average: //')"
