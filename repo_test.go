package dirigo_test

import (
	"bytes"
	"os"
	"os/exec"
	"path"
	"strings"
	"testing"
)

// TestNoSecretsTracked fails when a generated cookie key, an environment
// file or anything under a data/ folder is tracked by git: a key in the
// repository signs cookies with a public secret for everyone who runs the
// server from a checkout.
func TestNoSecretsTracked(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("git is not installed")
		}
		t.Skip("git is not installed")
	}
	out, err := exec.Command("git", "ls-files", "-z").Output()
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("git ls-files: %v", err)
		}
		t.Skipf("not a git checkout: %v", err)
	}
	for _, f := range bytes.Split(out, []byte{0}) {
		name := string(f)
		if name == "" {
			continue
		}
		base := path.Base(name)
		if base == "session-keys" || base == ".env" || strings.HasPrefix(name, "data/") || strings.Contains(name, "/data/") {
			t.Errorf("%s is tracked: generated keys and data folders must never be committed", name)
		}
	}
}
