#!/usr/bin/env bash
# The `page` workload: a PROIV-style server page (scripts/proiv/visit.html:
# two server blocks, request.jsession, one session attribute read and
# written per request, one session cookie, like `counter`), measured with
# the shared harness's wrk settings and appended as a row to the
# results.tsv of a harness run, so compare.sh and summary.sh see it. No
# peer serves server pages, so the row has no peer row beside it; its
# summary line gives its ratio to dirigo's own hello and counter of the run.
#
#   bench/page.sh BIN OUTDIR      # BIN: a built dirigo; OUTDIR: a run.sh output
#
# Knobs as the harness: THREADS (1), CONNS (32), DURATION (10), WARMUP (3),
# PIN=1, STORE (memory), SUT_NAME (dirigo).
set -euo pipefail
bin=$1 out=$2
cd "$(dirname "$0")/.."
HARNESS=${HARNESS:-../shared/bench}
# From a worktree under /work/wt the shared folder is one level further up.
[[ -d $HARNESS ]] || HARNESS=../../shared/bench
THREADS=${THREADS:-1} CONNS=${CONNS:-32} DURATION=${DURATION:-10} WARMUP=${WARMUP:-3}
STORE=${STORE:-memory} SUT_NAME=${SUT_NAME:-dirigo}
srv_pin=() wrk_pin=()
if [[ -n ${PIN:-} ]]; then srv_pin=(taskset -c 0); wrk_pin=(taskset -c 1); fi
port=$(( 15000 + RANDOM % 10000 ))
data=$(mktemp -d)
log=$out/logs/$SUT_NAME.page.log
mkdir -p "$out/raw" "$out/logs"
"${srv_pin[@]}" "$bin" --addr "127.0.0.1:$port" --scripts scripts --sessions "$STORE" --data "$data" --access-log off >"$log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; rm -rf "$data"' EXIT
for _ in $(seq 1 100); do
  curl -fsS -o /dev/null "http://127.0.0.1:$port/hello" 2>/dev/null && break
  sleep 0.1
done
rss_idle=$(awk '/^VmRSS/ { print $2 }' "/proc/$pid/status")
# The entry page makes the session; visit.html then counts in it.
cookie=$(curl -fsS -o /dev/null -D - "http://127.0.0.1:$port/proiv/" | awk -F'[: ;]+' 'tolower($1) == "set-cookie" { print $2; exit }')
[[ -n $cookie ]] || { echo "page: no session cookie from /proiv/" >&2; exit 1; }
url="http://127.0.0.1:$port/proiv/visit"
body=$(curl -fsS -H "Cookie: $cookie" "$url")
[[ $body == *"<th>visits</th><td>1</td>"* ]] || { echo "page: unexpected body: $body" >&2; exit 1; }
lua=$(cd "$HARNESS" && pwd)/lua/report.lua
wrk_args=(wrk "-t$THREADS" "-c$CONNS" --timeout 5s -s "$lua" -H "Cookie: $cookie" "$url")
"${wrk_pin[@]}" "${wrk_args[@]}" "-d${WARMUP}s" >"$out/raw/$SUT_NAME.page.warmup.txt" 2>&1 || true
t0=$(awk '{ print $14 + $15 }' "/proc/$pid/stat")
"${wrk_pin[@]}" "${wrk_args[@]}" "-d${DURATION}s" >"$out/raw/$SUT_NAME.page.txt" 2>&1 || true
t1=$(awk '{ print $14 + $15 }' "/proc/$pid/stat")
hwm=$(awk '/^VmHWM/ { print $2 }' "/proc/$pid/status")
echo "$SUT_NAME/page: ${wrk_pin[*]} ${wrk_args[*]} -d${DURATION}s" >>"$out/commands.txt"
line=$(grep '^BENCH ' "$out/raw/$SUT_NAME.page.txt") || { echo "page: wrk gave no result" >&2; exit 1; }
kv() { sed -n "s/.*[ ^]$1=\([0-9]*\).*/\1/p" <<<" $2"; }
errs=$(( $(kv err_connect "$line") + $(kv err_read "$line") + $(kv err_write "$line") + $(kv err_timeout "$line") + $(kv err_status "$line") ))
awk -v srv="$SUT_NAME" -v req="$(kv requests "$line")" -v dur="$(kv duration_us "$line")" -v p50="$(kv p50_us "$line")" \
    -v p99="$(kv p99_us "$line")" -v errs="$errs" -v ticks=$(( t1 - t0 )) -v tick="$(getconf CLK_TCK)" \
    -v idle="$rss_idle" -v hwm="$hwm" 'BEGIN {
  s = dur / 1e6; rps = req / s; cores = ticks / tick / s
  printf "%s\tpage\t%.0f\t%.2f\t%.2f\t%d\t%.2f\t-\t%.0f\t%.1f\t%.1f\t-\tbench/page.sh\n", srv, rps, p50 / 1000, p99 / 1000, errs,
    cores, (cores > 0 ? rps / cores : 0), idle / 1024, hwm / 1024 }' >>"$out/results.tsv"
tail -1 "$out/results.tsv"
