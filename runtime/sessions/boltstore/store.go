// Package boltstore is a sessions.Store kept in one bbolt file: the default
// store of a single dirigo process. Sessions survive a restart; a graceful
// stop (Close) loses nothing and a kill -9 (or a power loss) loses about
// the last Config.Interval of writes (SyncInterval, the default) or
// nothing (SyncAlways).
//
// Changes go to memory first, where Load sees them at once. In SyncInterval
// mode a background goroutine writes every changed session in one bbolt
// transaction per interval, so requests never wait for the disk. In
// SyncAlways mode each write waits until its change is committed and
// fsynced; the changes that arrive while one commit runs go together into
// the next, so concurrent writers share fsyncs. Recently used sessions stay
// cached in memory; the others are read from the file.
//
// The file holds three buckets: the records by key, an expiry index (the
// big-endian expiry time followed by the key) that lets Sweep find expired
// sessions without a scan, and a format version.
package boltstore

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dirigo/dirigo/runtime/sessions"
	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// A SyncMode says when a change reaches the file.
type SyncMode int

const (
	// SyncInterval writes the changes of each Config.Interval in one
	// transaction; a crash loses about the last interval. It is the
	// default.
	SyncInterval SyncMode = iota
	// SyncAlways makes every change durable (written and fsynced) before the
	// write returns.
	SyncAlways
)

// DefaultInterval is the default of Config.Interval.
const DefaultInterval = time.Second

// lockTimeout bounds the wait for a file locked by another process.
const lockTimeout = time.Second

// Config configures a Store. Only Path is required.
type Config struct {
	// Path is the database file. Open creates it (0600) and its folder
	// (0700) when missing.
	Path string
	// Sync says when changes reach the file (default SyncInterval).
	Sync SyncMode
	// Interval is how often SyncInterval writes changes: a crash loses the
	// changes of at most Interval plus the time of one commit (default 1s).
	// In SyncAlways mode it is how soon a failed commit is retried.
	Interval time.Duration
	// MaxSessions caps the number of stored sessions, expired ones included
	// until swept; Create then fails with sessions.ErrFull. Zero means no cap.
	MaxSessions int
	// MaxBytes caps the bytes of the file in use (pages not freed); Create
	// fails with sessions.ErrFull while they reach it. The size is measured
	// after each write to the file, so the changes of one Interval can go
	// past it. Zero means no cap.
	MaxBytes int64
	// Now is the clock for expiry (default time.Now).
	Now func() time.Time
	// Logger receives the store's errors and notices (default slog.Default()).
	Logger *slog.Logger
}

// Store is a sessions.Store in a bbolt file. It is safe for concurrent use.
// Records are immutable once stored: Load returns them without copying and
// writes replace them.
type Store struct {
	cfg  Config
	db   *bolt.DB
	log  *slog.Logger
	seed maphash.Seed
	// pageSize is the file's page size (db.Info races with remapping, so
	// it is read once).
	pageSize int

	// gate orders writes against flushes: writes change memory under its
	// read lock, a flush takes every pending change under its write lock,
	// so a flush never sees half of a Rotate.
	gate    sync.RWMutex
	pending *commit     // under gate: completed by the next flush
	closed  atomic.Bool // set under gate's write lock
	shards  [nShards]shard

	kick chan struct{} // asks the flusher to flush now
	stop chan struct{} // closed by Close
	done chan struct{} // closed when the flusher has returned
	last error         // the final flush's error, read after done

	closeOnce sync.Once
	closeErr  error

	// failed is the error of the last flush, nil after a success. In
	// SyncInterval mode writes fail while it is set, so that a failing
	// file cannot lose more than it was allowed to.
	failed atomic.Pointer[error]

	count  atomic.Int64 // stored sessions, expired ones included
	used   atomic.Int64 // bytes of the file in use after the last flush
	warned atomic.Int64 // when refuse last logged (Unix ns)
}

