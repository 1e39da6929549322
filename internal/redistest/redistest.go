// Package redistest starts throwaway redis-server processes for tests.
//
// Start runs the redis-server binary found on PATH on a free 127.0.0.1 port,
// without persistence (--save "" --appendonly no), waits until it answers
// PING and stops it when the test ends:
//
//	func TestSomething(t *testing.T) {
//		srv := redistest.Start(t)
//		store, err := redisstore.Open(redisstore.Config{URL: srv.URL()})
//		...
//	}
//
// Kill and Restart simulate an outage, Pause and Resume a stall (SIGSTOP,
// SIGCONT).
//
// When redis-server is not on PATH, Start skips the test, unless the
// environment variable CI is "true": then the test fails, so a CI machine
// without Redis cannot pass by skipping every Redis test.
package redistest

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"testing"
	"time"
)

// startTimeout bounds how long Start and Restart wait for PING to answer.
const startTimeout = 10 * time.Second

// A Server is a running redis-server process owned by one test.
type Server struct {
	// Addr is the server's host:port (127.0.0.1 and a port picked by Start).
	Addr string

	t    testing.TB
	bin  string
	dir  string
	mu   sync.Mutex
	proc *process
}

// process is one run of redis-server.
type process struct {
	cmd  *exec.Cmd
	out  *syncBuffer
	done chan struct{} // closed when the process has exited
}

// Start starts a redis-server on a free local port and stops it in
// t.Cleanup. It skips the test when redis-server is not on PATH, or fails it
// when the environment variable CI is "true".
func Start(t testing.TB) *Server {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("redistest: redis-server is not on PATH (required when CI=true): %v", err)
		}
		t.Skipf("redistest: redis-server is not on PATH: %v", err)
	}
	s := &Server{t: t, bin: bin, dir: t.TempDir()}
	t.Cleanup(s.stop)
	// Another process may take the free port between picking and binding it:
	// try a few ports.
	var last error
	for range 3 {
		addr, err := freeAddr()
		if err != nil {
			t.Fatalf("redistest: finding a free port: %v", err)
		}
		s.Addr = addr
		if last = s.start(); last == nil {
			return s
		}
	}
	t.Fatalf("redistest: starting redis-server: %v", last)
	return nil
}

// URL returns the server's URL for database 0, like "redis://127.0.0.1:6379/0".
func (s *Server) URL() string { return "redis://" + s.Addr + "/0" }

// Kill stops the server with SIGKILL and waits until it has exited. Its data
// is lost. Kill does nothing if the server is not running.
func (s *Server) Kill() {
	s.t.Helper()
	s.mu.Lock()
	p := s.proc
	s.proc = nil
	s.mu.Unlock()
	if p != nil {
		p.kill()
	}
}

// Restart starts the server again, empty, on the same address, after Kill.
// A running server is killed first.
func (s *Server) Restart() {
	s.t.Helper()
	s.Kill()
	if err := s.start(); err != nil {
		s.t.Fatalf("redistest: restarting redis-server on %s: %v", s.Addr, err)
	}
}

// stop kills the server at the end of the test.
func (s *Server) stop() { s.Kill() }

// start runs redis-server on s.Addr and waits until it answers PING.
func (s *Server) start() error {
	_, port, err := net.SplitHostPort(s.Addr)
	if err != nil {
		return err
	}
	out := &syncBuffer{}
	cmd := exec.Command(s.bin,
		"--bind", "127.0.0.1",
		"--port", port,
		"--save", "",
		"--appendonly", "no",
		"--dir", s.dir,
		"--daemonize", "no",
		"--loglevel", "warning",
	)
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = sysProcAttr()
	if err := cmd.Start(); err != nil {
		return err
	}
	p := &process{cmd: cmd, out: out, done: make(chan struct{})}
	go func() {
		_ = cmd.Wait()
		close(p.done)
	}()
	if err := waitPing(s.Addr, p.done); err != nil {
		p.kill()
		return fmt.Errorf("%w; output:\n%s", err, out.String())
	}
	s.mu.Lock()
	s.proc = p
	s.mu.Unlock()
	return nil
}

// kill sends SIGKILL and waits for the exit.
func (p *process) kill() {
	_ = p.cmd.Process.Kill()
	<-p.done
}

// waitPing waits until a PING on addr answers PONG, the process exits or
// startTimeout passes.
func waitPing(addr string, exited <-chan struct{}) error {
	deadline := time.Now().Add(startTimeout)
	for {
		err := ping(addr)
		if err == nil {
			return nil
		}
		select {
		case <-exited:
			return fmt.Errorf("redis-server exited before answering PING (%v)", err)
		default:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("redis-server did not answer PING within %v: %w", startTimeout, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Ping reports whether the server answers PING (nil when it does).
func (s *Server) Ping() error { return ping(s.Addr) }

// ping sends an inline PING command and expects +PONG.
func ping(addr string) error {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(time.Second))
	if _, err := c.Write([]byte("PING\r\n")); err != nil {
		return err
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return err
	}
	if line != "+PONG\r\n" {
		return fmt.Errorf("PING answered %q", line)
	}
	return nil
}

// freeAddr returns a 127.0.0.1 address with a port that was free a moment ago.
func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return "127.0.0.1:" + strconv.Itoa(l.Addr().(*net.TCPAddr).Port), nil
}

// syncBuffer collects the output of redis-server for error messages.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}
