package main

import (
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"time"

	"github.com/dirigo/dirigo/runtime/sessions"
	"github.com/dirigo/dirigo/runtime/sessions/boltstore"
	"github.com/dirigo/dirigo/runtime/sessions/memstore"
	"github.com/dirigo/dirigo/runtime/sessions/redisstore"
)

// openStore opens the session store --sessions names; this is the only code
// that knows the concrete stores. The returned function closes it.
func openStore(f *flags, logger *slog.Logger) (sessions.Store, func() error, error) {
	spec := strings.TrimSpace(f.sessions)
	switch {
	case spec == "memory":
		return memstore.New(memstore.Config{MaxSessions: f.sessionMax}), func() error { return nil }, nil
	case spec == "bolt" || strings.HasPrefix(spec, "bolt:"):
		path := strings.TrimPrefix(strings.TrimPrefix(spec, "bolt"), ":")
		if path == "" {
			path = filepath.Join(f.data, "sessions.db")
		}
		var mode boltstore.SyncMode
		switch f.sessionSync {
		case "interval":
			mode = boltstore.SyncInterval
		case "always":
			mode = boltstore.SyncAlways
		default:
			return nil, nil, fmt.Errorf("--session-sync: %q is not interval or always", f.sessionSync)
		}
		s, err := boltstore.Open(boltstore.Config{Path: path, Sync: mode, MaxSessions: f.sessionMax, Logger: logger})
		if err != nil {
			return nil, nil, err
		}
		return s, s.Close, nil
	case strings.HasPrefix(spec, "redis://") || strings.HasPrefix(spec, "rediss://"):
		// A session lock must outlive the longest request holding it.
		lockTTL := redisstore.DefaultLockTTL
		if f.timeout > 0 && f.timeout+5*time.Second > lockTTL {
			lockTTL = f.timeout + 5*time.Second
		}
		s, err := redisstore.Open(redisstore.Config{URL: spec, Password: f.redisPassword, Prefix: f.redisPrefix,
			LockTTL: lockTTL, Logger: logger})
		if err != nil {
			return nil, nil, err
		}
		return s, s.Close, nil
	default:
		return nil, nil, fmt.Errorf("--sessions: unknown store %q (want memory, bolt, bolt:PATH or redis://host:port/db)", storeName(spec))
	}
}
