package auth

import (
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"
)

func bcryptHash(t testing.TB, pass string) string {
	t.Helper()
	h, err := bcrypt.GenerateFromPassword([]byte(pass), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	return string(h)
}

func TestParseTable(t *testing.T) {
	h := bcryptHash(t, "pw")
	y := "$2y$" + h[4:] // htpasswd -B writes $2y$
	good := "# users\n\nalice:" + h + ":ADMINISTRATOR, Developer\nbob:" + y + "\n/admin ADMINISTRATOR\n/reports *\n/reports/open -\n"
	tbl, err := parseTable([]byte(good))
	if err != nil {
		t.Fatal(err)
	}
	if len(tbl.users) != 2 || len(tbl.rules) != 3 {
		t.Fatalf("users %d rules %d", len(tbl.users), len(tbl.rules))
	}
	a := tbl.users["alice"]
	if got := strings.Join(a.basic.Roles, "|"); got != "ADMINISTRATOR|Developer" || a.basic.AuthType != "Basic" || a.form.AuthType != "FORM" {
		t.Errorf("alice: roles %q, %s/%s", got, a.basic.AuthType, a.form.AuthType)
	}
	if len(tbl.users["bob"].basic.Roles) != 0 {
		t.Error("bob has roles")
	}
	if tbl.users["alice"].key == "" || tbl.users["alice"].key == tbl.users["bob"].key {
		t.Error("the login keys of two users are equal")
	}
	if bcrypt.CompareHashAndPassword(tbl.users["bob"].hash, []byte("pw")) != nil {
		t.Error("a $2y$ hash does not verify")
	}

	for _, tc := range []struct{ name, file, want string }{
		{"plain password", "carol:secret\n", "not a bcrypt hash"},
		{"no hash", "carol\n", "want NAME:BCRYPT-HASH"},
		{"twice", "bob:" + h + "\nbob:" + h + "\n", "appears twice"},
		{"bad name", "a b:" + h + "\n", "invalid user name"},
		{"bad role", "bob:" + h + ":A B\n", "invalid role"},
		{"empty role", "bob:" + h + ":A,,B\n", "invalid role"},
		{"rule without roles", "/admin\n", "want a rule"},
		{"rule twice", "/admin A\n/Admin/ B\n", "second rule"},
		{"rule on /services", "/services/js/admin A\n", "drop the services prefix"},
		{"rule on /public", "/public A\n", "drop the public prefix"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parseTable([]byte(tc.file))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want %q", err, tc.want)
			}
			if strings.Contains(err.Error(), h) || strings.Contains(err.Error(), "secret") {
				t.Fatalf("the error shows the password or its hash: %v", err)
			}
		})
	}
}

