package session_test

import (
	"encoding/json"
	"io"
	"net/http/cookiejar"
	"strings"
	"testing"

	"github.com/dirigo/dirigo/modules/moduletest"
	"github.com/dirigo/dirigo/runtime"
)

// user returns a client of s with its own cookie jar.
func userClient(t *testing.T, s *moduletest.Server) func(path string) string {
	jar, _ := cookiejar.New(nil)
	c := *s.Client
	c.Jar = jar
	return func(path string) string {
		t.Helper()
		resp, err := c.Get(s.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
}

// TestCreateSessionNotShared reproduces issue 7: with one VM, the object
// createSession() returns must carry nothing from one user's request to
// another's, and a script must not be able to hook it for later requests.
func TestCreateSessionNotShared(t *testing.T) {
	s := moduletest.New(t, map[string]string{
		"cart.js": `
var item = require("http/request").getParameter("item");
var s = createSession();
try { s.cart = s.cart || []; s.cart.push(item); } catch (e) {}
var stored = s.getAttribute("cart") || [];
stored.push(item);
s.setAttribute("cart", stored);
require("http/response").print(JSON.stringify({plain: s.cart || null, stored: stored}));`,
		"hook.js": `
var s = createSession();
var r = [];
try { s.getAttribute = function () { return "hooked"; }; r.push("assigned"); } catch (e) { r.push(e.name); }
try { Object.defineProperty(s, "setAttribute", {value: function () {}}); r.push("defined"); } catch (e) { r.push(e.name); }
try { s.getAttribute.call = function () { return "hooked"; }; r.push("assigned call"); } catch (e) { r.push(e.name); }
require("http/response").print(r.join(","));`,
		"victim.js": `
var s = createSession();
s.setAttribute("x", "mine");
require("http/response").print(String(s.getAttribute("x")) + "," + String(s.getAttribute.call === Function.prototype.call) + "," + Object.isFrozen(s));`,
	}, moduletest.Options{Runtime: func(c *runtime.Config) { c.PoolSize = 1 }})
	alice, bob := userClient(t, s), userClient(t, s)
	a := alice("/cart?item=apple")
	b := bob("/cart?item=pear")
	if strings.Contains(b, "apple") {
		t.Fatalf("Bob sees Alice's cart: alice %s, bob %s", a, b)
	}
	if b != `{"plain":null,"stored":["pear"]}` {
		t.Fatalf("bob: %s", b)
	}
	if a2 := alice("/cart?item=fig"); a2 != `{"plain":null,"stored":["apple","fig"]}` {
		t.Fatalf("alice again: %s", a2)
	}
	if h := alice("/hook"); h != "TypeError,TypeError,TypeError" {
		t.Errorf("hooking createSession(): %s", h)
	}
	if v := bob("/victim"); v != "mine,true,true" {
		t.Fatalf("after the hook, Bob's session reads %q", v)
	}
}

// TestLimitErrorsQuoteNamesShort: a limit error names the attribute by its
// first bytes, not the 2 MB name a script passed.
func TestLimitErrorsQuoteNamesShort(t *testing.T) {
	s := moduletest.New(t, map[string]string{
		"limits.js": `
var s = require("http/session"), name = "n".repeat(2 << 20), r = [];
try { s.setAttribute(name, "x".repeat(70000)); } catch (e) { r.push(e.message); }
try { s.setAttribute(name, 1); } catch (e) { r.push(e.message); }
try { s.setAttribute(name, function () {}); } catch (e) { r.push(e.message); }
try { createSession().setAttribute(name, Symbol("s")); } catch (e) { r.push(e.message); }
require("http/response").print(JSON.stringify(r));`,
		"uncaught.js": `require("http/session").setAttribute("n".repeat(2 << 20), 1);`,
	}, moduletest.Options{})
	_, body := s.Get(t, "/limits")
	var msgs []string
	if err := json.Unmarshal([]byte(body), &msgs); err != nil || len(msgs) != 4 {
		t.Fatalf("body %.300s", body)
	}
	short := `"` + strings.Repeat("n", 64) + `"… (2097152 bytes)`
	for _, m := range msgs {
		if len(m) > 300 || !strings.Contains(m, short) {
			t.Errorf("message of %d bytes: %.300s", len(m), m)
		}
	}
	if resp, _ := s.Get(t, "/uncaught"); resp.StatusCode != 500 {
		t.Fatalf("uncaught: %d", resp.StatusCode)
	}
	for _, line := range strings.Split(s.Logs(), "\n") {
		if len(line) > 2000 {
			t.Errorf("a log line of %d bytes: %.300s", len(line), line)
		}
	}
}
