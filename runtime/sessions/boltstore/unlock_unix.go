//go:build unix

package boltstore

import (
	"os"
	"syscall"
)

// unlock releases the lock bbolt took on f. Closing f is not enough when
// bbolt panicked after mapping the file: the mapping keeps the file, and
// so its lock, alive.
func unlock(f *os.File) { _ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN) }
