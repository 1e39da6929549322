package main

import (
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	outbound "github.com/dirigo/dirigo/runtime/client"
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

// clientStore returns where the outbound client keeps background sessions,
// task records and listener queues: in the session store's backend (the
// bolt file, or Redis, so that every process sharing it reads them); nil
// for the memory store (the client then keeps them in memory).
func clientStore(store sessions.Store) (outbound.Store, error) {
	switch s := store.(type) {
	case *boltstore.Store:
		return s.ClientStore()
	case *redisstore.Store:
		return s.ClientStore(), nil
	}
	return nil, nil
}

// clientInstance names this process in the client's task records: the
// --client-instance flag, else the host name and the port of --addr, which
// stay the same across restarts and differ between processes of one host.
func clientInstance(f *flags, addr net.Addr) string {
	if f.clientInstance != "" {
		return f.clientInstance
	}
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "dirigo"
	}
	_, port, err := net.SplitHostPort(f.addr)
	if err != nil || port == "" || port == "0" {
		if addr != nil {
			_, port, _ = net.SplitHostPort(addr.String())
		}
	}
	return host + ":" + port
}
