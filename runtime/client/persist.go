package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"time"
)

// storeCall runs f with the store timeout and wraps a failure other than
// ErrNotFound as KindStore.
func (c *Client) storeCall(ctx context.Context, f func(ctx context.Context) ([]byte, error)) ([]byte, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.cfg.StoreTimeout)
	defer cancel()
	data, err := f(ctx)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return nil, newError(KindStore, CodeUnknown, "", fmt.Errorf("client session store: %w", err))
	}
	return data, err
}

// storeID returns the next task identifier of a background session.
func (c *Client) storeID(ctx context.Context, session string) (int64, error) {
	var id int64
	_, err := c.storeCall(ctx, func(ctx context.Context) ([]byte, error) {
		n, err := c.cfg.Store.NextTaskID(ctx, session)
		id = n
		return nil, err
	})
	return id, err
}

// saveTask writes a task record; a completed one expires after the
// retention time.
func (c *Client) saveTask(snap *TaskSnapshot) error {
	data, err := json.Marshal(snap)
	if err != nil {
		return newError(KindStore, CodeUnknown, "", err)
	}
	var expires time.Time
	if snap.State == StateCompleted {
		expires = snap.Completed.Add(c.cfg.Retention)
	}
	_, err = c.storeCall(context.Background(), func(ctx context.Context) ([]byte, error) {
		return nil, c.cfg.Store.SaveTask(ctx, snap.Session, snap.ID, data, expires)
	})
	return err
}

func (c *Client) deleteTaskRecord(session string, id int64) {
	if _, err := c.storeCall(context.Background(), func(ctx context.Context) ([]byte, error) {
		return nil, c.cfg.Store.DeleteTask(ctx, session, id)
	}); err != nil {
		c.cfg.Logger.Warn("client: deleting task record", "session", session, "task", id, "err", err)
	}
}

func (c *Client) deleteSessionRecord(id string) {
	if _, err := c.storeCall(context.Background(), func(ctx context.Context) ([]byte, error) {
		return nil, c.cfg.Store.DeleteSession(ctx, id)
	}); err != nil {
		c.cfg.Logger.Warn("client: deleting session record", "session", id, "err", err)
	}
}

// TaskSnapshot returns the snapshot of a task by session and task
// identifier: from this process if it holds the session, else from the
// store (background sessions, also after they were invalidated, until
// the record expires). It fails with ErrNotFound.
func (c *Client) TaskSnapshot(ctx context.Context, session string, id int64) (TaskSnapshot, error) {
	c.mu.Lock()
	s := c.named[session]
	c.mu.Unlock()
	if s != nil {
		if t := s.Task(id); t != nil {
			return t.Snapshot(), nil
		}
	}
	data, err := c.storeCall(ctx, func(ctx context.Context) ([]byte, error) {
		return c.cfg.Store.LoadTask(ctx, session, id)
	})
	if errors.Is(err, ErrNotFound) {
		return TaskSnapshot{}, newError(KindInvalid, CodeUnknown, "", fmt.Errorf("task %s/%d: %w", session, id, ErrNotFound))
	}
	if err != nil {
		return TaskSnapshot{}, err
	}
	var snap TaskSnapshot
	if err := json.Unmarshal(data, &snap); err != nil {
		return TaskSnapshot{}, newError(KindStore, CodeUnknown, "", fmt.Errorf("decoding task record: %w", err))
	}
	return snap, nil
}

// A Recovery is what happens to a task found unfinished in the store
// after a restart.
type Recovery int

const (
	// RecoverNone: the task had completed; nothing to do.
	RecoverNone Recovery = iota
	// RecoverRestart: the transfer starts again from the beginning.
	RecoverRestart
	// RecoverFail: the task completes with CodeNetworkConnectionLost; it
	// is never replayed.
	RecoverFail
)

// RecoveryFor is the restart policy: an unfinished GET download restarts;
// any other unfinished task fails with CodeNetworkConnectionLost, because
// replaying a non-idempotent request could repeat its effect (HCL's
// warning about background transfers).
func RecoveryFor(t TaskSnapshot) Recovery {
	switch {
	case t.State == StateCompleted:
		return RecoverNone
	case t.Kind == DownloadTask && (t.Method == "" || t.Method == "GET"):
		return RecoverRestart
	}
	return RecoverFail
}

// A RecoveryReport counts what Recover did.
type RecoveryReport struct {
	Sessions  int // background sessions with unfinished tasks of this instance
	Restarted int
	Failed    int
}

