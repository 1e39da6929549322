package main

import (
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dirigo/dirigo/runtime"
)

func TestSizeFlags(t *testing.T) {
	for _, c := range []struct {
		in      string
		percent bool
		want    int64 // bytes() for a size; 0 to skip
		str     string
		bad     bool
	}{
		{in: "512MiB", want: 512 << 20, str: "512MiB"},
		{in: "2GiB", want: 2 << 30, str: "2GiB"},
		{in: "1.5G", want: 3 << 29},
		{in: "1GB", want: 1e9},
		{in: "64 KiB", want: 64 << 10},
		{in: "1000", want: 1000, str: "1000"},
		{in: "10B", want: 10},
		{in: "0", want: -1, str: "off"},
		{in: "off", want: -1, str: "off"},
		{in: "50%", percent: true, str: "50%"},
		{in: "50%", bad: true},
		{in: "150%", percent: true, bad: true},
		{in: "-1", bad: true},
		{in: "lots", bad: true},
		{in: "12XB", bad: true},
	} {
		b := byteSize{allowPercent: c.percent}
		err := b.Set(c.in)
		if c.bad {
			if err == nil {
				t.Errorf("%q: accepted (%v)", c.in, b.String())
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", c.in, err)
			continue
		}
		if c.want != 0 && b.bytes() != c.want {
			t.Errorf("%q: %d bytes, want %d", c.in, b.bytes(), c.want)
		}
		if c.str != "" && b.String() != c.str {
			t.Errorf("%q: prints as %q, want %q", c.in, b.String(), c.str)
		}
	}
	// The default budget is a share of the memory available.
	f := newFlags(io.Discard)
	if err := f.parse(nil, env(nil)); err != nil {
		t.Fatal(err)
	}
	if mem := runtime.SystemMemory(); mem > 0 {
		if got, want := f.maxMemory.bytes(), int64(float64(mem)*runtime.DefaultMemoryFraction); got != want {
			t.Errorf("default --max-memory: %d, want %d", got, want)
		}
	}
	if got := f.maxOutput.bytes(); got != runtime.DefaultMaxOutput {
		t.Errorf("default --max-output: %d", got)
	}
	// And from the environment.
	f = newFlags(io.Discard)
	if err := f.parse(nil, env(map[string]string{"DIRIGO_MAX_MEMORY": "300MiB", "DIRIGO_MAX_OUTPUT": "off"})); err != nil {
		t.Fatal(err)
	}
	if f.maxMemory.bytes() != 300<<20 || f.maxOutput.bytes() != -1 {
		t.Errorf("from the environment: %d, %d", f.maxMemory.bytes(), f.maxOutput.bytes())
	}
}

func TestMaxOutputFlag(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "big.js"), []byte(`require("http/response").print("x".repeat(2000))`), 0o644); err != nil {
		t.Fatal(err)
	}
	url, logs, stop := startServe(t, env(nil), "--scripts", dir, "--sessions", "memory", "--data", t.TempDir(),
		"--max-output", "1KiB", "--max-memory", "off")
	if code, _ := get(t, http.DefaultClient, url+"/big"); code != 500 {
		t.Errorf("2000 bytes past --max-output 1KiB: %d, want 500", code)
	}
	if code, _ := stop(); code != 0 {
		t.Errorf("exit %d", code)
	}
	if want := "more than 1024 bytes"; !strings.Contains(logs.String(), want) {
		t.Errorf("log lacks %q:\n%s", want, logs.String())
	}
}
