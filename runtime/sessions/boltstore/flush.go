package boltstore

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// A commit is one flush as writers see it: done is closed once the flush
// that took their changes has ended, with err its result.
type commit struct {
	done chan struct{}
	err  error
}

func newCommit() *commit { return &commit{done: make(chan struct{})} }

// flusher writes pending changes every Interval, when kicked and when the
// store closes. It is the only goroutine that writes records to the file.
func (s *Store) flusher() {
	defer close(s.done)
	t := time.NewTicker(s.cfg.Interval)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			s.last = s.flush()
			return
		case <-t.C:
			_ = s.flush()
		case <-s.kick:
			_ = s.flush()
		}
	}
}

// flushSoon asks the flusher for a flush without waiting for it.
func (s *Store) flushSoon() {
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

// wait waits for c, the commit of a change, or for ctx.
func (s *Store) wait(ctx context.Context, c *commit) error {
	select {
	case <-c.done:
		return c.err
	case <-ctx.Done():
		return fmt.Errorf("waiting for the session commit: %w", context.Cause(ctx))
	}
}

// A taken entry is a pending change a flush took from its shard.
type taken struct {
	key string
	e   *entry
}

// flush writes every pending change in one transaction and completes the
// commit that waited for them. After a failure the changes stay pending
// and go into the next flush.
func (s *Store) flush() error {
	var all [nShards][]taken
	total := 0
	s.gate.Lock()
	c := s.pending
	s.pending = newCommit()
	for i := range s.shards {
		sh := &s.shards[i]
		sh.mu.Lock()
		for k, e := range sh.dirty {
			all[i] = append(all[i], taken{k, e})
		}
		total += len(sh.dirty)
		clear(sh.dirty)
		sh.mu.Unlock()
	}
	s.gate.Unlock()
	if total == 0 {
		s.setFailed(nil)
		close(c.done)
		return nil
	}

	ws := make([]write, 0, total)
	for _, ts := range all {
		for _, t := range ts {
			w := write{key: t.key, rec: t.e.rec}
			if w.rec != nil {
				w.data = encodeRecord(w.rec)
				w.exp, w.hasExp = expiryMicros(w.rec.Meta)
			}
			ws = append(ws, w)
		}
	}
	// bbolt writes keys in order fastest.
	slices.SortFunc(ws, func(a, b write) int { return strings.Compare(a.key, b.key) })
	err := s.store(ws)
	if err != nil {
		err = fmt.Errorf("writing sessions to %s: %w", s.cfg.Path, err)
	}

	for i, ts := range all {
		if len(ts) == 0 {
			continue
		}
		sh := &s.shards[i]
		sh.mu.Lock()
		for _, t := range ts {
			if err == nil {
				sh.written(t.key, t.e)
			} else {
				sh.unwritten(t.key, t.e)
			}
		}
		sh.mu.Unlock()
	}
	if err == nil {
		s.measure()
	}
	s.setFailed(err)
	c.err = err
	close(c.done)
	return err
}

// setFailed records the result of a flush, logging when the file starts
// failing and when it works again.
func (s *Store) setFailed(err error) {
	if err == nil {
		if s.failed.Swap(nil) != nil {
			s.log.Info("session store writes again", "path", s.cfg.Path)
		}
		return
	}
	if s.failed.Swap(&err) == nil {
		s.log.Error("session store write failed; retrying every interval", "path", s.cfg.Path, "err", err)
	}
}
