package client

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"os"
	"strings"
	"testing"
)

func writeFile(path, s string) error { return os.WriteFile(path, []byte(s), 0o600) }

func TestParsePrefixes(t *testing.T) {
	tests := []struct {
		in   string
		want []string
		err  bool
	}{
		{"", []string{}, false},
		{" , ", []string{}, false},
		{"169.254.0.0/16,fe80::/10", []string{"169.254.0.0/16", "fe80::/10"}, false},
		{"10.1.2.3", []string{"10.1.2.3/32"}, false},
		{"::1", []string{"::1/128"}, false},
		{"10.1.2.3/8", []string{"10.0.0.0/8"}, false},
		{"::ffff:169.254.0.0/112", []string{"169.254.0.0/16"}, false},
		{"10.0.0.0/33", nil, true},
		{"example.com", nil, true},
	}
	for _, tc := range tests {
		got, err := ParsePrefixes(tc.in)
		if tc.err {
			if err == nil {
				t.Errorf("ParsePrefixes(%q) = %v, want an error", tc.in, got)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParsePrefixes(%q): %v", tc.in, err)
			continue
		}
		if got == nil {
			t.Errorf("ParsePrefixes(%q) = nil, want a non-nil list", tc.in)
		}
		var s []string
		for _, p := range got {
			s = append(s, p.String())
		}
		if strings.Join(s, ",") != strings.Join(tc.want, ",") {
			t.Errorf("ParsePrefixes(%q) = %v, want %v", tc.in, s, tc.want)
		}
	}
}

func TestPolicyAllowed(t *testing.T) {
	p := policy{deny: DefaultDeny()}
	allow, _ := ParsePrefixes("169.254.10.0/24")
	pa := policy{deny: DefaultDeny(), allow: allow}
	tests := []struct {
		p    *policy
		addr string
		want bool
	}{
		{&p, "169.254.169.254", false},
		{&p, "::ffff:169.254.169.254", false},
		{&p, "fe80::1", false},
		{&p, "127.0.0.1", true},
		{&p, "::1", true},
		{&p, "10.0.0.1", true},
		{&p, "192.168.1.1", true},
		{&p, "8.8.8.8", true},
		{&pa, "169.254.10.7", true},
		{&pa, "169.254.169.254", false},
		{&policy{}, "169.254.169.254", true},
	}
	for _, tc := range tests {
		if got := tc.p.allowed(netip.MustParseAddr(tc.addr)); got != tc.want {
			t.Errorf("allowed(%s) = %v, want %v", tc.addr, got, tc.want)
		}
	}
}

func TestDenyFirstHop(t *testing.T) {
	c := newClient(t, Config{Resolver: fakeResolver{
		"metadata.test": addrs("169.254.169.254"),
		"v6meta.test":   addrs("fe80::1"),
	}})
	for _, u := range []string{
		"http://169.254.169.254/latest/meta-data/",
		"http://[fe80::1]/",
		"http://metadata.test/",
		"http://v6meta.test:8080/",
		"http://[::ffff:169.254.169.254]/",
	} {
		_, err := c.Do(testCtx(t), &Request{URL: u})
		wantKind(t, err, KindDenied, CodeCannotConnectToHost)
		if !errors.Is(err, ErrDenied) {
			t.Fatalf("%s: errors.Is(err, ErrDenied) false: %v", u, err)
		}
	}
}

func TestDenyRedirectHop(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/literal":
			http.Redirect(w, r, "http://169.254.169.254/latest/", http.StatusFound)
		case "/name":
			http.Redirect(w, r, "http://metadata.test/latest/", http.StatusFound)
		default:
			io.WriteString(w, "ok")
		}
	}))
	defer srv.Close()
	c := newClient(t, Config{Resolver: fakeResolver{"metadata.test": addrs("169.254.169.254")}})
	for _, p := range []string{"/literal", "/name"} {
		_, err := c.Do(testCtx(t), &Request{URL: srv.URL + p})
		wantKind(t, err, KindDenied, CodeCannotConnectToHost)
	}
	// The same through a session (its own pool and jar).
	s, err := c.NewSession(testCtx(t), SessionConfig{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.Do(testCtx(t), &Request{URL: srv.URL + "/name"})
	wantKind(t, err, KindDenied, CodeCannotConnectToHost)
}

func TestDenyAndAllowLoopback(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "ok")
	}))
	defer srv.Close()
	u, _ := url.Parse(srv.URL)
	loopback, _ := ParsePrefixes("127.0.0.0/8")
	host, _ := ParsePrefixes(u.Hostname())

	// Deny the loopback range: the server cannot be reached, by address
	// or by a name that resolves to it.
	c := newClient(t, Config{Deny: loopback})
	_, err := c.Do(testCtx(t), &Request{URL: srv.URL})
	wantKind(t, err, KindDenied, CodeCannotConnectToHost)
	_, err = c.Do(testCtx(t), &Request{URL: "http://localhost:" + u.Port()})
	wantKind(t, err, KindDenied, CodeCannotConnectToHost)

	// Allow overrides the deny list.
	c = newClient(t, Config{Deny: loopback, Allow: host})
	resp, err := c.Do(testCtx(t), &Request{URL: "http://localhost:" + u.Port()})
	if err != nil {
		t.Fatal(err)
	}
	resp.ReadAll()

	// An empty deny list denies nothing.
	c = newClient(t, Config{Deny: []netip.Prefix{}, Resolver: fakeResolver{}})
	if c.policy.allowed(netip.MustParseAddr("169.254.169.254")) != true {
		t.Fatal("an empty, non-nil deny list still denies link-local")
	}
}
