package transfer

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/dirigo/dirigo/runtime/client"
)

// DataFile takes paths from scripts: only files of the data folder pass.
func TestDataFile(t *testing.T) {
	data := t.TempDir()
	outside := t.TempDir()
	c := client.New(client.Config{DataDir: data})
	b := &Bridge{Client: c}
	os.MkdirAll(filepath.Join(data, "client"), 0o700)
	os.WriteFile(filepath.Join(data, "client", "download-1"), []byte("x"), 0o600)
	os.WriteFile(filepath.Join(outside, "secret"), []byte("s"), 0o600)
	os.Symlink(filepath.Join(outside, "secret"), filepath.Join(data, "client", "link"))
	for _, tc := range []struct {
		path string
		ok   bool
	}{
		{filepath.Join(data, "client", "download-1"), true},
		{"file://" + filepath.Join(data, "client", "download-1"), true},
		{filepath.Join(data, "client", "upload.bin"), true},
		{filepath.Join(data, "session-keys"), false}, // the data folder's other files
		{filepath.Join(data, "client", "..", "session-keys"), false},
		{filepath.Join(data, "client", "..", "..", filepath.Base(outside), "secret"), false},
		{filepath.Join(outside, "secret"), false},
		{filepath.Join(data, "client", "link"), false}, // a symlink out of the folder
		{"client/download-1", false},                   // relative
		{"/etc/passwd", false},
		{data, false}, // the folder itself
		{"", false},
	} {
		_, err := b.DataFile(tc.path)
		if (err == nil) != tc.ok {
			t.Errorf("DataFile(%q): err %v, want ok %v", tc.path, err, tc.ok)
		}
	}
	if got, err := b.ReadFile(filepath.Join(data, "client", "download-1")); err != nil || string(got) != "x" {
		t.Errorf("ReadFile: %q %v", got, err)
	}
}

func FuzzDataFile(f *testing.F) {
	data := f.TempDir()
	c := client.New(client.Config{DataDir: data})
	b := &Bridge{Client: c}
	for _, s := range []string{"/etc/passwd", data + "/client/x", data + "/../x", "file://" + data + "/a", "\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, p string) {
		got, err := b.DataFile(p)
		if err != nil {
			return
		}
		rel, rerr := filepath.Rel(filepath.Join(data, "client"), got)
		if rerr != nil || !filepath.IsLocal(rel) {
			t.Fatalf("DataFile(%q) = %q, outside %s", p, got, data)
		}
	})
}
