package sessions

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// ParseKeys parses a key ring: comma-separated keys, newest first, each a
// signing key optionally followed by ":" and an encryption key, each in
// base64 (standard or URL alphabet, padded or not, as `openssl rand -base64
// 64` prints) or in hex with a "hex." prefix (hex.0a1b...).
func ParseKeys(s string) ([]Key, error) {
	var keys []Key
	for i, entry := range strings.Split(s, ",") {
		entry = strings.TrimSpace(entry)
		if entry == "" {
			continue
		}
		hashText, blockText, _ := strings.Cut(entry, ":")
		hash, err := decodeKey(hashText)
		if err != nil {
			return nil, fmt.Errorf("sessions: key %d: %w", i+1, err)
		}
		k := Key{Hash: hash}
		if blockText != "" {
			if k.Block, err = decodeKey(blockText); err != nil {
				return nil, fmt.Errorf("sessions: key %d: encryption key: %w", i+1, err)
			}
		}
		if len(k.Hash) < 32 {
			return nil, fmt.Errorf("sessions: key %d: signing key is %d bytes, want at least 32", i+1, len(k.Hash))
		}
		switch len(k.Block) {
		case 0, 16, 24, 32:
		default:
			return nil, fmt.Errorf("sessions: key %d: encryption key is %d bytes, want 16, 24 or 32", i+1, len(k.Block))
		}
		keys = append(keys, k)
	}
	if len(keys) == 0 {
		return nil, errors.New("sessions: no keys")
	}
	return keys, nil
}

func decodeKey(s string) ([]byte, error) {
	if h, ok := strings.CutPrefix(s, "hex."); ok {
		return hex.DecodeString(h)
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil {
			return b, nil
		}
	}
	return nil, errors.New("not hex or base64")
}

// FormatKeys is the inverse of ParseKeys (base64url, no padding).
func FormatKeys(keys []Key) string {
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = base64.RawURLEncoding.EncodeToString(k.Hash)
		if len(k.Block) > 0 {
			parts[i] += ":" + base64.RawURLEncoding.EncodeToString(k.Block)
		}
	}
	return strings.Join(parts, ",")
}

// GenerateKey returns a new random 64-byte signing key. It has no
// encryption key: the cookie holds only the random session ID, which
// encryption would not make any more secret.
func GenerateKey() Key {
	k := Key{Hash: make([]byte, 64)}
	_, _ = rand.Read(k.Hash)
	return k
}

// LoadOrCreateKeys reads the key ring kept in file, or generates one key and
// writes it there (mode 0600, folder created 0700) when the file does not
// exist, so cookies survive restarts without configuration.
func LoadOrCreateKeys(file string) ([]Key, error) {
	data, err := os.ReadFile(file)
	if err == nil {
		keys, err := ParseKeys(strings.TrimSpace(string(data)))
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", file, err)
		}
		return keys, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("reading session keys: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(file), 0o700); err != nil {
		return nil, fmt.Errorf("creating %s: %w", filepath.Dir(file), err)
	}
	// Written to a temporary file and linked into place, so a concurrent
	// start or a crash never leaves a partial key file behind.
	keys := []Key{GenerateKey()}
	tmp, err := os.CreateTemp(filepath.Dir(file), ".session-keys-*")
	if err != nil {
		return nil, fmt.Errorf("creating session keys: %w", err)
	}
	defer os.Remove(tmp.Name())
	_, werr := tmp.WriteString(FormatKeys(keys) + "\n")
	if err := errors.Join(werr, tmp.Chmod(0o600), tmp.Sync(), tmp.Close()); err != nil {
		return nil, fmt.Errorf("writing session keys: %w", err)
	}
	if err := os.Link(tmp.Name(), file); errors.Is(err, fs.ErrExist) {
		return LoadOrCreateKeys(file) // another process made it first
	} else if err != nil {
		return nil, fmt.Errorf("creating %s: %w", file, err)
	}
	return keys, nil
}
