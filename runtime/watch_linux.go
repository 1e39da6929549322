package runtime

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sync/atomic"
	"unsafe"

	"golang.org/x/sys/unix"
)

// maxWatches bounds the folders watched; a larger tree falls back to
// checking files on every request.
const maxWatches = 20000

const watchMask = unix.IN_CREATE | unix.IN_DELETE | unix.IN_MODIFY | unix.IN_CLOSE_WRITE | unix.IN_ATTRIB |
	unix.IN_MOVED_FROM | unix.IN_MOVED_TO | unix.IN_DELETE_SELF | unix.IN_MOVE_SELF | unix.IN_ONLYDIR

// watcher tells whether anything under the script root changed, with
// inotify. The inotify descriptor is non-blocking and owned by an *os.File,
// so Go's netpoller (epoll) waits on it: one goroutine reads the events as
// they come and moves the generation on for each batch. A request only
// loads an atomic integer; it makes no system call. Every cached resolution
// and file version of an older generation is checked again.
//
// The price is a short lag: an edit is seen by the requests that start
// after the goroutine has read its event. The netpoller is polled whenever
// a processor looks for work and, when every processor is busy, by the Go
// runtime's monitor at least every 10 ms, so the lag is microseconds on an
// idle machine and bounded by about 10 ms plus a scheduling slice on a
// saturated one (TestWatcherSeesEdits waits for the bump, with a bound).
type watcher struct {
	f   *os.File
	fd  int
	gen atomic.Uint64
	wds map[int]string // owned by the reading goroutine after newWatcher
	buf []byte
	// degraded is set when a change may have been missed (a folder that
	// could not be watched, a queue overflow, a failed read): from then on
	// generation answers 0 and every request checks its files.
	degraded atomic.Bool
	logger   *slog.Logger
	done     chan struct{}
}

// newWatcher watches every folder under root. It fails when inotify is not
// available or the tree has more than maxWatches folders.
func newWatcher(root string, logger *slog.Logger) (*watcher, error) {
	fd, err := unix.InotifyInit1(unix.IN_NONBLOCK | unix.IN_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("inotify: %w", err)
	}
	w := &watcher{fd: fd, wds: map[int]string{}, buf: make([]byte, 8<<10), logger: logger, done: make(chan struct{})}
	w.gen.Store(1)
	if err := w.addTree(root); err != nil {
		unix.Close(fd)
		return nil, err
	}
	// A non-blocking descriptor given to os.NewFile is registered with the
	// netpoller: Read parks the goroutine instead of a thread.
	w.f = os.NewFile(uintptr(fd), "inotify")
	go w.read()
	return w, nil
}

// addTree watches dir and every folder below it.
func (w *watcher) addTree(dir string) error {
	return filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == dir {
				return err
			}
			return nil // vanished meanwhile
		}
		if !d.IsDir() {
			return nil
		}
		if len(w.wds) >= maxWatches {
			return fmt.Errorf("more than %d folders to watch", maxWatches)
		}
		wd, err := unix.InotifyAddWatch(w.fd, p, watchMask)
		if err != nil {
			if errors.Is(err, unix.ENOENT) || errors.Is(err, unix.ENOTDIR) {
				return nil // vanished meanwhile
			}
			return fmt.Errorf("watching %s: %w", p, err)
		}
		w.wds[wd] = p
		return nil
	})
}

// generation returns the current generation: it moves on after each batch
// of changes the reading goroutine took in, and is 0 once watching gave up.
func (w *watcher) generation() uint64 {
	if w.degraded.Load() {
		return 0
	}
	return w.gen.Load()
}

// degrade gives up on watching: every request checks its files from now on.
func (w *watcher) degrade(why error) {
	if !w.degraded.Swap(true) {
		w.logger.Warn("no longer watching the script root; checking files on every request", "error", why)
	}
}

// read reads events until the watcher is closed, watches new folders and
// moves the generation on after each batch.
func (w *watcher) read() {
	defer close(w.done)
	for {
		n, err := w.f.Read(w.buf)
		if err != nil {
			if !errors.Is(err, os.ErrClosed) {
				w.degrade(fmt.Errorf("reading inotify events: %w", err))
			}
			return
		}
		w.events(w.buf[:n])
		w.gen.Add(1)
	}
}

// events handles one batch of events.
func (w *watcher) events(buf []byte) {
	for off := 0; off+unix.SizeofInotifyEvent <= len(buf); {
		ev := (*unix.InotifyEvent)(unsafe.Pointer(&buf[off]))
		name := ""
		if ev.Len > 0 {
			raw := buf[off+unix.SizeofInotifyEvent : off+unix.SizeofInotifyEvent+int(ev.Len)]
			for i, c := range raw {
				if c == 0 {
					raw = raw[:i]
					break
				}
			}
			name = string(raw)
		}
		switch {
		case ev.Mask&unix.IN_Q_OVERFLOW != 0:
			w.degrade(errors.New("inotify queue overflow: events were lost"))
		case ev.Mask&unix.IN_IGNORED != 0:
			delete(w.wds, int(ev.Wd))
		case ev.Mask&unix.IN_ISDIR != 0 && ev.Mask&(unix.IN_CREATE|unix.IN_MOVED_TO) != 0:
			if dir, ok := w.wds[int(ev.Wd)]; ok && name != "" {
				if err := w.addTree(filepath.Join(dir, name)); err != nil {
					w.degrade(err)
				}
			}
		}
		off += unix.SizeofInotifyEvent + int(ev.Len)
	}
}

// close stops the reading goroutine and releases the descriptor.
func (w *watcher) close() error {
	err := w.f.Close()
	<-w.done
	return err
}
