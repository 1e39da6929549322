package runtime

import (
	"bufio"
	"bytes"
	"io/fs"
	"os"
	"path"
	"strconv"
	"strings"
)

// SystemMemory returns the memory available to the process in bytes: the
// smallest memory limit of its cgroup (v2 memory.max, v1
// memory.limit_in_bytes) and its ancestors, or the machine's memory when
// that is smaller or there is no limit; 0 when neither can be read.
func SystemMemory() int64 { return systemMemory(os.DirFS("/")) }

// systemMemory reads the limits from fsys, the root file system.
func systemMemory(fsys fs.FS) int64 {
	total := memTotal(fsys)
	if lim := cgroupLimit(fsys); lim > 0 && (total == 0 || lim < total) {
		return lim
	}
	return total
}

// memTotal reads MemTotal from /proc/meminfo.
func memTotal(fsys fs.FS) int64 {
	data, err := fs.ReadFile(fsys, "proc/meminfo")
	if err != nil {
		return 0
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		rest, ok := strings.CutPrefix(sc.Text(), "MemTotal:")
		if !ok {
			continue
		}
		f := strings.Fields(rest)
		if len(f) == 0 {
			return 0
		}
		kb, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil || kb <= 0 {
			return 0
		}
		return kb << 10
	}
	return 0
}

// cgroupLimit returns the tightest memory limit on the cgroups of the
// process, or 0 when none is set.
func cgroupLimit(fsys fs.FS) int64 {
	data, err := fs.ReadFile(fsys, "proc/self/cgroup")
	if err != nil {
		data = nil
	}
	var best int64
	take := func(file string) {
		b, err := fs.ReadFile(fsys, file)
		if err != nil {
			return
		}
		s := strings.TrimSpace(string(b))
		if s == "" || s == "max" {
			return
		}
		n, err := strconv.ParseInt(s, 10, 64)
		// cgroup v1 says "no limit" with a huge number (the largest page
		// multiple below 2^63); anything from 2^62 up is that.
		if err != nil || n <= 0 || n >= 1<<62 {
			return
		}
		if best == 0 || n < best {
			best = n
		}
	}
	// Every cgroup from the process's own up to the root of the mounted
	// hierarchy: a parent's limit applies to its children.
	walk := func(root, dir, file string) {
		for d := path.Clean("/" + dir); ; d = path.Dir(d) {
			take(strings.TrimPrefix(path.Join(root, d, file), "/"))
			if d == "/" {
				return
			}
		}
	}
	for line := range strings.Lines(string(data)) {
		// hierarchy-ID:controllers:path
		parts := strings.SplitN(strings.TrimSpace(line), ":", 3)
		if len(parts) != 3 {
			continue
		}
		switch {
		case parts[0] == "0" && parts[1] == "": // v2
			walk("/sys/fs/cgroup", parts[2], "memory.max")
		case hasController(parts[1], "memory"): // v1
			walk("/sys/fs/cgroup/memory", parts[2], "memory.limit_in_bytes")
		}
	}
	if best == 0 {
		// In a container with its own cgroup namespace the paths above may
		// not exist as named; its limit is at the root of the mount.
		take("sys/fs/cgroup/memory.max")
		take("sys/fs/cgroup/memory/memory.limit_in_bytes")
	}
	return best
}

func hasController(list, name string) bool {
	for c := range strings.SplitSeq(list, ",") {
		if c == name {
			return true
		}
	}
	return false
}
