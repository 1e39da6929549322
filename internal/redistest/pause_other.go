//go:build !unix

package redistest

// Pause skips the test: stopping a process needs SIGSTOP.
func (s *Server) Pause() {
	s.t.Helper()
	s.t.Skip("redistest: Pause needs SIGSTOP (unix)")
}

// Resume does nothing: Pause never stops the server here.
func (s *Server) Resume() {}
