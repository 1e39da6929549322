//go:build !linux

package runtime

import "io/fs"

// versionOf identifies a file version by size and modification time; the
// content hash covers what those miss (see racyWindow).
func versionOf(fi fs.FileInfo) fileVersion {
	return fileVersion{size: fi.Size(), mtime: fi.ModTime().UnixNano()}
}
