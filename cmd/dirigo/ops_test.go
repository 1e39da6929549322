package main

import (
	"bytes"
	"context"
	"flag"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// helloDir is a script root with hello.js and counter.js.
func helloDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for name, src := range map[string]string{
		"hello.js":   `require("http/response").print("Hello World")`,
		"counter.js": counterScript,
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// A first run that goes wrong says what to do, on one line.
func TestFirstRunErrors(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file.js")
	os.WriteFile(file, []byte("x"), 0o644)
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	_, busyPort, _ := net.SplitHostPort(busy.Addr().String())
	n, _ := strconv.Atoi(busyPort)
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"no script root", []string{"--scripts", "/no/such/scripts"}, []string{"no script root at /no/such/scripts", "mkdir -p /no/such/scripts", "--scripts"}},
		{"root is a file", []string{"--scripts", file}, []string{"is not a folder", "--scripts"}},
		{"port taken", []string{"--scripts", t.TempDir(), "--sessions", "memory", "--addr", busy.Addr().String()},
			[]string{"cannot listen on " + busy.Addr().String(), "already in use", "--addr 127.0.0.1:" + strconv.Itoa(n+1)}},
		{"bad proxy", []string{"--scripts", t.TempDir(), "--trusted-proxies", "10.0.0.0/8,proxy.local"}, []string{`--trusted-proxies: "proxy.local"`}},
		{"bad access log", []string{"--scripts", t.TempDir(), "--access-log", "apache"}, []string{`--access-log: "apache"`}},
		{"two key sources", []string{"--scripts", t.TempDir(), "--session-keys", "x", "--session-keys-file", "y"}, []string{"give one of them"}},
	}
	for _, tc := range tests {
		var stderr bytes.Buffer
		code, err := run(context.Background(), append([]string{"serve", "--data", t.TempDir()}, tc.args...), sys(nil, io.Discard, &stderr))
		if code == 0 || err == nil {
			t.Errorf("%s: exit %d, error %v", tc.name, code, err)
			continue
		}
		msg := err.Error()
		for _, w := range tc.want {
			if !strings.Contains(msg, w) {
				t.Errorf("%s: %q lacks %q", tc.name, msg, w)
			}
		}
		if strings.Contains(msg, "\n") {
			t.Errorf("%s: more than one line: %q", tc.name, msg)
		}
	}
}

// The first start says where it listens (a clickable URL), that it made the
// data folder and a cookie key, and where; the second start does not.
func TestFirstRunLog(t *testing.T) {
	data := filepath.Join(t.TempDir(), "new", "data")
	url, logs, stop := startServe(t, env(nil), "--scripts", helloDir(t), "--data", data)
	stop()
	port := url[strings.LastIndex(url, ":")+1:]
	for _, want := range []string{
		`msg="created the data folder" path=` + data + "\n",
		`msg="generated a cookie signing key" file=` + filepath.Join(data, "session-keys") + " ",
		"msg=listening addr=127.0.0.1:" + port + " url=http://localhost:" + port + "/ ",
		`note="this machine only; --addr :` + port + ` listens on every interface"`,
	} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, logs.String())
		}
	}
	_, logs, stop = startServe(t, env(nil), "--scripts", helloDir(t), "--data", data)
	stop()
	if strings.Contains(logs.String(), "created") || strings.Contains(logs.String(), "generated") {
		t.Errorf("a second start claims to create:\n%s", logs.String())
	}
	if f := newFlags(io.Discard); f.addr != "127.0.0.1:8080" {
		t.Errorf("default --addr %q", f.addr)
	}
}

// help lists the commands, every flag and its DIRIGO_ variable.
func TestHelp(t *testing.T) {
	for _, args := range [][]string{{"help"}, {"--help"}, {"-h"}} {
		var out bytes.Buffer
		if code, err := run(context.Background(), args, sys(nil, &out, io.Discard)); code != 0 || err != nil {
			t.Fatalf("%v: %d %v", args, code, err)
		}
		text := out.String()
		for _, want := range []string{"dirigo [serve] [flags]", "dirigo run [flags] FILE", "dirigo health", "dirigo version", "SIGHUP"} {
			if !strings.Contains(text, want) {
				t.Errorf("%v: help lacks %q:\n%s", args, want, text)
			}
		}
		newFlags(io.Discard).fs.VisitAll(func(fl *flag.Flag) {
			if !regexp.MustCompile(`(?m)^  --` + fl.Name + `\b.* ` + envName(fl.Name) + `$`).MatchString(text) {
				t.Errorf("%v: help lacks --%s with %s", args, fl.Name, envName(fl.Name))
			}
		})
	}
	var stderr bytes.Buffer
	if code, err := run(context.Background(), []string{"serve", "-h"}, sys(nil, io.Discard, &stderr)); code != 0 || err != nil || !strings.Contains(stderr.String(), "DIRIGO_ADDR") {
		t.Errorf("serve -h: %d %v %q", code, err, stderr.String())
	}
}

