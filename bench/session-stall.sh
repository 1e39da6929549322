#!/usr/bin/env bash
# Measures how long one session stays unusable after Redis stalls (SIGSTOP)
# while requests of that session are in flight:
#
#   bench/session-stall.sh                 # builds ./cmd/dirigo
#   BIN=/tmp/dirigo-old bench/session-stall.sh
#   STALL=3 bench/session-stall.sh         # seconds Redis is stopped (default 3)
#
# It starts a private redis-server and dirigo (--pool 4), creates a session,
# starts a request of it that holds its lock for 0.5 s, stops Redis and,
# during the stall, sends more requests of it every 0.5 s. After SIGCONT it
# prints the TTL of the session's lock and sends a request of the session
# every 0.2 s (each waits up to 10 s for the lock) until one succeeds.
set -euo pipefail
cd "$(dirname "$0")/.."
STALL=${STALL:-3}
tmp=$(mktemp -d)
cleanup() {
  [[ -n ${dpid:-} ]] && kill "$dpid" 2>/dev/null || true
  [[ -n ${rpid:-} ]] && { kill -CONT "$rpid" 2>/dev/null; kill "$rpid" 2>/dev/null; } || true
  wait 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT
if [[ -z ${BIN:-} ]]; then
  BIN=$tmp/dirigo
  go build -o "$BIN" ./cmd/dirigo
fi
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
rport=$(free_port)
redis-server --bind 127.0.0.1 --port "$rport" --save '' --appendonly no --dir "$tmp" --loglevel warning >"$tmp/redis.log" 2>&1 &
rpid=$!
until redis-cli -p "$rport" ping >/dev/null 2>&1; do sleep 0.05; done

mkdir -p "$tmp/scripts"
cat >"$tmp/scripts/counter.js" <<'EOF'
var s = require("http/session");
var n = (s.getAttribute("n") || 0) + 1;
s.setAttribute("n", n);
require("http/response").print(String(n));
EOF
cat >"$tmp/scripts/slow.js" <<'EOF'
var s = require("http/session");
s.setAttribute("slow", (s.getAttribute("slow") || 0) + 1);
setTimeout(function () { require("http/response").print("slow done"); }, 500);
EOF
dport=$(free_port)
"$BIN" --addr "127.0.0.1:$dport" --scripts "$tmp/scripts" --data "$tmp/data" --pool 4 \
  --sessions "redis://127.0.0.1:$rport/0" --log-level warn >"$tmp/dirigo.log" 2>&1 &
dpid=$!
url=http://127.0.0.1:$dport
until curl -s -o /dev/null "$url/counter"; do sleep 0.05; done

jar=$tmp/jar
curl -s -c "$jar" -o /dev/null "$url/counter"
req() { curl -s -b "$jar" -o /dev/null -w '%{http_code} %{time_total}s' "$url/$1"; }

now() { date +%s.%N; }
pids=()
(echo "slow request: $(req slow)") &
pids+=($!)
sleep 0.3
kill -STOP "$rpid"
t0=$(now)
while (( $(echo "$(now) - $t0 < $STALL - 0.5" | bc) )); do
  (echo "request during the stall: $(req counter)") &
  pids+=($!)
  sleep 0.5
done
left=$(echo "$STALL - ($(now) - $t0)" | bc)
(( $(echo "$left > 0" | bc) )) && sleep "$left"
kill -CONT "$rpid"
t1=$(now)
sleep 0.05
lock=$(redis-cli -p "$rport" --scan --pattern 'dirigo:session:lock:*' | head -1)
if [[ -n $lock ]]; then
  echo "lock TTL after SIGCONT: $(redis-cli -p "$rport" pttl "$lock") ms"
else
  echo "lock TTL after SIGCONT: no lock"
fi
for i in $(seq 1 120); do
  t=$(echo "$(now) - $t1" | bc)
  out=$(req counter)
  printf 'request sent %4.1fs after SIGCONT: %s\n' "$t" "$out"
  [[ $out == 200* ]] && break
  sleep 0.2
done
wait "${pids[@]}"
