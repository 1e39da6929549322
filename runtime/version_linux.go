package runtime

import (
	"io/fs"
	"syscall"
)

func versionOf(fi fs.FileInfo) fileVersion {
	v := fileVersion{size: fi.Size(), mtime: fi.ModTime().UnixNano()}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		v.ctime = st.Ctim.Nano()
		v.ino = st.Ino
		v.dev = uint64(st.Dev)
	}
	return v
}
