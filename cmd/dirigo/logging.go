package main

import (
	"bufio"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"
)

// newLogger builds the server's logger. Its output is buffered and written
// at least every 100 ms (and when the buffer fills), so the per-request log
// line does not cost a system call per request; close flushes it.
func newLogger(f *flags, w io.Writer) (*slog.Logger, func(), error) {
	level, err := f.level()
	if err != nil {
		return nil, nil, err
	}
	bw := newBufferedWriter(w, 100*time.Millisecond)
	opts := &slog.HandlerOptions{Level: level}
	var h slog.Handler
	switch f.logFormat {
	case "text":
		h = newTextHandler(bw, opts)
	case "json":
		h = slog.NewJSONHandler(bw, opts)
	default:
		bw.Close()
		return nil, nil, fmt.Errorf("--log-format: %q is not text or json", f.logFormat)
	}
	return slog.New(h), bw.Close, nil
}

// bufferedWriter is an io.Writer safe for concurrent use that flushes to w
// periodically.
type bufferedWriter struct {
	mu   sync.Mutex
	w    *bufio.Writer
	stop chan struct{}
	done chan struct{}
}

func newBufferedWriter(w io.Writer, every time.Duration) *bufferedWriter {
	b := &bufferedWriter{w: bufio.NewWriterSize(w, 16<<10), stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(b.done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-b.stop:
				return
			case <-t.C:
				b.mu.Lock()
				_ = b.w.Flush()
				b.mu.Unlock()
			}
		}
	}()
	return b
}

func (b *bufferedWriter) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.w.Write(p)
}

// Close stops the flusher and flushes what is left.
func (b *bufferedWriter) Close() {
	select {
	case <-b.stop:
		return
	default:
	}
	close(b.stop)
	<-b.done
	b.mu.Lock()
	_ = b.w.Flush()
	b.mu.Unlock()
}
