package runtime_test

import (
	"os"
	"path/filepath"
)

func removeFile(dir, name string) error {
	return os.Remove(filepath.Join(dir, filepath.FromSlash(name)))
}
