#!/usr/bin/env bash
# Memory of many live sessions in the memory store: creates N sessions with
# GET /counter and no cookie, then reads the server's memory from /proc:
#
#   bench/sessions-rss.sh                  # builds ./cmd/dirigo; N=100000
#   N=20000 CONC=8 bench/sessions-rss.sh
#   BIN=/tmp/dirigo-old bench/sessions-rss.sh
#
# dirigo runs with --sessions memory (--session-max left at its default),
# --access-log off, on a free loopback port, serving the harness's
# sut-scripts (HARNESS, default ../shared/bench). A small Go program (built
# into a temp dir, standard library only) sends the requests from CONC [16]
# keep-alive connections and keeps every 1000th cookie. VmRSS, VmHWM,
# RssAnon and RssFile are read after 200 warm-up requests (the baseline)
# and after the N sessions; "per session" is the RssAnon delta / N. Then
# the kept cookies are each sent once more: every one must answer 2 (the
# session exists and kept its count; 1 would mean a new session), and
# /_dirigo/metrics gives dirigo_sessions_created_total and _expired_total
# and the Go heap (live bytes after the last collection, the collector's
# next target), to tell live session data from garbage not yet collected.
#   PPROF=1  build with -tags pprof and print the top of the in-use heap
#            profile (taken after a forced collection) once the sessions exist
set -euo pipefail
cd "$(dirname "$0")/.."
HARNESS=${HARNESS:-../shared/bench}
[[ -d $HARNESS ]] || HARNESS=../../shared/bench
N=${N:-100000}
CONC=${CONC:-16}
[[ -d $HARNESS/sut-scripts ]] || { echo "no harness at $HARNESS (set HARNESS)" >&2; exit 2; }
tmp=$(mktemp -d)
dpid=
cleanup() {
  [[ -n $dpid ]] && kill "$dpid" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT
pport=
if [[ ${PPROF:-} == 1 ]]; then
  BIN=$tmp/dirigo
  go build -tags pprof -o "$BIN" ./cmd/dirigo
  pport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
elif [[ -z ${BIN:-} ]]; then
  BIN=$tmp/dirigo
  go build -o "$BIN" ./cmd/dirigo
fi
mkdir -p "$tmp/load"
cat >"$tmp/load/main.go" <<'GO'
// load sends N cookie-less GET URL from CONC connections and prints every
// 1000th Set-Cookie (name=value), one per line. With -check it sends each
// cookie read from stdin once and counts the answers that are exactly want.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
)

func main() {
	n := flag.Int("n", 100000, "requests")
	conc := flag.Int("c", 16, "connections")
	check := flag.String("check", "", "send the cookies on stdin, count answers equal to this")
	flag.Parse()
	url := flag.Arg(0)
	tr := &http.Transport{MaxIdleConnsPerHost: *conc}
	c := &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	if *check != "" {
		sc := bufio.NewScanner(os.Stdin)
		ok, total := 0, 0
		for sc.Scan() {
			req, _ := http.NewRequest("GET", url, nil)
			req.Header.Set("Cookie", sc.Text())
			resp, err := c.Do(req)
			total++
			if err != nil {
				continue
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if strings.TrimSpace(string(b)) == *check {
				ok++
			}
		}
		fmt.Printf("%d/%d kept sessions answered %s\n", ok, total, *check)
		return
	}
	var next, failed atomic.Int64
	var mu sync.Mutex
	var wg sync.WaitGroup
	out := bufio.NewWriter(os.Stdout)
	for w := 0; w < *conc; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1) - 1
				if i >= int64(*n) {
					return
				}
				resp, err := c.Get(url)
				if err != nil {
					failed.Add(1)
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 || len(resp.Cookies()) == 0 {
					failed.Add(1)
					continue
				}
				if i%1000 == 0 {
					ck := resp.Cookies()[0]
					mu.Lock()
					fmt.Fprintf(out, "%s=%s\n", ck.Name, ck.Value)
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	out.Flush()
	if f := failed.Load(); f > 0 {
		fmt.Fprintf(os.Stderr, "%d requests failed or set no cookie\n", f)
		os.Exit(1)
	}
}
GO
(cd "$tmp/load" && go mod init load >/dev/null 2>&1 && go build -o "$tmp/load/load" .)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
DIRIGO_PPROF=${pport:+127.0.0.1:$pport} "$BIN" --addr "127.0.0.1:$port" --scripts "$(cd "$HARNESS/sut-scripts" && pwd)" --sessions memory \
  --data "$tmp/data" --log-level warn --access-log off >"$tmp/dirigo.log" 2>&1 &
dpid=$!
url=http://127.0.0.1:$port
for _ in $(seq 1 200); do curl -s -o /dev/null "$url/hello" && break; sleep 0.05; done
mem() { awk '/^(VmRSS|VmHWM|RssAnon|RssFile):/ { printf "%s %.1f MiB  ", $1, $2 / 1024 }' "/proc/$dpid/status"; echo; }
anon() { awk '$1 == "RssAnon:" { print $2 }' "/proc/$dpid/status"; }
"$tmp/load/load" -n 200 -c 4 "$url/hello" >/dev/null 2>&1 || true
for _ in $(seq 1 200); do curl -s -o /dev/null "$url/hello"; done
echo "load: $(uptime | sed 's/.*load average: //'); $(nproc) cores; $BIN"
echo "baseline (after 200 requests to /hello):"
echo "  $(mem)"
a0=$(anon)
t0=$(date +%s.%N)
"$tmp/load/load" -n "$N" -c "$CONC" "$url/counter" >"$tmp/cookies"
t1=$(date +%s.%N)
echo "after $N sessions ($(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f s", b - a }')):"
echo "  $(mem)"
a1=$(anon)
awk -v a="$a0" -v b="$a1" -v n="$N" 'BEGIN { printf "RssAnon delta %.1f MiB: %.0f bytes per session\n", (b - a) / 1024, (b - a) * 1024 / n }'
"$tmp/load/load" -check 2 "$url/counter" <"$tmp/cookies"
curl -s "$url/_dirigo/metrics" | grep -E '^dirigo_sessions_(created|expired)_total' || echo "(no session metrics at /_dirigo/metrics)"
curl -s "$url/_dirigo/metrics" | awk '$1 ~ /^go_memstats_(heap_alloc|heap_inuse|heap_idle|heap_released|next_gc)_bytes$/ { printf "%s %.1f MiB\n", $1, $2 / 1048576 }'
if [[ -n $pport ]]; then
  curl -s -o "$tmp/heap.prof" "http://127.0.0.1:$pport/debug/pprof/heap?gc=1"
  go tool pprof -sample_index=inuse_space -top -nodecount=15 "$BIN" "$tmp/heap.prof" 2>/dev/null | tail -n +4
  echo "RSS after the forced collection: $(mem)"
fi
echo "load after: $(uptime | sed 's/.*load average: //')"
