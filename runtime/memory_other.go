//go:build !linux

package runtime

// SystemMemory returns the memory available to the process in bytes; 0 on
// systems where dirigo does not read it (set Config.MaxMemory there).
func SystemMemory() int64 { return 0 }
