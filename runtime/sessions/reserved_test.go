package sessions_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"

	"github.com/dirigo/dirigo/runtime/sessions"
	"github.com/dirigo/dirigo/runtime/sessions/memstore"
)

// request runs fn on the session of a request carrying cookie (nil: none),
// commits it, and returns the session cookie the response sets (nil: none).
func request(t *testing.T, m *sessions.Manager, cookie *http.Cookie, fn func(s *sessions.Session)) *http.Cookie {
	t.Helper()
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	if cookie != nil {
		r.AddCookie(cookie)
	}
	s := m.Begin(r)
	fn(s)
	w := httptest.NewRecorder()
	if err := s.CommitLast(w.Header()); err != nil {
		t.Fatal(err)
	}
	s.End()
	for _, c := range w.Result().Cookies() {
		return c
	}
	return nil
}

// TestReservedAttributes checks that the server's attributes are out of a
// script's reach (no read, no write, no removal, not listed) and that they
// live and die with the session: kept across requests and a new ID, gone
// with invalidate.
func TestReservedAttributes(t *testing.T) {
	m, err := sessions.NewManager(memstore.New(memstore.Config{}), sessions.Config{Keys: []sessions.Key{sessions.GenerateKey()}})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	name := sessions.ReservedPrefix + "user"

	cookie := request(t, m, nil, func(s *sessions.Session) {
		if err := s.Set(name, []byte(`"mallory"`)); !errors.Is(err, sessions.ErrReserved) {
			t.Errorf("Set(%q) = %v, want ErrReserved", name, err)
		}
		if err := s.Set("cart", []byte(`[1]`)); err != nil {
			t.Fatal(err)
		}
		if err := s.SetPrivate("user", []byte(`"alice"`)); err != nil {
			t.Fatal(err)
		}
	})
	if cookie == nil {
		t.Fatal("no session cookie")
	}
	var rotated *http.Cookie
	rotated = request(t, m, cookie, func(s *sessions.Session) {
		if v, ok, err := s.Get(name); err != nil || ok || v != nil {
			t.Errorf("Get(%q) = %q, %v, %v; want nothing", name, v, ok, err)
		}
		if names, _ := s.Names(); !slices.Equal(names, []string{"cart"}) {
			t.Errorf("Names() = %q, want [cart]", names)
		}
		if err := s.Remove(name); !errors.Is(err, sessions.ErrReserved) {
			t.Errorf("Remove(%q) = %v, want ErrReserved", name, err)
		}
		if v, ok, err := s.Private("user"); err != nil || !ok || string(v) != `"alice"` {
			t.Errorf("Private(user) = %q, %v, %v", v, ok, err)
		}
		if _, err := s.ChangeID(); err != nil {
			t.Fatal(err)
		}
	})
	if rotated == nil || rotated.Value == cookie.Value {
		t.Fatal("ChangeID sent no new cookie")
	}
	request(t, m, rotated, func(s *sessions.Session) {
		if v, ok, _ := s.Private("user"); !ok || string(v) != `"alice"` {
			t.Errorf("after ChangeID: Private(user) = %q, %v", v, ok)
		}
		if err := s.RemovePrivate("user"); err != nil {
			t.Fatal(err)
		}
	})
	request(t, m, rotated, func(s *sessions.Session) {
		if _, ok, _ := s.Private("user"); ok {
			t.Error("RemovePrivate left the attribute")
		}
		if err := s.SetPrivate("user", []byte(`"bob"`)); err != nil {
			t.Fatal(err)
		}
		if err := s.Invalidate(); err != nil {
			t.Fatal(err)
		}
		if _, ok, _ := s.Private("user"); ok {
			t.Error("Invalidate left the server's attribute")
		}
	})
	request(t, m, rotated, func(s *sessions.Session) {
		if ok, _ := s.Exists(); ok {
			t.Error("the invalidated session is still there")
		}
	})
}
