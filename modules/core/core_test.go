package core_test

import (
	"os"
	"path/filepath"
	"reflect"
	goruntime "runtime"
	"testing"

	"github.com/dirigo/dirigo/modules/core"
	"github.com/dirigo/dirigo/modules/dirigible"
	"github.com/dirigo/dirigo/modules/moduletest"
	"github.com/dirigo/dirigo/runtime"
)

func TestPrecedenceAndFile(t *testing.T) {
	file := filepath.Join(t.TempDir(), "dirigible.properties")
	write := func(s string) {
		if err := os.WriteFile(file, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(`# a comment
! another
APP_NAME = from file
both=file
spaced   value with spaces
colon: yes
escaped\ key = tab\there \u00e9
multi = one, \
        two
`)
	env := []string{"both=env", "HOME_X=h", "DIRIGO_SESSION_KEYS=secret", "NOEQUALS"}
	c, err := core.NewConfigurations(core.Options{File: file, Environ: func() []string { return env }})
	if err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]string{
		"APP_NAME": "from file", "both": "env", "spaced": "value with spaces", "colon": "yes",
		"escaped key": "tab\there é", "multi": "one, two", "HOME_X": "h",
	} {
		if got, ok := c.Get(k); !ok || got != want {
			t.Errorf("%s = %q %v, want %q", k, got, ok, want)
		}
	}
	if _, ok := c.Get("DIRIGO_SESSION_KEYS"); ok {
		t.Error("dirigo's own setting is visible")
	}
	c.Set("both", "set")
	c.Load([]byte("loaded=1\nAPP_NAME=loaded"))
	if v, _ := c.Get("both"); v != "set" {
		t.Errorf("set does not win: %q", v)
	}
	if v, _ := c.Get("APP_NAME"); v != "from file" {
		t.Errorf("a loaded file wins over the configuration file: %q", v)
	}
	want := []string{"APP_NAME", "HOME_X", "both", "colon", "escaped key", "loaded", "multi", "spaced"}
	if got := c.Keys(); !reflect.DeepEqual(got, want) {
		t.Errorf("keys %q, want %q", got, want)
	}
	c.Remove("both")
	if v, _ := c.Get("both"); v != "env" {
		t.Errorf("after remove: %q", v)
	}
	write("APP_NAME=changed")
	env = []string{"NEW=1"}
	if err := c.Update(); err != nil {
		t.Fatal(err)
	}
	if v, _ := c.Get("APP_NAME"); v != "changed" {
		t.Errorf("update did not reread the file: %q", v)
	}
	if _, ok := c.Get("HOME_X"); ok {
		t.Error("update did not reread the environment")
	}
	if v, _ := c.Get("loaded"); v != "1" {
		t.Error("update dropped what load loaded")
	}
	if _, err := core.NewConfigurations(core.Options{File: filepath.Join(t.TempDir(), "missing")}); err == nil {
		t.Error("no error for a missing configuration file")
	}
}

func TestModules(t *testing.T) {
	env := []string{"COLOR=blue", "DIRIGO_REDIS_PASSWORD=pw", "EMPTY="}
	environ := func() []string { return env }
	c, err := core.NewConfigurations(core.Options{Environ: environ})
	if err != nil {
		t.Fatal(err)
	}
	s := moduletest.New(t, map[string]string{
		"p/_conf/app.properties": "app.title=Shop\n",
		"p/cur.mjs": `
import { configurations, Configurations, env, Env } from "test/core";
import { response } from "sdk/http";
const out = [configurations === Configurations, env === Env];
out.push(Configurations.get("COLOR"), Configurations.get("nope"), Configurations.get("nope", "dflt"), Configurations.get("nope", ""));
out.push(Env.get("COLOR"), Env.get("nope"), Env.get("DIRIGO_REDIS_PASSWORD"), JSON.stringify(Env.list()));
Configurations.load("_conf/app.properties");
out.push(Configurations.get("app.title"), Configurations.getKeys().join(","));
try { Configurations.load("../../../../etc/hostname"); } catch (e) { out.push("outside the root: " + e.message.includes("no such file")); }
try { Configurations.set(); } catch (e) { out.push(e.message); }
response.print(JSON.stringify(out));
`,
		"p/v4.js": `
var configurations = require("test/core/v4/configurations"), env = require("test/core/v4/env"), response = require("http/response");
configurations.set("counter", String(Number(configurations.get("counter", "0")) + 1));
response.print(JSON.stringify([configurations.get("nope"), configurations.get("nope", ""), configurations.get("nope", "d"),
	env.get("nope"), env.list(), configurations.get("counter")]));
`,
	}, moduletest.Options{Modules: []runtime.Module{
		c.Module("test/core/configurations", dirigible.Current),
		core.EnvModule("test/core/env", dirigible.Current, environ),
		core.Index("test/core", "test/core/"),
		c.Module("test/core/v4/configurations", dirigible.V4),
		core.EnvModule("test/core/v4/env", dirigible.V4, environ),
	}})
	resp, body := s.Get(t, "/p/cur")
	want := `[true,true,"blue",null,"dflt","","blue",null,null,"{\"COLOR\":\"blue\",\"EMPTY\":\"\"}","Shop","COLOR,EMPTY,app.title",` +
		`"outside the root: true","configurations.set: the key must be a string"]`
	// undefined prints as null in JSON: check the current flavor's undefined apart.
	if resp.StatusCode != 200 || body != want {
		t.Errorf("sdk/core: %d\n%s\nwant\n%s\n%s", resp.StatusCode, body, want, s.Logs())
	}
	// A set() is the server's: the next request sees it, as in Dirigible.
	for i, want := range []string{
		`[null,null,"d",null,"{\"COLOR\":\"blue\",\"EMPTY\":\"\"}","1"]`,
		`[null,null,"d",null,"{\"COLOR\":\"blue\",\"EMPTY\":\"\"}","2"]`,
	} {
		if resp, body := s.Get(t, "/p/v4"); resp.StatusCode != 200 || body != want {
			t.Errorf("v4 run %d: %d %s, want %s", i, resp.StatusCode, body, want)
		}
	}
	s.Write(t, "p/undef.mjs", `
import { Configurations, Env } from "test/core";
import { response } from "sdk/http";
response.print([Configurations.get("nope") === undefined, Env.get("nope") === undefined, typeof Env.list()].join());`)
	if _, body := s.Get(t, "/p/undef"); body != "true,true,object" {
		t.Errorf("sdk/core missing values: %s", body)
	}
}

// The names the server serves, over the process environment.
func TestBuiltinNames(t *testing.T) {
	t.Setenv("CORE_TEST_COLOR", "green")
	t.Setenv("DIRIGO_CORE_TEST_SECRET", "s3cret")
	s := moduletest.New(t, map[string]string{"n.js": `
var out = [];
["core/configurations", "core/v4/configurations", "core/v3/configurations", "sdk/core/configurations", "@aerokit/sdk/core/configurations"].forEach(function (n) {
	out.push(require(n).get("CORE_TEST_COLOR"), require(n).get("DIRIGO_CORE_TEST_SECRET"));
});
["core/env", "core/v4/env", "core/v3/env", "sdk/core/env", "@aerokit/sdk/core/env"].forEach(function (n) {
	var list = require(n).list();
	out.push(require(n).get("CORE_TEST_COLOR"), (typeof list === "string" ? list : JSON.stringify(list)).indexOf("DIRIGO_") < 0);
});
out.push(require("@aerokit/sdk/core").env === require("sdk/core/env"), require("sdk/core").Configurations.getOS());
require("http/response").print(JSON.stringify(out));
`}, moduletest.Options{})
	_, body := s.Get(t, "/n")
	want := `["green",null,"green",null,"green",null,"green",null,"green",null,` +
		`"green",true,"green",true,"green",true,"green",true,"green",true,true,"` + javaOS() + `"]`
	if body != want {
		t.Errorf("%s\nwant\n%s", body, want)
	}
}

func javaOS() string {
	if goruntime.GOOS == "darwin" {
		return "mac os x"
	}
	return goruntime.GOOS
}
