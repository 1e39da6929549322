package client

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
)

// A Body is the response body of a completed task: in memory when it is
// small, else a file in the spool folder (always a file for downloads).
// It stays until [Body.Release], the retention time or the session's
// Reset. Its methods are safe for concurrent use.
type Body struct {
	c    *Client
	mu   sync.Mutex
	data []byte
	path string
	size int64
	// spooled is the quota this body holds in the spool.
	spooled  int64
	released bool
}

// Len returns the body's length in bytes.
func (b *Body) Len() int64 { return b.size }

// Path returns the file holding the body, or "" when it is in memory.
func (b *Body) Path() string { return b.path }

// Bytes returns the body's content, reading the file if it is spilled.
// The caller must not modify the result.
func (b *Body) Bytes() ([]byte, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.released {
		return nil, errors.New("client: body released")
	}
	if b.path == "" {
		return b.data, nil
	}
	return os.ReadFile(b.path)
}

// Open returns a reader of the body's content.
func (b *Body) Open() (io.ReadCloser, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.released {
		return nil, errors.New("client: body released")
	}
	if b.path == "" {
		return io.NopCloser(bytes.NewReader(b.data)), nil
	}
	return os.Open(b.path)
}

// Release drops the body: its file is removed and its spool quota freed.
// Releasing twice does nothing.
func (b *Body) Release() {
	if b == nil {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.released {
		return
	}
	b.released = true
	b.data = nil
	if b.path != "" {
		os.Remove(b.path)
	}
	if b.c != nil {
		b.c.releaseSpool(b.spooled)
	}
}

// sink receives a task's response body.
type sink struct {
	c       *Client
	memMax  int64 // < 0: always a file (downloads)
	prefix  string
	buf     []byte
	f       *os.File
	size    int64
	spooled int64
}

func newSink(c *Client, download bool) *sink {
	s := &sink{c: c, memMax: c.cfg.MemoryBody, prefix: "body-"}
	if download {
		s.memMax = -1
		s.prefix = "download-"
	}
	return s
}

// Write appends p, spilling to a file past the memory cap.
func (s *sink) Write(p []byte) (int, error) {
	if s.f == nil && s.memMax >= 0 && s.size+int64(len(p)) <= s.memMax {
		s.buf = append(s.buf, p...)
		s.size += int64(len(p))
		return len(p), nil
	}
	if s.f == nil {
		if err := s.spill(); err != nil {
			return 0, err
		}
	}
	if err := s.c.reserveSpool(int64(len(p))); err != nil {
		return 0, err
	}
	s.spooled += int64(len(p))
	n, err := s.f.Write(p)
	s.size += int64(n)
	if err != nil {
		return n, newError(KindNetwork, CodeCannotWriteToFile, "", fmt.Errorf("writing spool file: %w", err))
	}
	return n, nil
}

// spill moves the buffered bytes to a new spool file.
func (s *sink) spill() error {
	if err := os.MkdirAll(s.c.spoolDir, 0o700); err != nil {
		return newError(KindNetwork, CodeCannotWriteToFile, "", fmt.Errorf("creating spool folder: %w", err))
	}
	f, err := os.CreateTemp(s.c.spoolDir, s.prefix+"*")
	if err != nil {
		return newError(KindNetwork, CodeCannotWriteToFile, "", fmt.Errorf("creating spool file: %w", err))
	}
	s.f = f
	s.c.trackFile(f.Name(), true)
	if len(s.buf) > 0 {
		if err := s.c.reserveSpool(int64(len(s.buf))); err != nil {
			return err
		}
		s.spooled += int64(len(s.buf))
		if _, err := f.Write(s.buf); err != nil {
			return newError(KindNetwork, CodeCannotWriteToFile, "", fmt.Errorf("writing spool file: %w", err))
		}
		s.buf = nil
	}
	return nil
}

// reset empties the sink (a restarted transfer); the file is kept.
func (s *sink) reset() error {
	s.buf = s.buf[:0]
	s.size = 0
	if s.f != nil {
		if err := s.f.Truncate(0); err != nil {
			return newError(KindNetwork, CodeCannotWriteToFile, "", err)
		}
		if _, err := s.f.Seek(0, io.SeekStart); err != nil {
			return newError(KindNetwork, CodeCannotWriteToFile, "", err)
		}
		s.c.releaseSpool(s.spooled)
		s.spooled = 0
	}
	return nil
}

// finish closes the sink and returns its content as a Body.
func (s *sink) finish() (*Body, error) {
	if s.f == nil && s.memMax < 0 {
		if err := s.spill(); err != nil {
			s.discard()
			return nil, err
		}
	}
	b := &Body{c: s.c, size: s.size}
	if s.f != nil {
		err := s.f.Close()
		b.path, b.spooled = s.f.Name(), s.spooled
		s.c.trackFile(b.path, false)
		s.f = nil
		if err != nil {
			b.Release()
			return nil, newError(KindNetwork, CodeCannotWriteToFile, "", err)
		}
	} else {
		b.data = s.buf
	}
	s.buf, s.spooled = nil, 0
	return b, nil
}

// discard drops the sink's content and file.
func (s *sink) discard() {
	if s.f != nil {
		s.f.Close()
		os.Remove(s.f.Name())
		s.c.trackFile(s.f.Name(), false)
		s.f = nil
	}
	s.c.releaseSpool(s.spooled)
	s.buf, s.spooled, s.size = nil, 0, 0
}
