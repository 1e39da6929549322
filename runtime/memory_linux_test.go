package runtime

import (
	"io/fs"
	"testing"
	"testing/fstest"
)

func mapFS(files map[string]string) fs.FS {
	m := fstest.MapFS{}
	for name, data := range files {
		m[name] = &fstest.MapFile{Data: []byte(data)}
	}
	return m
}

func TestSystemMemory(t *testing.T) {
	meminfo := "MemTotal:       16384000 kB\nMemFree: 1 kB\n"
	for _, c := range []struct {
		name  string
		files map[string]string
		want  int64
	}{
		{"machine", map[string]string{"proc/meminfo": meminfo}, 16384000 << 10},
		{"v2 limit", map[string]string{"proc/meminfo": meminfo, "proc/self/cgroup": "0::/app\n",
			"sys/fs/cgroup/app/memory.max": "1073741824\n"}, 1 << 30},
		{"v2 parent limit", map[string]string{"proc/meminfo": meminfo, "proc/self/cgroup": "0::/a/b\n",
			"sys/fs/cgroup/a/b/memory.max": "max\n", "sys/fs/cgroup/a/memory.max": "536870912\n"}, 512 << 20},
		{"v2 no limit", map[string]string{"proc/meminfo": meminfo, "proc/self/cgroup": "0::/app\n",
			"sys/fs/cgroup/app/memory.max": "max\n"}, 16384000 << 10},
		{"v1 limit", map[string]string{"proc/meminfo": meminfo, "proc/self/cgroup": "4:memory:/docker/x\n3:cpu:/\n",
			"sys/fs/cgroup/memory/docker/x/memory.limit_in_bytes": "268435456\n"}, 256 << 20},
		{"v1 unlimited", map[string]string{"proc/meminfo": meminfo, "proc/self/cgroup": "4:cpuacct,memory:/\n",
			"sys/fs/cgroup/memory/memory.limit_in_bytes": "9223372036854771712\n"}, 16384000 << 10},
		{"namespace root", map[string]string{"proc/meminfo": meminfo, "proc/self/cgroup": "0::/hidden\n",
			"sys/fs/cgroup/memory.max": "2147483648\n"}, 2 << 30},
		{"limit above the machine", map[string]string{"proc/meminfo": meminfo, "proc/self/cgroup": "0::/\n",
			"sys/fs/cgroup/memory.max": "99999999999999\n"}, 16384000 << 10},
		{"nothing", map[string]string{}, 0},
	} {
		if got := systemMemory(mapFS(c.files)); got != c.want {
			t.Errorf("%s: %d, want %d", c.name, got, c.want)
		}
	}
}
