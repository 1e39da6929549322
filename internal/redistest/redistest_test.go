package redistest_test

import (
	"testing"
	"time"

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

func TestPauseResume(t *testing.T) {
	s := redistest.Start(t)
	s.Pause()
	if err := s.Ping(); err == nil {
		t.Fatal("PING answered while paused")
	}
	s.Resume()
	deadline := time.Now().Add(10 * time.Second)
	for s.Ping() != nil {
		if time.Now().After(deadline) {
			t.Fatal("no PING answer 10s after Resume")
		}
		time.Sleep(10 * time.Millisecond)
	}
	s.Pause() // left paused: the cleanup still stops it
}
