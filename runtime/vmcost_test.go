package runtime_test

import (
	"testing"

	"github.com/dirigo/dirigo/internal/benchcpu"
	"github.com/dirigo/dirigo/modules"
	"github.com/dirigo/dirigo/runtime"
)

// BenchmarkNewVM measures the creation of a VM (what replacing one costs):
// a server with a pool of one, without modules.
func BenchmarkNewVM(b *testing.B) {
	dir := b.TempDir()
	stop := benchcpu.Process(b)
	for b.Loop() {
		s, err := runtime.NewServer(runtime.Config{Root: dir, PoolSize: 1})
		if err != nil {
			b.Fatal(err)
		}
		s.Close()
	}
	stop()
}

// BenchmarkNewVMBuiltin is BenchmarkNewVM with every module dirigo serves
// (globals are loaded on first use, so they should cost little here).
func BenchmarkNewVMBuiltin(b *testing.B) {
	dir := b.TempDir()
	mods := modules.Builtin(modules.Config{})
	b.ReportAllocs()
	stop := benchcpu.Process(b)
	for b.Loop() {
		s, err := runtime.NewServer(runtime.Config{Root: dir, PoolSize: 1}, mods...)
		if err != nil {
			b.Fatal(err)
		}
		s.Close()
	}
	stop()
}
