package boltstore_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dirigo/dirigo/runtime/sessions"
	"github.com/dirigo/dirigo/runtime/sessions/boltstore"
)

// The crash test runs a writer in a child process (this test binary, in
// TestHelperProcess), kills it with SIGKILL and checks the file.
const (
	envPath     = "BOLTSTORE_CRASH_PATH"
	envMode     = "BOLTSTORE_CRASH_MODE"
	crashIvl    = 100 * time.Millisecond
	crashSlack  = 400 * time.Millisecond
	crashWriter = 8
)

// TestHelperProcess is the child of TestKill: it writes sessions with
// crashWriter goroutines and prints "ack KEY N UNIXNANO" after each write
// returned, until it is killed.
func TestHelperProcess(t *testing.T) {
	path := os.Getenv(envPath)
	if path == "" {
		t.Skip("the child process of TestKill")
	}
	mode, _ := strconv.Atoi(os.Getenv(envMode))
	s, err := boltstore.Open(boltstore.Config{Path: path, Sync: boltstore.SyncMode(mode), Interval: crashIvl, Logger: quiet()})
	if err != nil {
		fmt.Println("open:", err)
		os.Exit(2)
	}
	var mu sync.Mutex
	ack := func(key string, n int) {
		line := fmt.Sprintf("ack %s %d %d\n", key, n, time.Now().UnixNano())
		mu.Lock()
		defer mu.Unlock()
		if _, err := os.Stdout.WriteString(line); err != nil {
			os.Exit(3)
		}
	}
	ctx := context.Background()
	for w := range crashWriter {
		go func() {
			for gen := 0; ; gen++ {
				// A new session every 100 writes: Creates are checked too.
				key := fmt.Sprintf("crash-%d-%d", w, gen)
				now := time.Now()
				m := sessions.Meta{Created: now, Accessed: now, MaxIdle: time.Hour}
				if err := s.Create(ctx, key, &sessions.Record{Meta: m, Attrs: map[string]sessions.Attr{"n": attr(1, "0")}}); err != nil {
					fmt.Println("create:", err)
					os.Exit(4)
				}
				ack(key, 0)
				for n := 1; n < 100; n++ {
					m.Accessed = time.Now()
					if err := s.Update(ctx, key, &sessions.Change{Meta: m, Set: map[string]sessions.Attr{"n": attr(1, strconv.Itoa(n))}}); err != nil {
						fmt.Println("update:", err)
						os.Exit(5)
					}
					ack(key, n)
				}
			}
		}()
	}
	select {}
}

type ackLine struct {
	n  int
	at time.Time
}

// TestKill kills a writing child process with SIGKILL and reopens its file.
// In SyncAlways mode every acknowledged write is in the file; in
// SyncInterval mode those acknowledged more than Interval (plus slack for
// the commit and the scheduler) before the kill are.
func TestKill(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a child process")
	}
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "sessions.db")
			cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$", "-test.count=1")
			cmd.Env = append(os.Environ(), envPath+"="+path, envMode+"="+strconv.Itoa(int(m.sync)))
			cmd.Stderr = os.Stderr
			out, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })

			acks := map[string][]ackLine{} // per key, in order
			total := 0
			first := make(chan struct{})
			read := make(chan error)
			go func() {
				sc := bufio.NewScanner(out)
				for sc.Scan() {
					f := strings.Fields(sc.Text())
					if len(f) != 4 || f[0] != "ack" {
						read <- fmt.Errorf("child: %s", sc.Text())
						return
					}
					n, _ := strconv.Atoi(f[2])
					ns, _ := strconv.ParseInt(f[3], 10, 64)
					acks[f[1]] = append(acks[f[1]], ackLine{n, time.Unix(0, ns)})
					if total++; total == 1 {
						close(first)
					}
				}
				read <- sc.Err()
			}()
			select {
			case <-first:
			case err := <-read:
				t.Fatalf("child ended before writing: %v", err)
			case <-time.After(10 * time.Second):
				t.Fatal("child wrote nothing in 10s")
			}
			time.Sleep(time.Second)
			killed := time.Now()
			if err := cmd.Process.Kill(); err != nil {
				t.Fatal(err)
			}
			if err := <-read; err != nil {
				t.Fatal(err)
			}
			_ = cmd.Wait()

			s := open(t, boltstore.Config{Path: path, Now: func() time.Time { return killed }})
			cutoff := killed.Add(-crashIvl - crashSlack)
			var window time.Duration // how long before the kill the oldest lost write was acknowledged
			lost := 0
			for key, as := range acks {
				stored := -1
				if rec, err := s.Load(context.Background(), key); err == nil {
					stored, _ = strconv.Atoi(string(rec.Attrs["n"].Value))
				}
				if last := as[len(as)-1].n; stored > last+1 {
					t.Fatalf("%s: stored %d, but the last write acknowledged was %d", key, stored, last)
				}
				for _, a := range as {
					if a.n <= stored {
						continue
					}
					lost++
					window = max(window, killed.Sub(a.at))
					if m.sync == boltstore.SyncAlways || a.at.Before(cutoff) {
						t.Errorf("%s: write %d acknowledged %v before the kill is lost (stored: %d)", key, a.n, killed.Sub(a.at), stored)
					}
				}
			}
			t.Logf("%d writes acknowledged in %d sessions; %d lost, the oldest acknowledged %v before the kill",
				total, len(acks), lost, window)
		})
	}
}
