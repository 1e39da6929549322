#!/usr/bin/env bash
# Two dirigo binaries on the hello workload beside go-raw, in alternating
# rounds, so that a change is read as the change of each binary's ratio to
# go-raw (the machine's noise moves all three of a round together):
#
#   BIN_A=/tmp/dirigo-main BIN_B=/tmp/dirigo-branch RUNS=5 bench/ab.sh
#
# Each round runs go-raw, A and B one after the other (A and B swap places
# every other round) with wrk -t1 -c32 --timeout 5s, WARMUP (3) seconds,
# then DURATION (10) seconds measured, with the harness's lua/report.lua;
# GET /hello must answer "Hello World" first. The table gives each
# server's median req/s and its ratio to go-raw per round; the last line
# is B's ratio over A's (median of the rounds). Needs wrk, curl and the
# harness (../shared/bench, or HARNESS).
set -euo pipefail
cd "$(dirname "$0")/.."
HARNESS=${HARNESS:-../shared/bench}
RUNS=${RUNS:-3}
DURATION=${DURATION:-10}
WARMUP=${WARMUP:-3}
[[ -n ${BIN_A:-} && -n ${BIN_B:-} ]] || { echo "set BIN_A and BIN_B" >&2; exit 2; }
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
(cd "$HARNESS/go-raw" && go build -o "$tmp/go-raw" .)
mkdir -p "$tmp/scripts" "$tmp/data"
cp "$HARNESS/sut-scripts/hello.js" "$tmp/scripts/hello.js"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_ready() { # url
  for _ in $(seq 1 200); do
    [[ $(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "$1" || true) == 200 ]] && return 0
    sleep 0.05
  done
  echo "not ready: $1" >&2; return 1
}
start_raw() { PORT=$port "$tmp/go-raw"; }
start_dirigo() { # binary
  "$1" --addr "127.0.0.1:$port" --scripts "$tmp/scripts" --sessions memory --data "$tmp/data" \
    --log-level warn --access-log off
}
results=$tmp/results.tsv
: >"$results"
measure() { # name start-function [args]
  local name=$1 pid body line
  shift
  port=$(free_port)
  "$@" >"$tmp/log" 2>&1 &
  pid=$!
  pids+=("$pid")
  wait_ready "http://127.0.0.1:$port/hello"
  body=$(curl -s --max-time 5 "http://127.0.0.1:$port/hello")
  if [[ $body != "Hello World" ]]; then
    echo "$name: GET /hello answered '$body'" >&2
    kill "$pid"; wait "$pid" 2>/dev/null || true
    return 1
  fi
  wrk -t1 -c32 --timeout 5s -d"${WARMUP}s" "http://127.0.0.1:$port/hello" >/dev/null 2>&1 || true
  line=$(wrk -t1 -c32 --timeout 5s -d"${DURATION}s" -s "$HARNESS/lua/report.lua" "http://127.0.0.1:$port/hello" | grep '^BENCH ')
  kill "$pid"; wait "$pid" 2>/dev/null || true
  awk -v name="$name" -v run="$run" '{
    for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
    printf "%s\t%s\t%.0f\n", run, name, v["requests"] / (v["duration_us"] / 1e6)
  }' <<<"$line" | tee -a "$results" >&2
}

echo "hello: wrk -t1 -c32 --timeout 5s -d${DURATION}s (warm-up ${WARMUP}s), $(nproc) cores; A=$BIN_A B=$BIN_B" >&2
for run in $(seq 1 "$RUNS"); do
  measure go-raw start_raw
  if (( run % 2 )); then
    measure A start_dirigo "$BIN_A"
    measure B start_dirigo "$BIN_B"
  else
    measure B start_dirigo "$BIN_B"
    measure A start_dirigo "$BIN_A"
  fi
done
echo
awk -F'\t' -v runs="$RUNS" '
  { rps[$2, $1] = $3 }
  function median(a, n,   i, j, t) {
    for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
    return a[int((n + 1) / 2)]
  }
  END {
    print "| server | req/s (median of " runs ") | ratio to go-raw (per round) |"
    print "|---|---:|---|"
    split("go-raw A B", order, " ")
    for (i = 1; i <= 3; i++) {
      s = order[i]; delete v; delete r; ratios = ""
      for (n = 1; n <= runs; n++) {
        v[n] = rps[s, n]; r[n] = rps[s, n] / rps["go-raw", n]
        ratios = ratios (n > 1 ? ", " : "") sprintf("%.3f", r[n])
      }
      printf "| %s | %.0f | %s (median %.3f) |\n", s, median(v, runs), ratios, median(r, runs)
    }
    delete q; list = ""
    for (n = 1; n <= runs; n++) {
      q[n] = rps["B", n] / rps["A", n]
      list = list (n > 1 ? ", " : "") sprintf("%.3f", q[n])
    }
    printf "\nB/A per round: %s (median %.3f)\n", list, median(q, runs)
  }' "$results"
