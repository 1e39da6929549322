#!/usr/bin/env bash
# Start-up to first served request: the time from the exec of the dirigo
# binary until GET /hello first answers 200, over many starts:
#
#   bench/startup.sh                       # builds ./cmd/dirigo
#   STARTS=20 STORES='memory bolt' bench/startup.sh
#   BIN=/tmp/dirigo-old DATA=fresh bench/startup.sh
#
# A small Go program (built into a temp dir, standard library only) picks a
# free loopback port, starts the binary with --scripts the harness's
# sut-scripts (HARNESS, default ../shared/bench), --sessions STORE and a
# --data folder, and polls GET /hello with no pause but a 100 µs sleep after
# each refused connection; the clock starts right before fork/exec. Then it
# stops the server with SIGTERM and waits for it before the next start.
#   STARTS  starts per store [15]
#   STORES  session stores [memory bolt] (bolt is dirigo's default)
#   DATA    kept (one --data folder per store, created by an unmeasured
#           first start, as on a restart) or fresh (an empty folder every
#           start: the cookie keys and the bolt file are created) [kept]
#   POOL    --pool (empty: dirigo's default)
# It prints every start in ms, then the median, min and max per store, and,
# from one more start with GODEBUG=inittrace=1, the package init time of the
# binary (sum and the costliest packages).
set -euo pipefail
cd "$(dirname "$0")/.."
HARNESS=${HARNESS:-../shared/bench}
[[ -d $HARNESS ]] || HARNESS=../../shared/bench
STARTS=${STARTS:-15}
STORES=${STORES:-memory bolt}
DATA=${DATA:-kept}
POOL=${POOL:-}
[[ -d $HARNESS/sut-scripts ]] || { echo "no harness at $HARNESS (set HARNESS)" >&2; exit 2; }
scripts=$(cd "$HARNESS/sut-scripts" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if [[ -z ${BIN:-} ]]; then
  BIN=$tmp/dirigo
  go build -o "$BIN" ./cmd/dirigo
fi
mkdir -p "$tmp/probe"
cat >"$tmp/probe/main.go" <<'GO'
// probe starts a server N times and measures exec → first 200 on /hello.
// Usage: probe N DATAMODE DATADIR binary args... ("{PORT}" and "{DATA}" in
// args are replaced).
package main

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func freePort() string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	defer l.Close()
	return strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
}

func start(bin string, args []string, data string) (time.Duration, error) {
	port := freePort()
	a := make([]string, len(args))
	for i, s := range args {
		s = strings.ReplaceAll(s, "{PORT}", port)
		a[i] = strings.ReplaceAll(s, "{DATA}", data)
	}
	url := "http://127.0.0.1:" + port + "/hello"
	tr := &http.Transport{DisableKeepAlives: true}
	c := &http.Client{Transport: tr, Timeout: 5 * time.Second}
	cmd := exec.Command(bin, a...)
	log, _ := os.Create(filepath.Join(os.TempDir(), "probe-server.log"))
	cmd.Stdout, cmd.Stderr = log, log
	defer log.Close()
	t0 := time.Now()
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	defer func() {
		cmd.Process.Signal(syscall.SIGTERM)
		cmd.Wait()
	}()
	for time.Since(t0) < 30*time.Second {
		resp, err := c.Get(url)
		if err != nil {
			time.Sleep(100 * time.Microsecond)
			continue
		}
		resp.Body.Close()
		if resp.StatusCode == 200 {
			return time.Since(t0), nil
		}
	}
	return 0, fmt.Errorf("no 200 from %s within 30 s", url)
}

func main() {
	n, _ := strconv.Atoi(os.Args[1])
	mode, dir, bin, args := os.Args[2], os.Args[3], os.Args[4], os.Args[5:]
	var ms []float64
	for i := 0; i < n; i++ {
		data := dir
		if mode == "fresh" {
			data = filepath.Join(dir, strconv.Itoa(i))
		}
		d, err := start(bin, args, data)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		ms = append(ms, float64(d.Microseconds())/1000)
		fmt.Printf("%.1f ", ms[len(ms)-1])
	}
	sort.Float64s(ms)
	fmt.Printf("\nmedian %.1f ms, min %.1f, max %.1f (%d starts)\n", ms[len(ms)/2], ms[0], ms[len(ms)-1], len(ms))
}
GO
(cd "$tmp/probe" && go mod init probe >/dev/null 2>&1 && go build -o "$tmp/probe/probe" .)
args=(--addr '127.0.0.1:{PORT}' --scripts "$scripts" --data '{DATA}' --log-level warn)
[[ -n $POOL ]] && args+=(--pool "$POOL")
echo "load: $(uptime | sed 's/.*load average: //'); $(nproc) cores; $BIN; data $DATA" >&2
for store in $STORES; do
  mkdir -p "$tmp/data-$store"
  if [[ $DATA == kept ]]; then # the unmeasured first start creates the keys (and the bolt file)
    TMPDIR=$tmp "$tmp/probe/probe" 1 kept "$tmp/data-$store" "$BIN" "${args[@]}" --sessions "$store" >/dev/null
  fi
  echo "$store:"
  TMPDIR=$tmp "$tmp/probe/probe" "$STARTS" "$DATA" "$tmp/data-$store" "$BIN" "${args[@]}" --sessions "$store"
done
# package init: GODEBUG=inittrace=1 prints one line per package on stderr
# ("init PKG @T ms, C ms clock, B bytes, A allocs"); the server is stopped
# once it has printed them (they all come before main).
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
GODEBUG=inittrace=1 "$BIN" --addr "127.0.0.1:$port" --scripts "$scripts" --sessions memory --data "$tmp/data-init" \
  --log-level warn 2>"$tmp/inittrace" &
ipid=$!
for _ in $(seq 1 200); do curl -s -o /dev/null "http://127.0.0.1:$port/hello" && break; sleep 0.05; done
kill "$ipid"; wait "$ipid" 2>/dev/null || true
echo "package init (GODEBUG=inittrace=1, one start):"
awk '$1 == "init" { n++; t += $5; printf "%s\t%s\n", $5, $2 } END { printf "%.2f\tTOTAL (%d packages; last init ends at %s ms)\n", t, n, last }
     $1 == "init" { last = substr($3, 2) }' "$tmp/inittrace" | sort -rn | head -8
