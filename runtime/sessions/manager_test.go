package sessions

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// nopStore is enough for cookie tests: it never finds anything.
type nopStore struct{}

func (nopStore) Load(context.Context, string) (*Record, error)         { return nil, ErrNotFound }
func (nopStore) Create(context.Context, string, *Record) error         { return nil }
func (nopStore) Update(context.Context, string, *Change) error         { return ErrNotFound }
func (nopStore) Rotate(context.Context, string, string, *Change) error { return ErrNotFound }
func (nopStore) Delete(context.Context, string) error                  { return nil }

func newTestManager(t testing.TB, keys ...Key) *Manager {
	t.Helper()
	if len(keys) == 0 {
		keys = []Key{GenerateKey()}
	}
	m, err := NewManager(nopStore{}, Config{Keys: keys})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

func TestCookieRoundTrip(t *testing.T) {
	for _, key := range []Key{GenerateKey(), {Hash: GenerateKey().Hash, Block: make([]byte, 32)}} {
		m := newTestManager(t, key)
		id := newID()
		v, err := m.encode("sid", id)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(v, id) && len(key.Block) > 0 {
			t.Fatal("an encrypted cookie shows the ID")
		}
		got, _, i := m.decode("sid", v)
		if got != id || i != 0 {
			t.Fatalf("decode = %q, %d", got, i)
		}
		if got, _, _ := m.decode("other", v); got != "" {
			t.Fatal("a cookie decoded under another name")
		}
	}
}

func TestVerifiedCookieMemoryExpires(t *testing.T) {
	key := GenerateKey()
	now := time.Now()
	m, err := NewManager(nopStore{}, Config{Keys: []Key{key}, Lifetime: time.Hour, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	v, _ := m.encode("sid", newID())
	if id, _, _ := m.decode("sid", v); id == "" {
		t.Fatal("a fresh cookie was refused")
	}
	// Remembered: verified without the key now.
	ring := m.ring.Load()
	good := ring.codecs
	ring.codecs = newTestManager(t).ring.Load().codecs
	if id, _, _ := m.decode("sid", v); id == "" {
		t.Fatal("a verified cookie was not remembered")
	}
	if id, _, _ := m.decode("other", v); id != "" {
		t.Fatal("a remembered cookie was accepted under another name")
	}
	// Past the lifetime (plus the minute of slack) the memory does not count.
	now = now.Add(time.Hour + 2*time.Minute)
	if id, _, _ := m.decode("sid", v); id != "" {
		t.Fatal("a remembered cookie outlived its lifetime")
	}
	ring.codecs = good
}

// FuzzCookie feeds hostile cookie values to the decoder: it must never
// panic, and it must accept only values the manager signed.
func FuzzCookie(f *testing.F) {
	m := newTestManager(f)
	good, _ := m.encode("sid", newID())
	for _, s := range []string{"", " ", "|||", good, good[:len(good)/2], good + "x", strings.Repeat("A", 5000),
		"MTc5NTIzOTQxMnxiazlDbVlNTElUSWU2MVQ4N3JiZ0xxNkIy|", "%00", "a|b|c|d"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		id, _, _ := m.decode("sid", v)
		if id == "" {
			return
		}
		if !validID([]byte(id)) {
			t.Fatalf("decoded a malformed ID %q", id)
		}
		if v != good {
			// Another valid cookie is only possible by signing one.
			t.Fatalf("accepted a cookie the manager did not sign: %q", v)
		}
	})
}

func TestReadCookieTakesFirstValid(t *testing.T) {
	m := newTestManager(t)
	id := newID()
	good, _ := m.encode("sid", id)
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.Header.Set("Cookie", "sid=bad; other=x; sid="+good+"; sid=worse")
	if got, _, _ := m.readCookie(r); got != id {
		t.Fatalf("readCookie = %q", got)
	}
	r.TLS = nil
	r.Header.Set("Cookie", "__Host-sid="+good)
	if got, _, _ := m.readCookie(r); got != "" {
		t.Fatal("the __Host- cookie was read over plain HTTP")
	}
}

func TestParseKeys(t *testing.T) {
	k := GenerateKey()
	kb := Key{Hash: GenerateKey().Hash, Block: make([]byte, 16)}
	ring, err := ParseKeys(FormatKeys([]Key{k, kb}))
	if err != nil || len(ring) != 2 || string(ring[0].Hash) != string(k.Hash) || len(ring[1].Block) != 16 {
		t.Fatalf("ParseKeys(FormatKeys) = %v, %v", ring, err)
	}
	if _, err := ParseKeys("hex.00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"); err != nil {
		t.Fatalf("hex key: %v", err)
	}
	for _, bad := range []string{"", "short", "!!!!", FormatKeys([]Key{k}) + ":abcd"} {
		if _, err := ParseKeys(bad); err == nil {
			t.Errorf("ParseKeys(%q) accepted", bad)
		}
	}
}

func TestLoadOrCreateKeys(t *testing.T) {
	file := filepath.Join(t.TempDir(), "data", "session-keys")
	k1, err := LoadOrCreateKeys(file)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(file)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v %v", fi, err)
	}
	k2, err := LoadOrCreateKeys(file)
	if err != nil || string(k1[0].Hash) != string(k2[0].Hash) {
		t.Fatalf("keys changed across loads: %v", err)
	}
	if err := os.WriteFile(file, []byte("garbage"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadOrCreateKeys(file); err == nil || !strings.Contains(err.Error(), file) {
		t.Fatalf("a corrupt key file: %v", err)
	}
}

func TestLoadOrCreateKeysConcurrently(t *testing.T) {
	file := filepath.Join(t.TempDir(), "session-keys")
	var wg sync.WaitGroup
	got := make([]string, 8)
	for i := range got {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			keys, err := LoadOrCreateKeys(file)
			if err != nil {
				t.Error(err)
				return
			}
			got[i] = FormatKeys(keys)
		}(i)
	}
	wg.Wait()
	for _, g := range got[1:] {
		if g != got[0] {
			t.Fatal("concurrent starts made different keys")
		}
	}
	if entries, _ := os.ReadDir(filepath.Dir(file)); len(entries) != 1 {
		t.Fatalf("%d files left beside the keys", len(entries))
	}
}

func TestLockTable(t *testing.T) {
	var lt lockTable
	lt.init(1)
	held, err := lt.lock(context.Background(), "k")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := lt.lock(ctx, "k"); !errors.Is(err, ErrBusy) {
		t.Fatalf("second lock = %v, want ErrBusy", err)
	}
	if u, ok := lt.tryLock("other"); !ok {
		t.Fatal("another key is locked")
	} else {
		u.release()
	}
	held.release()
	held.release() // a second release does nothing
	var wg sync.WaitGroup
	var mu sync.Mutex
	inside := 0
	for i := 0; i < 16; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 100; j++ {
				u, err := lt.lock(context.Background(), "k")
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				inside++
				if inside != 1 {
					t.Error("two holders")
				}
				inside--
				mu.Unlock()
				u.release()
			}
		}()
	}
	wg.Wait()
	for i := range lt.shards {
		if n := len(lt.shards[i].m); n != 0 {
			t.Fatalf("%d lock entries left behind", n)
		}
	}
}

func TestMetaExpires(t *testing.T) {
	now := time.Now()
	tests := []struct {
		name string
		m    Meta
		want time.Time
	}{
		{"idle first", Meta{Accessed: now, MaxIdle: time.Minute, Deadline: now.Add(time.Hour)}, now.Add(time.Minute)},
		{"deadline first", Meta{Accessed: now, MaxIdle: time.Hour, Deadline: now.Add(time.Minute)}, now.Add(time.Minute)},
		{"no idle limit", Meta{Accessed: now, MaxIdle: 0, Deadline: now.Add(time.Minute)}, now.Add(time.Minute)},
		{"negative idle", Meta{Accessed: now, MaxIdle: -time.Second, Deadline: now.Add(time.Minute)}, now.Add(time.Minute)},
		{"no deadline", Meta{Accessed: now, MaxIdle: time.Minute}, now.Add(time.Minute)},
		{"never", Meta{Accessed: now}, time.Time{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.m.Expires(); !got.Equal(tc.want) {
				t.Fatalf("Expires = %v, want %v", got, tc.want)
			}
		})
	}
}