func TestVersion(t *testing.T) {
	for _, args := range [][]string{{"version"}, {"--version"}, {"serve", "--version"}} {
		var out bytes.Buffer
		if code, err := run(context.Background(), args, sys(nil, &out, io.Discard)); code != 0 || err != nil ||
			!regexp.MustCompile(`^dirigo \S+ \(revision \S+.*, go1\.\S+ \w+/\w+\)\n$`).MatchString(out.String()) {
			t.Errorf("%v: %d %v %q", args, code, err, out.String())
		}
	}
	vcs := func(kv ...string) []debug.BuildSetting {
		var s []debug.BuildSetting
		for i := 0; i < len(kv); i += 2 {
			s = append(s, debug.BuildSetting{Key: kv[i], Value: kv[i+1]})
		}
		return s
	}
	rev := "0123456789abcdef0123456789abcdef01234567"
	tests := []struct {
		name       string
		info       *debug.BuildInfo
		xv, xr     string
		want       build
		wantInLine string
	}{
		{"no build info", nil, "", "", build{Version: "devel", Revision: "unknown"}, "dirigo devel (revision unknown, go"},
		{"source tree without VCS (-buildvcs=false)", &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "(devel)"}},
			"", "", build{Version: "devel", Revision: "unknown", Go: "go1.26.8"}, "dirigo devel (revision unknown, go1.26.8 "},
		{"git checkout", &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "(devel)"},
			Settings: vcs("vcs", "git", "vcs.revision", rev, "vcs.time", "2026-11-02T10:00:00Z", "vcs.modified", "false")},
			"", "", build{Version: "devel", Revision: "0123456789ab", Time: "2026-11-02T10:00:00Z", Go: "go1.26.8"},
			"dirigo devel (revision 0123456789ab, 2026-11-02T10:00:00Z, go1.26.8 "},
		{"modified checkout", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: vcs("vcs.revision", rev, "vcs.modified", "true")},
			"", "", build{Version: "devel", Revision: "0123456789ab+dirty"}, "(revision 0123456789ab+dirty, "},
		{"go install of a tag", &debug.BuildInfo{Main: debug.Module{Version: "v1.4.0"}}, "", "", build{Version: "v1.4.0", Revision: "unknown"}, "dirigo v1.4.0 "},
		{"-ldflags -X", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}, "v2.0.0", rev, build{Version: "v2.0.0", Revision: "0123456789ab"}, "dirigo v2.0.0 (revision 0123456789ab, "},
	}
	for _, tc := range tests {
		got := buildOf(tc.info, tc.info != nil, tc.xv, tc.xr)
		if tc.want.Go == "" {
			tc.want.Go = got.Go
		}
		if got != tc.want {
			t.Errorf("%s: %+v, want %+v", tc.name, got, tc.want)
		}
		if line := versionLine(got); !strings.Contains(line, tc.wantInLine) {
			t.Errorf("%s: %q lacks %q", tc.name, line, tc.wantInLine)
		}
	}
}

func TestTrustedProxiesFlag(t *testing.T) {
	f := newFlags(io.Discard)
	if err := f.parse([]string{"--trusted-proxies", " 10.0.0.0/8, 192.168.1.7,::1 ,fd00::/8,10.1.2.3/16"}, env(nil)); err != nil {
		t.Fatal(err)
	}
	got, err := f.proxies()
	if err != nil {
		t.Fatal(err)
	}
	if s := strings.Trim(strings.Join(strings.Fields(strings.Trim(strings.ReplaceAll(fmtPrefixes(got), ",", " "), "[]")), " "), " "); s != "10.0.0.0/8 192.168.1.7/32 ::1/128 fd00::/8 10.1.0.0/16" {
		t.Errorf("parsed %s", s)
	}
}

func fmtPrefixes[T interface{ String() string }](ps []T) string {
	var s []string
	for _, p := range ps {
		s = append(s, p.String())
	}
	return strings.Join(s, " ")
}

// scrapeURL reads a metrics exposition with the Prometheus text parser.
func scrapeURL(t *testing.T, url string) map[string]*dto.MetricFamily {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("%s: %d", url, resp.StatusCode)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("%s: %v", url, err)
	}
	return fams
}

