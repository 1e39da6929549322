//go:build unix

package redistest

import "syscall"

// Pause stops the server with SIGSTOP, like a stall (a stopped VM, a
// machine swapping): it keeps its connections and data, the kernel still
// accepts connections and buffers what clients send, but it answers nothing
// until Resume, which runs what was sent meanwhile. A paused server is
// killed normally when the test ends. Pause does nothing if the server is
// not running.
func (s *Server) Pause() { s.signal(syscall.SIGSTOP) }

// Resume continues a paused server (SIGCONT).
func (s *Server) Resume() { s.signal(syscall.SIGCONT) }

func (s *Server) signal(sig syscall.Signal) {
	s.t.Helper()
	s.mu.Lock()
	p := s.proc
	s.mu.Unlock()
	if p == nil {
		return
	}
	if err := p.cmd.Process.Signal(sig); err != nil {
		s.t.Fatalf("redistest: sending %v to redis-server: %v", sig, err)
	}
}