// Recover takes over the unfinished tasks this instance (Config.Instance)
// left in the store, following [RecoveryFor]: restarted tasks run again
// under their identifiers, failed ones get a final record and an
// EventCompleted (to the client's OnEvent: nobody else listens yet). Call
// it once at start-up, after Config.OnEvent is ready to receive events.
func (c *Client) Recover(ctx context.Context) (RecoveryReport, error) {
	var rep RecoveryReport
	var ids []string
	if _, err := c.storeCall(ctx, func(ctx context.Context) ([]byte, error) {
		var err error
		ids, err = c.cfg.Store.ListSessions(ctx)
		return nil, err
	}); err != nil {
		return rep, err
	}
	sort.Strings(ids)
	var errs []error
	for _, id := range ids {
		todo, err := c.unfinished(ctx, id)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if len(todo) == 0 {
			continue
		}
		s, err := c.lookup(ctx, id)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		rep.Sessions++
		for _, snap := range todo {
			switch RecoveryFor(snap) {
			case RecoverRestart:
				r := &Request{Method: snap.Method, URL: snap.URL, Header: snap.RequestHeader}
				if _, err := s.addTask(context.Background(), snap.Kind, r, nil, snap.ID, snap.Created); err != nil {
					errs = append(errs, err)
					continue
				}
				rep.Restarted++
			case RecoverFail:
				s.failRecovered(snap)
				rep.Failed++
			}
		}
	}
	return rep, errors.Join(errs...)
}

// unfinished returns the unfinished task records of session owned by this
// instance.
func (c *Client) unfinished(ctx context.Context, session string) ([]TaskSnapshot, error) {
	var ids []int64
	if _, err := c.storeCall(ctx, func(ctx context.Context) ([]byte, error) {
		var err error
		ids, err = c.cfg.Store.ListTasks(ctx, session)
		return nil, err
	}); err != nil {
		return nil, err
	}
	var out []TaskSnapshot
	for _, id := range ids {
		data, err := c.storeCall(ctx, func(ctx context.Context) ([]byte, error) {
			return c.cfg.Store.LoadTask(ctx, session, id)
		})
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		var snap TaskSnapshot
		if err := json.Unmarshal(data, &snap); err != nil {
			c.cfg.Logger.Warn("client: bad task record", "session", session, "task", id, "err", err)
			continue
		}
		if snap.Owner != c.cfg.Instance || RecoveryFor(snap) == RecoverNone {
			continue
		}
		out = append(out, snap)
	}
	return out, nil
}

// failRecovered records a recovered task as failed and reports it.
func (s *Session) failRecovered(snap TaskSnapshot) {
	e := newError(KindNetwork, CodeNetworkConnectionLost, snap.URL, errors.New("connection lost: the server restarted"))
	snap.State = StateCompleted
	snap.Success = false
	snap.ErrorCode = e.Code
	snap.ErrorKind = e.Kind
	snap.Message = e.Message()
	snap.Completed = time.Now()
	snap.File = ""
	s.persistTask(&snap)
	s.deliver(Event{Type: EventCompleted, Session: snap.Session, SessionKind: Background,
		Task: snap.ID, TaskKind: snap.Kind, Result: &snap})
}

// statFile returns the size of the file at path.
func statFile(path string) (int64, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return 0, err
	}
	return fi.Size(), nil
}

func sortTasks(ts []*Task) {
	sort.Slice(ts, func(a, b int) bool { return ts[a].id < ts[b].id })
}

// sweepSpool removes spool files older than the retention time that no
// task refers to.
func (c *Client) sweepSpool(now time.Time, used map[string]bool) {
	entries, err := os.ReadDir(c.spoolDir)
	if err != nil {
		return
	}
	c.mu.Lock()
	for p := range c.live {
		used[p] = true
	}
	c.mu.Unlock()
	for _, e := range entries {
		p := filepath.Join(c.spoolDir, e.Name())
		if used[p] || !e.Type().IsRegular() {
			continue
		}
		fi, err := e.Info()
		if err != nil || now.Sub(fi.ModTime()) < c.cfg.Retention {
			continue
		}
		os.Remove(p)
	}
}

// trackFile records a spool file being written (live) or forgets it.
func (c *Client) trackFile(path string, live bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if live {
		c.live[path] = struct{}{}
	} else {
		delete(c.live, path)
	}
}