// metricValue is the value (a histogram's count) of the sample of name with
// labels (name, value pairs), or -1 when there is none.
func metricValue(fams map[string]*dto.MetricFamily, name string, labels ...string) float64 {
	f := fams[name]
	if f == nil {
		return -1
	}
next:
	for _, m := range f.GetMetric() {
		for i := 0; i+1 < len(labels); i += 2 {
			found := false
			for _, lp := range m.GetLabel() {
				found = found || lp.GetName() == labels[i] && lp.GetValue() == labels[i+1]
			}
			if !found {
				continue next
			}
		}
		switch {
		case m.Counter != nil:
			return m.Counter.GetValue()
		case m.Gauge != nil:
			return m.Gauge.GetValue()
		case m.Histogram != nil:
			return float64(m.Histogram.GetSampleCount())
		}
	}
	return -1
}

// The metrics on the main listener move as requests are served; the
// operator's endpoints are neither logged nor counted.
func TestMetricsEndpoint(t *testing.T) {
	url, logs, stop := startServe(t, env(nil), "--scripts", helloDir(t), "--sessions", "memory", "--data", t.TempDir(), "--pool", "3")
	defer stop()
	before := scrapeURL(t, url+"/_dirigo/metrics")
	c := newClient()
	for i := 0; i < 3; i++ {
		if code, _, err := c.get(url + "/hello"); err != nil || code != 200 {
			t.Fatal(code, err)
		}
	}
	mustCount(t, c, url)
	mustCount(t, c, url)
	c.get(url + "/missing")
	for _, p := range []string{"/_dirigo/healthz", "/_dirigo/readyz"} {
		if code, body, err := c.get(url + p); err != nil || code != 200 {
			t.Errorf("%s: %d %q %v", p, code, body, err)
		}
	}
	after := scrapeURL(t, url+"/_dirigo/metrics")
	for _, tc := range []struct {
		name   string
		labels []string
		delta  float64
	}{
		{"dirigo_http_requests_total", []string{"kind", "script", "status", "2xx"}, 5},
		{"dirigo_http_requests_total", []string{"kind", "none", "status", "4xx"}, 1},
		{"dirigo_http_request_duration_seconds", []string{"kind", "script"}, 5},
		{"dirigo_sessions_created_total", []string{"store", "memory"}, 1},
		{"dirigo_sessions_committed_total", []string{"store", "memory"}, 2},
		{"dirigo_session_store_duration_seconds", []string{"store", "memory", "op", "load"}, 1},
	} {
		b, a := metricValue(before, tc.name, tc.labels...), metricValue(after, tc.name, tc.labels...)
		if b < 0 || a-b != tc.delta {
			t.Errorf("%s%v: %v → %v, want +%v", tc.name, tc.labels, b, a, tc.delta)
		}
	}
	for _, tc := range []struct {
		name string
		want float64
	}{{"dirigo_pool_size", 3}, {"dirigo_pool_vms", 3}, {"dirigo_pool_vms_in_use", 0}, {"dirigo_build_info", 1}} {
		if got := metricValue(after, tc.name); got != tc.want {
			t.Errorf("%s = %v, want %v", tc.name, got, tc.want)
		}
	}
	for _, name := range []string{"go_goroutines", "process_resident_memory_bytes", "dirigo_script_errors_total", "dirigo_http_unavailable_total"} {
		if after[name] == nil {
			t.Errorf("no %s", name)
		}
	}
	if strings.Contains(logs.String(), "_dirigo") {
		t.Errorf("an operator's endpoint was logged:\n%s", logs.String())
	}
}

// With --admin-addr, the endpoints move there; on the main listener the
// prefix is the scripts' own (and "_" paths are never served).
func TestAdminAddr(t *testing.T) {
	url, logs, stop := startServe(t, env(nil), "--scripts", helloDir(t), "--sessions", "memory", "--data", t.TempDir(), "--admin-addr", "127.0.0.1:0")
	defer stop()
	m := regexp.MustCompile(`msg="admin endpoints" addr=(\S+)`).FindStringSubmatch(logs.String())
	if m == nil {
		t.Fatalf("no admin line:\n%s", logs.String())
	}
	admin := "http://" + m[1]
	c := newClient()
	for _, tc := range []struct {
		url  string
		code int
	}{
		{url + "/_dirigo/readyz", 404}, {url + "/_dirigo/metrics", 404}, {url + "/hello", 200},
		{admin + "/readyz", 200}, {admin + "/healthz", 200}, {admin + "/_dirigo/readyz", 200}, {admin + "/hello", 404},
	} {
		if code, _, err := c.get(tc.url); err != nil || code != tc.code {
			t.Errorf("%s: %d %v, want %d", tc.url, code, err, tc.code)
		}
	}
	if metricValue(scrapeURL(t, admin+"/metrics"), "dirigo_http_requests_total", "kind", "script", "status", "2xx") != 1 {
		t.Error("the admin metrics do not count the /hello request")
	}
	// `dirigo health` finds the admin listener from the same flags.
	var out bytes.Buffer
	if code, err := run(context.Background(), []string{"health", "--admin-addr", m[1]}, sys(nil, &out, io.Discard)); code != 0 || err != nil || out.String() != "ready\n" {
		t.Errorf("dirigo health: %d %v %q", code, err, out.String())
	}
}