func TestRequirement(t *testing.T) {
	tbl, err := parseTable([]byte("/admin ADMINISTRATOR,Operator\n/reports *\n/reports/open -\n/api/x.js Api\n"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		url, file string
		need      need
		roles     string
	}{
		{"/hello", "hello.js", needNone, ""},
		{"/services/js/hello.js", "hello.js", needLogin, ""},
		{"/services", "", needLogin, ""},
		{"/public/js/hello.js", "hello.js", needNone, ""},
		{"/admin/x", "admin/x.js", needRoles, "ADMINISTRATOR,Operator"},
		{"/ADMIN/x.js", "ADMIN/x.js", needRoles, "ADMINISTRATOR,Operator"}, // a case-insensitive file system
		{"/public/js/admin/x.js", "admin/x.js", needRoles, "ADMINISTRATOR,Operator"},
		{"/services/js/admin/x.js", "admin/x.js", needRoles, "ADMINISTRATOR,Operator"},
		{"/services/ts/admin/x.ts", "admin/x.ts", needRoles, "ADMINISTRATOR,Operator"},
		{"/admin", "", needRoles, "ADMINISTRATOR,Operator"}, // not found: the URL still counts
		{"//admin//x.js", "", needRoles, "ADMINISTRATOR,Operator"},
		{"/administrator.js", "administrator.js", needNone, ""},
		{"/reports/q", "reports/q.js", needLogin, ""},
		{"/reports/open/q", "reports/open/q.js", needNone, ""},
		{"/services/js/reports/open/q.js", "reports/open/q.js", needLogin, ""},
		{"/api/x/1/2", "api/x.js", needRoles, "Api"}, // a clean URL with a sub-path
	} {
		n, roles := tbl.requirement(tc.url, tc.file)
		var got []string
		for _, r := range roles {
			got = append(got, strings.Join(r, ","))
		}
		if n != tc.need || strings.Join(got, ";") != strings.Join(dup(tc.roles, len(got)), ";") {
			t.Errorf("requirement(%q, %q) = %d %q, want %d %q", tc.url, tc.file, n, got, tc.need, tc.roles)
		}
	}
}

// dup repeats s n times (a rule found by the URL and by the file counts twice).
func dup(s string, n int) []string {
	if s == "" {
		return nil
	}
	out := make([]string, max(n, 1))
	for i := range out {
		out[i] = s
	}
	return out
}

func TestReturnPath(t *testing.T) {
	for in, want := range map[string]string{
		"/services/js/x.js?a=1":              "/services/js/x.js?a=1",
		"/":                                  "/",
		"":                                   "",
		"//evil.example/":                    "",
		"/\\evil.example/":                   "",
		"https://evil.example/":              "",
		"evil":                               "",
		"/a\r\nSet-Cookie: x":                "",
		"/" + strings.Repeat("a", maxReturn): "",
	} {
		if got := returnPath(in); got != want {
			t.Errorf("returnPath(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzReturnPath: whatever a client sends, the login redirects to a path
// of this site or nowhere.
func FuzzReturnPath(f *testing.F) {
	for _, s := range []string{"/x", "//x", "/\\x", "/x\x00", "http://x", "/%2F/x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p := returnPath(s)
		if p == "" {
			return
		}
		if p != s || p[0] != '/' || strings.HasPrefix(p, "//") || strings.ContainsAny(p, "\\\r\n\x00") {
			t.Fatalf("returnPath(%q) = %q", s, p)
		}
	})
}

func TestLimiter(t *testing.T) {
	now := time.Unix(1000, 0)
	l := newLimiter(3, 10*time.Second, 100)
	for i := 0; i < 3; i++ {
		if w := l.wait("192.0.2.1", now); w != 0 {
			t.Fatalf("try %d: wait %v", i, w)
		}
		l.fail("192.0.2.1", now)
	}
	if w := l.wait("192.0.2.1", now); w != 10*time.Second {
		t.Fatalf("after the burst: wait %v, want 10s", w)
	}
	if w := l.wait("192.0.2.2", now); w != 0 {
		t.Fatal("another client is limited")
	}
	if w := l.wait("192.0.2.1", now.Add(4*time.Second)); w != 6*time.Second {
		t.Fatalf("4s later: wait %v, want 6s", w)
	}
	if w := l.wait("192.0.2.1", now.Add(10*time.Second)); w != 0 {
		t.Fatalf("10s later: wait %v", w)
	}
	// An IPv6 client is its /64.
	for i := 0; i < 3; i++ {
		l.fail("2001:db8:1:2::"+string(rune('a'+i)), now)
	}
	if l.wait("2001:db8:1:2:ffff::1", now) == 0 {
		t.Error("an address of the same /64 is not limited")
	}
	if l.wait("2001:db8:1:3::1", now) != 0 {
		t.Error("another /64 is limited")
	}
	// The map stays bounded however many clients fail.
	for i := 0; i < 1000; i++ {
		l.fail("198.51.100."+string(rune('0'+i%10))+string(rune('0'+i/10%10))+string(rune('0'+i/100)), now)
	}
	if len(l.buckets) > 100 {
		t.Errorf("%d buckets, want at most 100", len(l.buckets))
	}
}
