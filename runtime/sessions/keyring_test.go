package sessions

import (
	"sync"
	"testing"
)

// SetKeys rotates the key ring of a running manager: a cookie signed with a
// key still in the ring verifies (and is re-signed), one whose key left the
// ring stops verifying at once, remembered or not.
func TestSetKeys(t *testing.T) {
	a, b := GenerateKey(), GenerateKey()
	m := newTestManager(t, a)
	id := newID()
	v, err := m.encode("sid", id)
	if err != nil {
		t.Fatal(err)
	}
	if got, _, i := m.decode("sid", v); got != id || i != 0 {
		t.Fatalf("before: %q %d", got, i)
	}
	if err := m.SetKeys([]Key{b, a}); err != nil {
		t.Fatal(err)
	}
	if got, _, i := m.decode("sid", v); got != id || i != 1 {
		t.Fatalf("after adding a new first key: %q, key %d (want the old key, 1: re-signed)", got, i)
	}
	nv, _ := m.encode("sid", id)
	if got, _, _ := newTestManager(t, b).decode("sid", nv); got != id {
		t.Fatal("the new first key does not sign")
	}
	if err := m.SetKeys([]Key{b}); err != nil {
		t.Fatal(err)
	}
	if got, _, _ := m.decode("sid", v); got != "" {
		t.Fatal("a cookie of a removed key still verifies")
	}
	if got, _, _ := m.decode("sid", nv); got != id {
		t.Fatal("a cookie of the kept key no longer verifies")
	}
	if err := m.SetKeys([]Key{{Hash: []byte("short")}}); err == nil {
		t.Fatal("a short key was accepted")
	}
	if err := m.SetKeys(nil); err == nil {
		t.Fatal("an empty ring was accepted")
	}
	if got, _, _ := m.decode("sid", nv); got != id {
		t.Fatal("a failed SetKeys changed the ring")
	}
}

// SetKeys is safe while requests verify and sign cookies (run with -race).
func TestSetKeysConcurrently(t *testing.T) {
	a, b := GenerateKey(), GenerateKey()
	m := newTestManager(t, a)
	v, _ := m.encode("sid", newID())
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				m.decode("sid", v)
				if _, err := m.encode("sid", newID()); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	for i := 0; i < 50; i++ {
		ring := []Key{a, b}
		if i%2 == 1 {
			ring = []Key{b, a}
		}
		if err := m.SetKeys(ring); err != nil {
			t.Fatal(err)
		}
	}
	wg.Wait()
}
