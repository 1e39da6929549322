#!/usr/bin/env bash
# Where one request's CPU goes, per workload: runs dirigo (built with
# -tags pprof) under the harness's wrk load, takes a 10 s CPU profile, and
# splits the CPU per request into
#
#   net/http+kernel  everything under net/http's conn.serve that is not the
#                    handler: reading and parsing the request, writing the
#                    response, the socket system calls
#   dirigo           the handler outside the script: routing, VM pool,
#                    session lock/load/commit, response, access log
#   script (goja)    goja running the script, its built-ins included
#   natives          dirigo's Go functions the script calls (session,
#                    response, require and the module views)
#   GC (background)  the collector's mark workers; allocation itself
#                    (mallocgc) is counted where it happens
#   other            the scheduler, timers, the netpoller
#
# and does the same CPU-per-request measurement (from /proc, no profile) for
# the harness's go-raw, in the same run, for scale:
#
#   bench/budget.sh                       # hello counter cart
#   WORKLOADS='cart cart-multi' bench/budget.sh
#   GOGC=100 bench/budget.sh              # the environment passes through
#   PROFILES=/tmp/prof bench/budget.sh    # keep the binary and the profiles
#
# Needs wrk, curl and go. Prints a Markdown table.
set -euo pipefail
cd "$(dirname "$0")/.."
HARNESS=${HARNESS:-../shared/bench}
[[ -d $HARNESS ]] || HARNESS=../../shared/bench
HARNESS=$(cd "$HARNESS" && pwd)
WORKLOADS=${WORKLOADS:-hello counter cart}
CONNS=${CONNS:-32}
SECONDS_PROFILED=${SECONDS_PROFILED:-10}

tmp=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$tmp"; }
trap cleanup EXIT
go build -tags pprof -o "$tmp/dirigo" ./cmd/dirigo
(cd "$HARNESS/go-raw" && go build -o "$tmp/go-raw" .)
TICK=$(getconf CLK_TCK)

port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_up() { for _ in $(seq 1 100); do curl -fs -o /dev/null "$1" && return 0; sleep 0.05; done; echo "no answer from $1" >&2; return 1; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# cookies URL N: the cookies of N new sessions, one per line
cookies() {
  for _ in $(seq 1 "$2"); do
    curl -fs -c - -o /dev/null "$1" | awk '$0 !~ /^#/ || /^#HttpOnly_/ {if (NF >= 7) print $6 "=" $7}'
  done
}

# load URL WORKLOAD SECS: wrk as the harness runs it; prints requests/s
load() {
  local url=$1 w=$2 secs=$3 args=()
  case $w in
    hello) ;;
    *-multi) mapfile -t args < <(cookies "$url" "$CONNS"); args=(-s "$HARNESS/lua/sessions.lua" "$url" -- "${args[@]}") ;;
    *) args=(-H "Cookie: $(cookies "$url" 1)") ;;
  esac
  if [[ $w == *-multi ]]; then
    wrk -t1 -c"$CONNS" -d"${secs}s" "${args[@]}"
  else
    wrk -t1 -c"$CONNS" -d"${secs}s" "${args[@]}" "$url"
  fi | awk '/Requests\/sec/ {print $2}'
}

path_of() { echo "/${1%-multi}"; }

