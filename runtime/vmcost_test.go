package runtime_test

import (
	"testing"

	"github.com/dirigo/dirigo/runtime"
)

// BenchmarkNewVM measures the creation of a VM (what replacing one costs):
// a server with a pool of one, without modules.
func BenchmarkNewVM(b *testing.B) {
	dir := b.TempDir()
	for b.Loop() {
		s, err := runtime.NewServer(runtime.Config{Root: dir, PoolSize: 1})
		if err != nil {
			b.Fatal(err)
		}
		s.Close()
	}
}
