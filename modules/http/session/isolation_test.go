package session_test

import (
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