// dirigo health exits 0 for a ready server and 1 otherwise, with the reason.
func TestHealthCommand(t *testing.T) {
	url, _, stop := startServe(t, env(nil), "--scripts", helloDir(t), "--sessions", "memory", "--data", t.TempDir())
	addr := strings.TrimPrefix(url, "http://")
	var out bytes.Buffer
	if code, err := run(context.Background(), []string{"health", "--addr", addr}, sys(nil, &out, io.Discard)); code != 0 || err != nil || out.String() != "ready\n" {
		t.Errorf("ready server: %d %v %q", code, err, out.String())
	}
	if code, err := run(context.Background(), []string{"health"}, sys(map[string]string{"DIRIGO_ADDR": addr}, io.Discard, io.Discard)); code != 0 || err != nil {
		t.Errorf("address from DIRIGO_ADDR: %d %v", code, err)
	}
	if code, err := run(context.Background(), []string{"health", url + "/_dirigo/nope"}, sys(nil, io.Discard, io.Discard)); code != 1 || err == nil || !strings.Contains(err.Error(), "404") {
		t.Errorf("a failing URL: %d %v", code, err)
	}
	stop()
	if code, err := run(context.Background(), []string{"health", "--addr", addr}, sys(nil, io.Discard, io.Discard)); code != 1 || err == nil || !strings.Contains(err.Error(), "not healthy") {
		t.Errorf("stopped server: %d %v", code, err)
	}
}

// --access-log picks the request log's format; --access-log-file its file.
func TestAccessLogFlags(t *testing.T) {
	dir := helloDir(t)
	for _, tc := range []struct {
		args []string
		want *regexp.Regexp
	}{
		{[]string{"--access-log", "combined"}, regexp.MustCompile(`(?m)^127\.0\.0\.1 - - \[\d\d/\w{3}/\d{4}:\d\d:\d\d:\d\d [-+]\d{4}\] "GET /hello\?x=1 HTTP/1\.1" 200 11 "-" "Go-http-client/1\.1"$`)},
		{[]string{"--log-format", "json"}, regexp.MustCompile(`"msg":"request","method":"GET","path":"/hello","status":200,"bytes":11,"duration":\d+,"request_id":"[^"]+","client":"127.0.0.1","query_len":3,`)},
		{[]string{"--access-log", "off"}, nil},
	} {
		url, logs, stop := startServe(t, env(nil), append([]string{"--scripts", dir, "--sessions", "memory", "--data", t.TempDir()}, tc.args...)...)
		if code, _, err := newClient().get(url + "/hello?x=1"); err != nil || code != 200 {
			t.Fatal(code, err)
		}
		stop()
		switch {
		case tc.want == nil && strings.Contains(logs.String(), "/hello"):
			t.Errorf("%v: request logged:\n%s", tc.args, logs.String())
		case tc.want != nil && !tc.want.MatchString(logs.String()):
			t.Errorf("%v: log lacks %s:\n%s", tc.args, tc.want, logs.String())
		}
	}
	file := filepath.Join(t.TempDir(), "access.log")
	url, logs, stop := startServe(t, env(nil), "--scripts", dir, "--sessions", "memory", "--data", t.TempDir(), "--access-log-file", file)
	newClient().get(url + "/hello")
	stop()
	data, _ := os.ReadFile(file)
	if !strings.Contains(string(data), "msg=request method=GET path=/hello status=200") || strings.Contains(logs.String(), "path=/hello") {
		t.Errorf("access file %q; log %q", data, logs.String())
	}
}

// A request log in its own file is written whatever the log's level.
func TestAccessLogFileIgnoresLevel(t *testing.T) {
	file := filepath.Join(t.TempDir(), "access.log")
	f := newFlags(io.Discard)
	if err := f.parse([]string{"--log-level", "warn", "--access-log-file", file}, env(nil)); err != nil {
		t.Fatal(err)
	}
	l, err := openLogs(f, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	l.access.LogAccess(accessEntry(nil))
	l.close()
	if data := readFile(t, file); !strings.Contains(data, "msg=request method=GET path=/hello") {
		t.Errorf("access file: %q", data)
	}
}
