package client

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// testJar returns a jar with a clock the test moves.
func testJar() (*Jar, *time.Time) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	j := NewJar()
	j.now = func() time.Time { return now }
	return j, &now
}

func setCookies(j *Jar, rawURL string, lines ...string) {
	u, err := url.Parse(rawURL)
	if err != nil {
		panic(err)
	}
	j.SetCookies(u, (&http.Response{Header: http.Header{"Set-Cookie": lines}}).Cookies())
}

func cookieString(j *Jar, rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		panic(err)
	}
	var s []string
	for _, c := range j.Cookies(u) {
		s = append(s, c.Name+"="+c.Value)
	}
	return strings.Join(s, "; ")
}

// The cases follow RFC 6265 §5.1.3 (domain matching), §5.1.4 (paths),
// §5.3 (storage) and §5.4 (the Cookie header), and RFC 6265bis for Secure
// and the name prefixes.
func TestJarRFC6265(t *testing.T) {
	type query struct{ url, want string }
	tests := []struct {
		name    string
		from    string
		set     []string
		queries []query
	}{
		{"host-only", "http://www.example.com/", []string{"a=1"}, []query{
			{"http://www.example.com/", "a=1"},
			{"http://www.example.com:8080/x", "a=1"}, // ports do not isolate cookies
			{"http://example.com/", ""},
			{"http://sub.www.example.com/", ""},
		}},
		{"domain", "http://www.example.com/", []string{"a=1; Domain=example.com"}, []query{
			{"http://example.com/", "a=1"},
			{"http://www.example.com/", "a=1"},
			{"http://a.b.example.com/", "a=1"},
			{"http://notexample.com/", ""},
			{"http://example.com.evil.test/", ""},
		}},
		{"domain with a leading dot and capitals", "http://WWW.Example.COM/", []string{"a=1; Domain=.EXAMPLE.com"}, []query{
			{"http://x.example.com/", "a=1"},
		}},
		{"foreign domain refused", "http://www.example.com/", []string{"a=1; Domain=other.com", "b=2; Domain=ww.example.com", "c=3; Domain=sub.www.example.com"}, []query{
			{"http://other.com/", ""},
			{"http://www.example.com/", ""},
			{"http://sub.www.example.com/", ""},
		}},
		{"public suffix refused", "http://www.bbc.co.uk/", []string{"a=1; Domain=co.uk", "b=2; Domain=uk", "c=3; Domain=bbc.co.uk"}, []query{
			{"http://other.co.uk/", ""},
			{"http://www.bbc.co.uk/", "c=3"},
			{"http://news.bbc.co.uk/", "c=3"},
		}},
		{"public suffix as the host is host-only", "http://co.uk/", []string{"a=1; Domain=co.uk"}, []query{
			{"http://co.uk/", "a=1"},
			{"http://www.co.uk/", ""},
		}},
		{"private public suffix", "http://alice.github.io/", []string{"a=1; Domain=github.io", "b=2"}, []query{
			{"http://bob.github.io/", ""},
			{"http://alice.github.io/", "b=2"},
		}},
		{"unknown single-label TLD", "http://a.test/", []string{"a=1; Domain=test"}, []query{
			{"http://b.test/", ""},
		}},
		{"localhost", "http://localhost:8080/", []string{"a=1; Domain=localhost"}, []query{
			{"http://localhost/", "a=1"},
		}},
		{"IP address", "http://127.0.0.1/", []string{"a=1; Domain=127.0.0.1", "b=2; Domain=0.0.1", "c=3"}, []query{
			{"http://127.0.0.1/", "a=1; c=3"},
			{"http://10.0.0.1/", ""},
		}},
		{"default path", "http://example.com/a/b/c", []string{"a=1"}, []query{
			{"http://example.com/a/b", "a=1"},
			{"http://example.com/a/b/", "a=1"},
			{"http://example.com/a/b/x/y", "a=1"},
			{"http://example.com/a/bc", ""},
			{"http://example.com/a", ""},
			{"http://example.com/", ""},
		}},
		{"default path of a top-level file", "http://example.com/file", []string{"a=1"}, []query{
			{"http://example.com/", "a=1"},
			{"http://example.com/other", "a=1"},
		}},
		{"explicit path", "http://example.com/", []string{"a=1; Path=/x", "b=2; Path=/x/", "c=3; Path=relative"}, []query{
			{"http://example.com/x", "a=1; c=3"},
			{"http://example.com/x/y", "b=2; a=1; c=3"},
			{"http://example.com/xy", "c=3"},
		}},
		{"secure", "https://example.com/", []string{"a=1; Secure", "b=2"}, []query{
			{"https://example.com/", "a=1; b=2"},
			{"http://example.com/", "b=2"},
		}},
		{"secure from an insecure origin refused", "http://example.com/", []string{"a=1; Secure"}, []query{
			{"https://example.com/", ""},
		}},
		{"__Secure- prefix", "https://example.com/", []string{"__Secure-a=1; Secure", "__Secure-b=2"}, []query{
			{"https://example.com/", "__Secure-a=1"},
		}},
		{"__Host- prefix", "https://www.example.com/p/", []string{
			"__Host-a=1; Secure; Path=/",
			"__Host-b=2; Secure; Path=/; Domain=example.com",
			"__Host-c=3; Secure",
			"__Host-d=4; Path=/",
		}, []query{
			{"https://www.example.com/", "__Host-a=1"},
		}},
		{"max-age zero and past expires delete nothing new", "http://example.com/", []string{
			"a=1; Max-Age=0", "b=2; Expires=Thu, 01 Jan 1970 00:00:00 GMT", "c=3; Max-Age=100; Expires=Thu, 01 Jan 1970 00:00:00 GMT",
		}, []query{
			{"http://example.com/", "c=3"},
		}},
		{"longer paths first, then older", "http://example.com/", []string{"a=1", "b=2; Path=/p", "c=3", "d=4; Path=/p/q"}, []query{
			{"http://example.com/p/q", "d=4; b=2; a=1; c=3"},
		}},
		{"too large", "http://example.com/", []string{"a=" + strings.Repeat("x", 4096), "b=" + strings.Repeat("y", 4000)}, []query{
			{"http://example.com/", "b=" + strings.Repeat("y", 4000)},
		}},
		{"same name, different paths", "http://example.com/", []string{"a=1; Path=/", "a=2; Path=/p"}, []query{
			{"http://example.com/p", "a=2; a=1"},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			j, _ := testJar()
			setCookies(j, tc.from, tc.set...)
			for _, q := range tc.queries {
				if got := cookieString(j, q.url); got != q.want {
					t.Errorf("Cookies(%s) = %q, want %q", q.url, got, q.want)
				}
			}
		})
	}
}