echo "| workload | server | req/s | CPU µs/request | net/http+kernel | dirigo | script (goja) | natives | GC (background) | other |"
echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"
for w in $WORKLOADS; do
  # go-raw: CPU per request from /proc over the measured window
  p=$(port)
  PORT=$p "$tmp/go-raw" > "$tmp/go-raw.log" 2>&1 &
  pid=$!; pids+=("$pid")
  wait_up "http://127.0.0.1:$p/hello"
  load "http://127.0.0.1:$p$(path_of "$w")" "$w" 2 > /dev/null
  t0=$(cpu_ticks "$pid")
  rps=$(load "http://127.0.0.1:$p$(path_of "$w")" "$w" "$SECONDS_PROFILED")
  t1=$(cpu_ticks "$pid")
  kill "$pid"; wait "$pid" 2>/dev/null || true
  awk -v w="$w" -v r="$rps" -v d=$((t1 - t0)) -v tick="$TICK" -v s="$SECONDS_PROFILED" \
    'BEGIN {printf "| %s | go-raw | %.0f | %.1f | | | | | | |\n", w, r, d / tick / s / r * 1e6}'

  # dirigo: the same load, with a CPU profile of the measured window
  p=$(port); pp=$(port)
  mkdir -p "$tmp/data-$w"
  DIRIGO_PPROF=127.0.0.1:$pp "$tmp/dirigo" --addr "127.0.0.1:$p" --scripts "$HARNESS/sut-scripts" \
    --sessions memory --data "$tmp/data-$w" > "$tmp/dirigo-$w.log" 2>&1 &
  pid=$!; pids+=("$pid")
  wait_up "http://127.0.0.1:$p/hello"
  load "http://127.0.0.1:$p$(path_of "$w")" "$w" 2 > /dev/null
  load "http://127.0.0.1:$p$(path_of "$w")" "$w" $((SECONDS_PROFILED + 2)) > "$tmp/rps-$w" &
  lp=$!
  sleep 1
  curl -fs -o "$tmp/$w.prof" "http://127.0.0.1:$pp/debug/pprof/profile?seconds=$SECONDS_PROFILED"
  wait "$lp"
  rps=$(cat "$tmp/rps-$w")
  kill "$pid"; wait "$pid" 2>/dev/null || true
  if [[ -n ${PROFILES:-} ]]; then
    mkdir -p "$PROFILES" && cp "$tmp/$w.prof" "$PROFILES/" && cp "$tmp/dirigo" "$PROFILES/dirigo-pprof"
  fi

  # seconds of CPU in the profile's samples with a frame matching the
  # regexp (every goroutine that serves requests runs under
  # runtime.goexit, so the top node by cumulative time holds all of them);
  # without one, all the samples
  secs() {
    if [[ -z ${1:-} ]]; then
      go tool pprof -top -nodecount=1 -unit=s "$tmp/dirigo" "$tmp/$w.prof" 2>/dev/null |
        awk '/Total samples/ {for (i = 1; i <= NF; i++) if ($i == "=") {v = $(i+1); sub(/s$/, "", v); print v; exit}}'
      return
    fi
    go tool pprof -top -cum -nodecount=1 -unit=s -focus="$1" "$tmp/dirigo" "$tmp/$w.prof" 2>/dev/null |
      awk '$1 ~ /^[0-9.]+s?$/ && $2 ~ /%$/ {v = $4; sub(/s$/, "", v); print v; exit}'
  }
  total=$(secs "")
  serve=$(secs 'net/http.\(\*conn\).serve$')
  handler=$(secs 'main.frontDoor.ServeHTTP$')
  script=$(secs 'goja.\(\*Runtime\).runWrapped$')
  natives=$(secs 'github.com/dirigo/dirigo/modules/|runtime.\(\*moduleView\)|runtime.\(\*VM\).requireFunc')
  gc=$(secs 'runtime.gcBgMarkWorker$')
  awk -v w="$w" -v r="$rps" -v s="$SECONDS_PROFILED" -v total="${total:-0}" -v serve="${serve:-0}" \
      -v handler="${handler:-0}" -v script="${script:-0}" -v natives="${natives:-0}" -v gc="${gc:-0}" \
    'BEGIN {
       n = r * s; u = 1e6 / n
       printf "| %s | dirigo | %.0f | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f |\n", w, r,
         total * u, (serve - handler) * u, (handler - script) * u, (script - natives) * u, natives * u, gc * u,
         (total - serve - gc) * u
     }'
done
