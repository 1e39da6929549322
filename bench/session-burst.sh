#!/usr/bin/env bash
# Measures whether one session's burst starves other users of VMs:
#
#   bench/session-burst.sh                 # builds ./cmd/dirigo
#   BIN=/tmp/dirigo-old bench/session-burst.sh
#
# dirigo runs with --pool 4 and the memory store. One client sends 8
# parallel requests of its session that each hold the session for 3 s; a
# second later 10 other clients (no cookie) send one request each, in
# parallel. It prints the status and time of every request.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
cleanup() {
  [[ -n ${dpid:-} ]] && kill "$dpid" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT
if [[ -z ${BIN:-} ]]; then
  BIN=$tmp/dirigo
  go build -o "$BIN" ./cmd/dirigo
fi
mkdir -p "$tmp/scripts"
cat >"$tmp/scripts/slow.js" <<'JS'
var s = require("http/session");
s.setAttribute("n", (s.getAttribute("n") || 0) + 1);
setTimeout(function () { require("http/response").print("slow"); }, 3000);
JS
echo 'require("http/response").print("hello");' >"$tmp/scripts/hello.js"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$BIN" --addr "127.0.0.1:$port" --scripts "$tmp/scripts" --data "$tmp/data" --sessions memory --pool 4 \
  --log-level error >"$tmp/dirigo.log" 2>&1 &
dpid=$!
url=http://127.0.0.1:$port
until curl -s -o /dev/null "$url/hello"; do sleep 0.05; done
curl -s -c "$tmp/jar" -o /dev/null "$url/slow"

pids=()
for i in $(seq 8); do
  curl -s -b "$tmp/jar" -o /dev/null -w '%{http_code} %{time_total}s\n' "$url/slow" >"$tmp/burst$i" &
  pids+=($!)
done
sleep 1
for i in $(seq 10); do
  curl -s -o /dev/null -w '%{http_code} %{time_total}s\n' "$url/hello" &
done | sort -k2 -n | sed 's/^/other user: /'
wait "${pids[@]}"
cat "$tmp"/burst* | sort -k2 -n | sed 's/^/session burst: /'