func TestJarReplaceAndDelete(t *testing.T) {
	j, now := testJar()
	setCookies(j, "http://example.com/", "a=1")
	*now = now.Add(time.Second)
	setCookies(j, "http://example.com/", "b=2")
	*now = now.Add(time.Second)
	setCookies(j, "http://example.com/", "a=3") // keeps a's creation time
	if got := cookieString(j, "http://example.com/"); got != "a=3; b=2" {
		t.Fatalf("after replace: %q", got)
	}
	setCookies(j, "http://example.com/", "a=x; Max-Age=0")
	if got := cookieString(j, "http://example.com/"); got != "b=2" {
		t.Fatalf("after Max-Age=0: %q", got)
	}
	setCookies(j, "http://example.com/", "b=x; Expires=Thu, 01 Jan 1970 00:00:00 GMT")
	if got := cookieString(j, "http://example.com/"); got != "" || j.Len() != 0 {
		t.Fatalf("after a past Expires: %q, %d left", got, j.Len())
	}
	// A host-only and a domain cookie of the same name are the same
	// cookie (RFC 6265 keys by name, domain and path).
	setCookies(j, "http://example.com/", "c=host")
	setCookies(j, "http://example.com/", "c=domain; Domain=example.com")
	if got := cookieString(j, "http://www.example.com/"); got != "c=domain" {
		t.Fatalf("domain cookie replacing a host-only one: %q", got)
	}
	if j.Len() != 1 {
		t.Fatalf("Len = %d, want 1", j.Len())
	}
}

func TestJarExpiry(t *testing.T) {
	j, now := testJar()
	setCookies(j, "http://example.com/", "short=1; Max-Age=60", "long=2; Expires="+now.Add(time.Hour).Format(http.TimeFormat), "session=3")
	if got := cookieString(j, "http://example.com/"); got != "short=1; long=2; session=3" {
		t.Fatalf("fresh: %q", got)
	}
	*now = now.Add(61 * time.Second)
	if got := cookieString(j, "http://example.com/"); got != "long=2; session=3" {
		t.Fatalf("after a minute: %q", got)
	}
	*now = now.Add(time.Hour)
	if got := cookieString(j, "http://example.com/"); got != "session=3" {
		t.Fatalf("after an hour: %q", got)
	}
}

func TestJarLimits(t *testing.T) {
	j, now := testJar()
	for i := 0; i < maxCookiesPerSite+10; i++ {
		*now = now.Add(time.Second)
		setCookies(j, "http://example.com/", fmt.Sprintf("c%d=%d", i, i))
	}
	if j.Len() != maxCookiesPerSite {
		t.Fatalf("Len = %d, want %d", j.Len(), maxCookiesPerSite)
	}
	got := cookieString(j, "http://example.com/")
	if strings.Contains(got, "c0=") || strings.Contains(got, "c9=") || !strings.Contains(got, "c10=") || !strings.Contains(got, "c59=") {
		t.Fatalf("the oldest ten should be gone: %s", got)
	}
	// Another site is not affected by the first one's limit.
	setCookies(j, "http://other.com/", "o=1")
	if cookieString(j, "http://other.com/") != "o=1" {
		t.Fatal("other site lost its cookie")
	}
}

