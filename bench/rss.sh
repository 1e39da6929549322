#!/usr/bin/env bash
# Peak memory of one dirigo process under wrk, split the way docs/PERFORMANCE.md
# ("Memory") reports it:
#
#   bench/rss.sh BIN WORKLOAD [VAR=value ...]     # WORKLOAD: hello, counter or cart
#   bench/rss.sh /tmp/dirigo cart GOGC=100 DIRIGO_POOL=2
#
# Starts BIN (memory sessions) on the shared harness's sut-scripts with the
# given environment, warms up 3 s, clears the page-referenced bits
# (/proc/PID/clear_refs), runs wrk -t1 -c32 for DURATION seconds (8), and
# prints one line: req/s; RSS at idle and at the end with VmHWM (the peak),
# RssAnon and RssFile; and per mapping of the binary (r-xp text, r--p rodata
# and pclntab, rw-p data) its resident KiB and the KiB referenced during the
# measured load (the working set; the rest was touched only at start-up).
# Figures move with the load average of the machine: alternate the variants.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$1 wl=$2; shift 2
HARNESS=${HARNESS:-../shared/bench}
[[ -d $HARNESS ]] || HARNESS=../../shared/bench
scripts=$(cd "$HARNESS/sut-scripts" && pwd)
port=$((20000 + RANDOM % 20000))
data=$(mktemp -d)
env "$@" "$bin" --addr 127.0.0.1:$port --scripts "$scripts" --sessions memory --data "$data" >"$data.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$data" "$data.log"' EXIT
for _ in $(seq 200); do curl -sf -o /dev/null "http://127.0.0.1:$port/hello" && break; sleep 0.05; done
mib() { awk -v keys="$1" 'BEGIN{n=split(keys,k," ")} {for(i=1;i<=n;i++) if ($1==k[i]":") printf "%s %d ", k[i], $2/1024}' "/proc/$pid/status"; }
idle=$(mib "VmRSS RssAnon RssFile")
hdr=()
if [[ $wl != hello ]]; then
  ck=$(curl -si "http://127.0.0.1:$port/$wl" | sed -n 's/^[Ss]et-[Cc]ookie: \([^;]*\).*/\1/p')
  hdr=(-H "Cookie: $ck")
fi
wrk -t1 -c32 -d3s "${hdr[@]}" "http://127.0.0.1:$port/$wl" >/dev/null
echo 1 >"/proc/$pid/clear_refs"
rps=$(wrk -t1 -c32 -d"${DURATION:-8}"s "${hdr[@]}" "http://127.0.0.1:$port/$wl" | awk '/Requests\/sec/{print $2}')
end=$(mib "VmHWM VmRSS RssAnon RssFile")
maps=$(awk -v b="$(basename "$bin")" '
  /^[0-9a-f]+-/ { key = ($6 ~ b"$") ? $2 : "" }
  key != "" && /^Rss:/ { rss[key] += $2 }
  key != "" && /^Referenced:/ { ref[key] += $2 }
  END { for (k in rss) printf "%s %d/%d ", k, rss[k], ref[k] }' "/proc/$pid/smaps")
echo "$wl [$*] req/s $rps | idle MiB: $idle| end MiB: $end| binary KiB resident/referenced: $maps"
