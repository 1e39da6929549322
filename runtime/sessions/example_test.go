package sessions_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/dirigo/dirigo/runtime/sessions"
	"github.com/dirigo/dirigo/runtime/sessions/memstore"
)

func ExampleManager() {
	m, err := sessions.NewManager(memstore.New(memstore.Config{}), sessions.Config{
		Keys: []sessions.Key{sessions.GenerateKey()},
	})
	if err != nil {
		panic(err)
	}
	defer m.Close()

	// First request: no cookie. Setting an attribute creates the session.
	r1 := httptest.NewRequest(http.MethodGet, "/", nil)
	s := m.Begin(r1)
	_ = s.Set("user", []byte(`"ada"`))
	w := httptest.NewRecorder()
	_ = s.Commit(w.Header()) // before the first byte of the response
	s.End()
	cookie := w.Result().Cookies()[0]

	// Second request: the cookie brings the session back.
	r2 := httptest.NewRequest(http.MethodGet, "/", nil)
	r2.AddCookie(cookie)
	s = m.Begin(r2)
	v, ok, _ := s.Get("user")
	isNew, _ := s.IsNew()
	s.End()
	fmt.Println(cookie.Name, string(v), ok, isNew)
	// Output: sid "ada" true false
}