func TestJarSerializationRoundTrip(t *testing.T) {
	j, now := testJar()
	setCookies(j, "https://www.example.com/app/page", "host=1", "dom=2; Domain=example.com; Path=/", "sec=3; Secure; HttpOnly; SameSite=Strict; Max-Age=3600")
	*now = now.Add(time.Second)
	setCookies(j, "http://other.org/", `q="quoted value"; Path=/`, "gone=1; Max-Age=10")
	data, err := json.Marshal(j)
	if err != nil {
		t.Fatal(err)
	}

	k, know := testJar()
	*know = *now
	if err := json.Unmarshal(data, k); err != nil {
		t.Fatal(err)
	}
	if a, b := fmt.Sprint(j.All()), fmt.Sprint(k.All()); a != b {
		t.Fatalf("All differs after a round trip:\n%s\n%s", a, b)
	}
	for _, u := range []string{"https://www.example.com/app/x", "http://www.example.com/app", "http://a.example.com/", "http://other.org/"} {
		if a, b := cookieString(j, u), cookieString(k, u); a != b || a == "" {
			t.Fatalf("Cookies(%s): %q before, %q after", u, a, b)
		}
	}
	u, _ := url.Parse("http://other.org/")
	if c := k.Cookies(u); len(c) != 2 || c[0].Value != "quoted value" || !c[0].Quoted {
		t.Fatalf("quoted cookie lost its quotes: %+v", c)
	}
	sec := k.Matching(&url.URL{Scheme: "https", Host: "www.example.com", Path: "/app/"})
	var found bool
	for _, c := range sec {
		if c.Name == "sec" {
			found = c.Secure && c.HttpOnly && c.SameSite == "Strict" && c.HostOnly && c.Path == "/app" && !c.Expires.IsZero()
		}
	}
	if !found {
		t.Fatalf("attributes lost: %+v", sec)
	}

	// Restoring later drops what expired meanwhile.
	*know = now.Add(time.Minute)
	if err := json.Unmarshal(data, k); err != nil {
		t.Fatal(err)
	}
	if got := cookieString(k, "http://other.org/"); got != "q=quoted value" {
		t.Fatalf("restored later: %q", got)
	}
	// Garbage is an error, not a panic; hand-made bad entries are skipped.
	if err := json.Unmarshal([]byte(`{"not":"a list"}`), k); err == nil {
		t.Fatal("decoding an object succeeded")
	}
	if err := json.Unmarshal([]byte(`[{"name":"","domain":"x.com","path":"/"},{"name":"a","domain":"x.com","path":"rel"},{"name":"ok","value":"1","domain":"X.com","path":"/","hostOnly":true}]`), k); err != nil {
		t.Fatal(err)
	}
	if got := cookieString(k, "http://x.com/"); got != "ok=1" || k.Len() != 1 {
		t.Fatalf("bad entries kept: %q (%d)", got, k.Len())
	}
}

func TestJarClearAndRemove(t *testing.T) {
	j, _ := testJar()
	setCookies(j, "http://example.com/", "a=1", "b=2", "c=3; Path=/only")
	setCookies(j, "http://other.com/", "o=1")
	u, _ := url.Parse("http://example.com/")
	if n := j.Remove(u, "a"); n != 1 {
		t.Fatalf("Remove(a) = %d", n)
	}
	if got := cookieString(j, "http://example.com/only"); got != "c=3; b=2" {
		t.Fatalf("after Remove(a): %q", got)
	}
	if n := j.Remove(u); n != 1 { // b only: c is not sent to /
		t.Fatalf("Remove() = %d", n)
	}
	j.Clear()
	if j.Len() != 0 || cookieString(j, "http://other.com/") != "" {
		t.Fatal("Clear left cookies")
	}
}

// FuzzJarSetCookies feeds hostile Set-Cookie lines: the jar never panics
// and never hands a cookie to a host outside the setter's site.
func FuzzJarSetCookies(f *testing.F) {
	f.Add("www.example.com", "a=1; Domain=example.com; Path=/x")
	f.Add("co.uk", "a=1; Domain=co.uk")
	f.Add("127.0.0.1", "a=1; Domain=0.0.1; Max-Age=-1")
	f.Add("xn--nxasmq6b.example", "a=1; Domain=.ΕΛΛΗΝΙΚΆ.example")
	f.Fuzz(func(t *testing.T, host, line string) {
		u := &url.URL{Scheme: "https", Host: host, Path: "/"}
		if _, err := url.Parse(u.String()); err != nil {
			return
		}
		j := NewJar()
		setCookies(j, u.String(), line)
		for _, c := range j.All() {
			if siteKey(c.Domain) != siteKey(strings.ToLower(u.Hostname())) && !strings.HasSuffix(strings.ToLower(u.Hostname()), c.Domain) {
				t.Fatalf("cookie for %q stored from host %q", c.Domain, host)
			}
		}
		j.Cookies(&url.URL{Scheme: "http", Host: "other.example", Path: "/"})
		if _, err := json.Marshal(j); err != nil {
			t.Fatal(err)
		}
	})
}
