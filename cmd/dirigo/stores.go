package main

import (
	"fmt"
	"log/slog"
	"strings"

	"github.com/dirigo/dirigo/runtime/sessions"
	"github.com/dirigo/dirigo/runtime/sessions/memstore"
)

// openStore opens the session store --sessions names; this is the only code
// that knows the concrete stores. The returned function closes it.
func openStore(f *flags, logger *slog.Logger) (sessions.Store, func() error, error) {
	spec := f.sessions
	switch {
	case spec == "memory":
		return memstore.New(memstore.Config{MaxSessions: f.sessionMax}), func() error { return nil }, nil
	default:
		_ = logger
		return nil, nil, fmt.Errorf("--sessions: unknown store %q (want memory, bolt, bolt:PATH or redis://host:port/db)", strings.TrimSpace(storeName(spec)))
	}
}
