package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/dirigo/dirigo/runtime"
)

// logs are the server's log and request log and the files they go to.
type logs struct {
	logger  *slog.Logger
	access  runtime.AccessLogger
	writers []*bufferedWriter
	files   []*logFile
}

// openLogs builds the server's logger (on stderr, or --log-file) and request
// log (--access-log, on the log's output or --access-log-file). Output is
// buffered and written at least every 100 ms, so the request line does not
// cost a system call per request; close flushes it.
func openLogs(f *flags, stderr io.Writer) (*logs, error) {
	level, err := f.level()
	if err != nil {
		return nil, err
	}
	format := f.accessLog
	if format == "" {
		format = f.logFormat
	}
	switch format {
	case "text", "json", "combined", "off":
	default:
		return nil, fmt.Errorf("--access-log: %q is not text, json, combined or off", format)
	}
	l := &logs{}
	out, err := l.output(f.logFile, stderr)
	if err != nil {
		return nil, err
	}
	opts := &slog.HandlerOptions{Level: level}
	switch f.logFormat {
	case "text":
		l.logger = slog.New(newTextHandler(out, opts))
	case "json":
		l.logger = slog.New(slog.NewJSONHandler(out, opts))
	default:
		l.close()
		return nil, fmt.Errorf("--log-format: %q is not text or json", f.logFormat)
	}
	accessOut, accessLevel := out, level
	if f.accessLogFile != "" {
		// A request log of its own is wanted whatever the log's level.
		if accessOut, err = l.output(f.accessLogFile, nil); err != nil {
			l.close()
			return nil, err
		}
		accessLevel = slog.LevelInfo
	}
	l.access = newAccessLog(format, accessOut, accessLevel)
	return l, nil
}

// output returns a buffered writer to the file path, or to w when path is "".
func (l *logs) output(path string, w io.Writer) (*bufferedWriter, error) {
	if path != "" {
		lf, err := openLogFile(path)
		if err != nil {
			return nil, err
		}
		l.files = append(l.files, lf)
		w = lf
	}
	bw := newBufferedWriter(w, 100*time.Millisecond)
	l.writers = append(l.writers, bw)
	return bw, nil
}

// reopen flushes the logs and reopens their files (after logrotate moved them).
func (l *logs) reopen() error {
	for _, w := range l.writers {
		w.Flush()
	}
	var errs []error
	for _, f := range l.files {
		errs = append(errs, f.reopen())
	}
	return errors.Join(errs...)
}

// close flushes the logs and closes their files.
func (l *logs) close() {
	for _, w := range l.writers {
		w.Close()
	}
	for _, f := range l.files {
		f.close()
	}
}

// logFile is a log file that can be reopened under its name.
type logFile struct {
	path string
	mu   sync.Mutex
	f    *os.File
}

func openLogFile(path string) (*logFile, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o640)
	if err != nil {
		return nil, fmt.Errorf("opening the log file: %w", err)
	}
	return &logFile{path: path, f: f}, nil
}

func (lf *logFile) Write(p []byte) (int, error) {
	lf.mu.Lock()
	defer lf.mu.Unlock()
	return lf.f.Write(p)
}

// reopen opens the file's name again (a new file if it was moved away) and
// closes the old one. On error the old one is kept.
func (lf *logFile) reopen() error {
	f, err := os.OpenFile(lf.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o640)
	if err != nil {
		return fmt.Errorf("reopening the log file: %w", err)
	}
	lf.mu.Lock()
	old := lf.f
	lf.f = f
	lf.mu.Unlock()
	return old.Close()
}

func (lf *logFile) close() {
	lf.mu.Lock()
	defer lf.mu.Unlock()
	_ = lf.f.Close()
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
				b.Flush()
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

// Flush writes what is buffered.
func (b *bufferedWriter) Flush() {
	b.mu.Lock()
	_ = b.w.Flush()
	b.mu.Unlock()
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
	b.Flush()
}