var (
	_ sessions.Store   = (*Store)(nil)
	_ sessions.Sweeper = (*Store)(nil)
)

// errClosed is returned by the methods of a closed store.
var errClosed = errors.New("boltstore: store is closed")

// Open opens the store in cfg.Path, creating the file when missing, and
// deletes the sessions that expired while it was closed. It fails, leaving
// the file alone, when the file is not a session store, is corrupt or is
// locked by another process for more than a second.
func Open(cfg Config) (*Store, error) {
	if err := cfg.setDefaults(); err != nil {
		return nil, err
	}
	db, err := openDB(cfg.Path)
	if err != nil {
		return nil, fmt.Errorf("opening session store %s: %w", cfg.Path, err)
	}
	s := &Store{
		cfg:      cfg,
		db:       db,
		log:      cfg.Logger,
		seed:     maphash.MakeSeed(),
		pageSize: db.Info().PageSize,
		pending:  newCommit(),
		kick:     make(chan struct{}, 1),
		stop:     make(chan struct{}),
		done:     make(chan struct{}),
	}
	for i := range s.shards {
		s.shards[i].init()
	}
	n, err := s.prepare()
	if err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("opening session store %s: %w", cfg.Path, err)
	}
	s.count.Store(n)
	s.measure()
	go s.flusher()
	expired, err := s.Sweep(context.Background(), cfg.Now())
	if err != nil {
		_ = s.Close()
		return nil, fmt.Errorf("opening session store %s: removing expired sessions: %w", cfg.Path, err)
	}
	s.log.Info("opened session store", "path", cfg.Path, "sessions", s.count.Load(), "expired", expired)
	return s, nil
}

func (c *Config) setDefaults() error {
	switch {
	case c.Path == "":
		return errors.New("boltstore: Config.Path is required")
	case c.Sync != SyncInterval && c.Sync != SyncAlways:
		return fmt.Errorf("boltstore: unknown Config.Sync %d", c.Sync)
	case c.Interval < 0:
		return errors.New("boltstore: Config.Interval must be >= 0")
	case c.MaxSessions < 0:
		return errors.New("boltstore: Config.MaxSessions must be >= 0")
	case c.MaxBytes < 0:
		return errors.New("boltstore: Config.MaxBytes must be >= 0")
	}
	if c.Interval == 0 {
		c.Interval = DefaultInterval
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return nil
}

// openDB opens the bbolt file at path. bbolt can panic on a corrupt file;
// openDB turns that into an error and closes the file.
func openDB(path string) (db *bolt.DB, err error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	var f *os.File
	defer func() {
		if p := recover(); p != nil {
			if f != nil {
				unlock(f)
				_ = f.Close()
			}
			db, err = nil, fmt.Errorf("the file is corrupt (bbolt: %v)", p)
		}
	}()
	db, err = bolt.Open(path, 0o600, &bolt.Options{
		Timeout:      lockTimeout,
		FreelistType: bolt.FreelistMapType,
		OpenFile: func(name string, flag int, perm os.FileMode) (*os.File, error) {
			var err error
			f, err = os.OpenFile(name, flag, perm)
			return f, err
		},
	})
	switch {
	case errors.Is(err, berrors.ErrTimeout):
		return nil, fmt.Errorf("the file is locked by another process (waited %v): %w", lockTimeout, err)
	case errors.Is(err, berrors.ErrInvalid), errors.Is(err, berrors.ErrChecksum), errors.Is(err, berrors.ErrVersionMismatch):
		return nil, fmt.Errorf("the file is corrupt or not a bbolt database: %w", err)
	}
	return db, err
}

// Close writes every pending change to the file and closes it. Later calls
// return the first call's result; the other methods then fail.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		s.gate.Lock()
		s.closed.Store(true)
		s.gate.Unlock()
		close(s.stop)
		<-s.done
		err := s.last
		if cerr := s.db.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			s.closeErr = fmt.Errorf("closing session store %s: %w", s.cfg.Path, err)
		}
	})
	return s.closeErr
}
