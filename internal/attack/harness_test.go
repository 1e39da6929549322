package attack

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/dirigo/dirigo/modules/moduletest"
)

var soak = flag.Duration("soak", 0, "run TestLoadSoak this long (default: a short run of a few seconds)")

// serve starts an in-process server over files (path → content).
func serve(t testing.TB, files map[string]string, opts moduletest.Options) *moduletest.Server {
	t.Helper()
	return moduletest.New(t, files, opts)
}

// plainClient is a client without a cookie jar that does not follow
// redirects; each test that needs a session carries its cookie itself.
func plainClient() *http.Client {
	return &http.Client{
		Timeout:       20 * time.Second,
		Transport:     &http.Transport{MaxIdleConnsPerHost: 256, DisableCompression: true},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// result is one answer as a test looks at it.
type result struct {
	code   int
	body   string
	header http.Header
	err    error
}

// do sends req and reads the whole answer.
func do(c *http.Client, req *http.Request) result {
	resp, err := c.Do(req)
	if err != nil {
		return result{err: err}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return result{code: resp.StatusCode, body: string(b), header: resp.Header, err: err}
}

// fetch sends GET url with the cookie header given ("" for none).
func fetch(c *http.Client, url, cookie string) result {
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		return result{err: err}
	}
	if cookie != "" {
		req.Header.Set("Cookie", cookie)
	}
	return do(c, req)
}

// sessionCookie returns the "name=value" of the session cookie an answer
// sets, or "" (an expired, empty one included).
func sessionCookie(h http.Header) string {
	for _, sc := range h.Values("Set-Cookie") {
		nv, _, _ := strings.Cut(sc, ";")
		name, value, _ := strings.Cut(nv, "=")
		if (name == "sid" || name == "__Host-sid") && value != "" {
			return nv
		}
	}
	return ""
}

// raw sends data on a new connection to addr (host:port) and returns what
// comes back until the server closes the connection or 10 s pass.
func raw(addr string, data []byte) (string, error) {
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return "", err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := c.Write(data); err != nil {
		return "", err
	}
	out, err := io.ReadAll(c)
	return string(out), err
}

// statusOf returns the status code of a raw HTTP/1.1 answer, or 0.
func statusOf(answer string) int {
	line, _, _ := strings.Cut(answer, "\r\n")
	f := strings.Fields(line)
	if len(f) < 2 || !strings.HasPrefix(f[0], "HTTP/1.") {
		return 0
	}
	n, _ := strconv.Atoi(f[1])
	return n
}

// writeFiles writes files (path → content) under dir.
func writeFiles(t testing.TB, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		moduletest.WriteFile(t, dir, name, content)
	}
}

// --- the dirigo binary ---

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// binary builds cmd/dirigo once per test run; process tests are skipped
// with -short.
func binary(t testing.TB) string {
	t.Helper()
	if testing.Short() {
		t.Skip("process tests build the binary; skipped with -short")
	}
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "dirigo-attack")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "dirigo")
		out, err := exec.Command("go", "build", "-o", binPath, "github.com/dirigo/dirigo/cmd/dirigo").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// proc is a running dirigo process.
type proc struct {
	cmd  *exec.Cmd
	addr string // host:port
	url  string
	logs *syncBuffer
	done chan struct{}
}

var listening = regexp.MustCompile(`msg=listening addr=(\S+)`)

// startProc starts dirigo serve on a free port with args and waits until it
// listens; the process is killed when the test ends.
func startProc(t testing.TB, args ...string) *proc {
	t.Helper()
	return startCmd(t, exec.Command(binary(t), append([]string{"serve", "--addr", "127.0.0.1:0"}, args...)...))
}

// startCmd starts cmd (a dirigo serve, possibly wrapped) and waits until it
// listens.
func startCmd(t testing.TB, cmd *exec.Cmd) *proc {
	t.Helper()
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	p := &proc{cmd: cmd, logs: &syncBuffer{}, done: make(chan struct{})}
	addr := make(chan string, 1)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64<<10), 4<<20)
		for sc.Scan() {
			line := sc.Text()
			p.logs.Write([]byte(line + "\n"))
			if m := listening.FindStringSubmatch(line); m != nil {
				select {
				case addr <- m[1]:
				default:
				}
			}
		}
		_, _ = io.Copy(io.Discard, stderr)
	}()
	go func() { _ = cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-p.done
		if t.Failed() {
			log := p.logs.String()
			if len(log) > 20000 {
				log = "…" + log[len(log)-20000:]
			}
			t.Logf("dirigo %v log:\n%s", cmd.Args, log)
		}
	})
	select {
	case a := <-addr:
		p.addr = a
		p.url = "http://" + a
	case <-p.done:
		t.Fatalf("dirigo exited at start:\n%s", p.logs.String())
	case <-time.After(30 * time.Second):
		t.Fatalf("dirigo did not listen:\n%s", p.logs.String())
	}
	return p
}

// term sends SIGTERM and waits (20 s at most) for a clean exit.
func (p *proc) term(t testing.TB) {
	t.Helper()
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(20 * time.Second):
		t.Fatal("dirigo did not stop on SIGTERM")
	}
	if code := p.cmd.ProcessState.ExitCode(); code != 0 {
		t.Fatalf("exit code %d after SIGTERM", code)
	}
}

// rss returns the resident set size of the process in bytes (Linux; 0
// elsewhere).
func (p *proc) rss() int64 { return rssOf(p.cmd.Process.Pid) }

func rssOf(pid int) int64 {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// metric returns the value of the first sample of the Prometheus metric
// whose line starts with series (name and labels), or -1.
func metric(c *http.Client, base, series string) float64 {
	r := fetch(c, base+"/_dirigo/metrics", "")
	if r.err != nil || r.code != 200 {
		return -1
	}
	for _, line := range strings.Split(r.body, "\n") {
		if rest, ok := strings.CutPrefix(line, series+" "); ok {
			v, err := strconv.ParseFloat(strings.TrimSpace(rest), 64)
			if err == nil {
				return v
			}
		}
	}
	return -1
}

// syncBuffer is a bytes.Buffer safe for concurrent use.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.b.Len() > 8<<20 { // a long soak: keep the last few MiB
		tail := append([]byte(nil), b.b.Bytes()[b.b.Len()-4<<20:]...)
		b.b.Reset()
		b.b.Write(tail)
	}
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// isReset reports whether err is what a client sees of an aborted answer.
func isReset(err error) bool {
	return err != nil && (errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET) ||
		strings.Contains(err.Error(), "unexpected EOF") || strings.Contains(err.Error(), "connection reset"))
}
