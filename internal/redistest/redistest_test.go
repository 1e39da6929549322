package redistest_test

import (
	"testing"

	"github.com/dirigo/dirigo/internal/redistest"
)

func TestKillRestart(t *testing.T) {
	s := redistest.Start(t)
	if s.URL() != "redis://"+s.Addr+"/0" {
		t.Fatalf("URL = %q", s.URL())
	}
	if err := s.Ping(); err != nil {
		t.Fatalf("PING after Start: %v", err)
	}
	s.Kill()
	if err := s.Ping(); err == nil {
		t.Fatal("PING answered after Kill")
	}
	s.Kill() // killing a stopped server is a no-op
	s.Restart()
	if err := s.Ping(); err != nil {
		t.Fatalf("PING after Restart: %v", err)
	}
}
