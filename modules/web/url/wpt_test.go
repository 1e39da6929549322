package url_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dirigo/dirigo/modules/moduletest"
	"github.com/dirigo/dirigo/runtime"
)

// wptData returns a file of the web-platform-tests URL tables that
// github.com/nlnwa/whatwg-url ships in its module (the go command has it in
// the module cache: the module is a dependency).
func wptData(t *testing.T, name string) string {
	t.Helper()
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/nlnwa/whatwg-url").Output()
	if err != nil {
		t.Skipf("go list: %v", err)
	}
	b, err := os.ReadFile(filepath.Join(strings.TrimSpace(string(out)), "testdata", name))
	if err != nil {
		t.Fatalf("the WPT table %s: %v", name, err)
	}
	if !json.Valid(b) {
		t.Fatalf("%s is not JSON", name)
	}
	return string(b)
}

// runTable runs check (a script that reads the table from the variable
// table and prints one line per failing case) and reports the failures.
func runTable(t *testing.T, table, check string) {
	t.Helper()
	s := moduletest.New(t, map[string]string{"wpt.js": "var table = " + table + ";\n" + check}, moduletest.Options{
		NoSessions: true,
		Runtime:    func(c *runtime.Config) { c.PoolSize = 1 },
	})
	resp, body := s.Get(t, "/wpt")
	if resp.StatusCode != 200 {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	lines := strings.Split(strings.TrimSpace(body), "\n")
	if !strings.HasPrefix(lines[len(lines)-1], "cases ") {
		t.Fatalf("no summary: %s", body)
	}
	for _, l := range lines[:len(lines)-1] {
		t.Error(l)
	}
	t.Log(lines[len(lines)-1])
}

// The WPT URL parsing table (urltestdata.json): every case, parsed against
// its base, gives each attribute the table says, or fails when it says so.
func TestWPTParsing(t *testing.T) {
	runTable(t, wptData(t, "urltestdata.json"), `
var out = [], n = 0, attrs = ["href", "origin", "protocol", "username", "password", "host", "hostname", "port", "pathname", "search", "hash"];
table.forEach(function (c) {
	if (typeof c === "string") return;
	n++;
	var name = JSON.stringify(c.input) + (c.base == null ? "" : " against " + JSON.stringify(c.base));
	var u;
	try { u = c.base == null ? new URL(c.input) : new URL(c.input, c.base); }
	catch (e) {
		if (!c.failure) out.push(name + ": threw " + e);
		else if (!(e instanceof TypeError)) out.push(name + ": threw a " + e.name);
		return;
	}
	if (c.failure) { out.push(name + ": parsed as " + u.href + ", want a failure"); return; }
	if (URL.canParse(c.input, c.base == null ? undefined : c.base) !== true) out.push(name + ": canParse false");
	attrs.forEach(function (a) {
		if (a in c && u[a] !== c[a]) out.push(name + ": " + a + " " + JSON.stringify(u[a]) + ", want " + JSON.stringify(c[a]));
	});
	if ("search" in c && u.searchParams.toString() !== new URLSearchParams(c.search).toString()) out.push(name + ": searchParams");
});
out.push("cases " + n);
require("http/response").print(out.join("\n"));
`)
}

// The WPT setters table (setters_tests.json): each setter, applied to the
// case's URL, leaves the attributes the table expects.
func TestWPTSetters(t *testing.T) {
	runTable(t, wptData(t, "setters_tests.json"), `
var out = [], n = 0;
Object.keys(table).forEach(function (setter) {
	if (setter === "comment") return;
	table[setter].forEach(function (c) {
		n++;
		var u = new URL(c.href);
		try { u[setter] = c.new_value; } catch (e) { out.push(setter + " " + JSON.stringify(c.new_value) + " on " + c.href + ": threw " + e); return; }
		Object.keys(c.expected).forEach(function (a) {
			if (u[a] !== c.expected[a]) out.push(setter + " = " + JSON.stringify(c.new_value) + " on " + c.href + ": " + a + " " + JSON.stringify(u[a]) + ", want " + JSON.stringify(c.expected[a]));
		});
	});
});
out.push("cases " + n);
require("http/response").print(out.join("\n"));
`)
}
