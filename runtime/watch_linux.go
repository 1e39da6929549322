package runtime

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"path/filepath"
	"sync"
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
// inotify. Each request asks the kernel (one cheap ioctl, no path walk)
// whether change events are queued; the events themselves are read by the
// request that finds them. So a change made before a request arrives is
// always seen by that request, without a goroutine that could lag behind.
// Each batch of events moves the generation on, and every cached resolution
// and file version of an older generation is checked again.
type watcher struct {
	fd       int
	mu       sync.Mutex // held while events are read
	draining atomic.Bool
	gen      atomic.Uint64
	wds      map[int]string
	buf      []byte
	// degraded is set when a change may have been missed (a folder that
	// could not be watched, a queue overflow): from then on generation
	// answers 0 and every request checks its files.
	degraded atomic.Bool
	logger   *slog.Logger
}

// newWatcher watches every folder under root. It fails when inotify is not
// available or the tree has more than maxWatches folders.
func newWatcher(root string, logger *slog.Logger) (*watcher, error) {
	fd, err := unix.InotifyInit1(unix.IN_NONBLOCK | unix.IN_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("inotify: %w", err)
	}
	w := &watcher{fd: fd, wds: map[int]string{}, buf: make([]byte, 8<<10), logger: logger}
	w.gen.Store(1)
	if err := w.addTree(root); err != nil {
		unix.Close(fd)
		return nil, err
	}
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

// generation returns the current generation after taking in the changes
// that happened before the call.
func (w *watcher) generation() uint64 {
	if w.degraded.Load() {
		return 0
	}
	n, err := unix.IoctlGetInt(w.fd, unix.TIOCINQ) // FIONREAD
	if (err == nil && n > 0) || err != nil || w.draining.Load() {
		w.drain()
		if w.degraded.Load() {
			return 0
		}
	}
	return w.gen.Load()
}

// degrade gives up on watching: every request checks its files from now on.
func (w *watcher) degrade(why error) {
	if !w.degraded.Swap(true) {
		w.logger.Warn("no longer watching the script root; checking files on every request", "error", why)
	}
}

// drain reads the queued events, watches new folders and moves the
// generation on.
func (w *watcher) drain() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.draining.Store(true)
	defer w.draining.Store(false)
	changed := false
	for {
		n, err := unix.Read(w.fd, w.buf)
		if n <= 0 || err != nil {
			break
		}
		changed = true
		for off := 0; off+unix.SizeofInotifyEvent <= n; {
			ev := (*unix.InotifyEvent)(unsafe.Pointer(&w.buf[off]))
			name := ""
			if ev.Len > 0 {
				raw := w.buf[off+unix.SizeofInotifyEvent : off+unix.SizeofInotifyEvent+int(ev.Len)]
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
	if changed {
		w.gen.Add(1)
	}
}

func (w *watcher) close() error { return unix.Close(w.fd) }
