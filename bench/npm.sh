#!/usr/bin/env bash
# Latency of scripts that use npm packages, against hello's, over HTTP:
# dirigo serves testdata/npm (npm ci there first: the packages are never
# committed) and wrk, one connection at a time (-c1), measures each script
# after its warm-up (so every VM of the pool has loaded the packages):
#
#   bench/npm.sh                              # the default scripts
#   SCRIPTS='hello.js ajv-kept.js' DURATION=10 bench/npm.sh
#
# ajv.js and zod.mjs are the packages' README examples: they compile the
# validator / build the schema in every request (a script's top level runs
# per request). ajv-kept.js and zod-kept.js take both from the suite's own
# package (testdata/npm/schemas), which, as a package, is evaluated once
# per VM. Prints a Markdown table: mean and p99 latency, and the mean as a
# multiple of hello.js's. Needs wrk, curl, go and npm.
set -euo pipefail
cd "$(dirname "$0")/.."
SCRIPTS=${SCRIPTS:-hello.js ajv.js ajv-kept.js zod.mjs zod-kept.js date-fns.js}
DURATION=${DURATION:-5}
WARMUP=${WARMUP:-2}
command -v wrk >/dev/null || { echo "wrk not found" >&2; exit 2; }
[[ -d testdata/npm/node_modules ]] || (cd testdata/npm && npm ci --no-audit --no-fund --loglevel=error)

tmp=$(mktemp -d)
pid=""
cleanup() { [[ -n $pid ]] && kill "$pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
go build -o "$tmp/dirigo" ./cmd/dirigo
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$tmp/dirigo" --addr "127.0.0.1:$port" --scripts testdata/npm --sessions memory --data "$tmp/data" > "$tmp/log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do curl -fs -o /dev/null "http://127.0.0.1:$port/scripts/hello.js" && break; sleep 0.05; done

# wrk's latency in µs from its "Latency" line (mean) and --latency's 99%
us() { awk -v v="$1" 'BEGIN { n = v + 0; u = v; sub(/^[0-9.]+/, "", u); f = (u == "ms") ? 1000 : (u == "s") ? 1e6 : 1; printf "%.0f", n * f }'; }
echo "| script | mean µs | p99 µs | mean / hello.js |"
echo "|---|---:|---:|---:|"
hello=""
for s in $SCRIPTS; do
  url="http://127.0.0.1:$port/scripts/$s"
  curl -fs -o /dev/null "$url" || { echo "| $s | failed | | |"; continue; }
  wrk -t1 -c1 -d"${WARMUP}s" "$url" > /dev/null
  out=$(wrk -t1 -c1 -d"${DURATION}s" --latency "$url")
  mean=$(us "$(awk '/^ +Latency/ {print $2; exit}' <<< "$out")")
  p99=$(us "$(awk '$1 == "99%" {print $2; exit}' <<< "$out")")
  [[ $s == hello.js ]] && hello=$mean
  ratio=""
  [[ -n $hello ]] && ratio=$(awk -v a="$mean" -v b="$hello" 'BEGIN {printf "%.1f×", a / b}')
  echo "| $s | $mean | $p99 | $ratio |"
done
