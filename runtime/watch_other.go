//go:build !linux

package runtime

import (
	"errors"
	"log/slog"
)

// watcher is inotify-only; elsewhere files are checked on every request.
type watcher struct{}

func newWatcher(string, *slog.Logger) (*watcher, error) {
	return nil, errors.New("file watching needs Linux")
}

func (*watcher) generation() uint64 { return 0 }

func (*watcher) close() error { return nil }
