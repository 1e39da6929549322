// Package jstest runs table tests of JavaScript snippets against a real
// dirigo server with every built-in module: one server per table, one
// script per case.
package jstest

import (
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/dirigo/dirigo/modules/moduletest"
	"github.com/dirigo/dirigo/runtime"
)

// A Case is a snippet and what it must give.
type Case struct {
	// Name names the case (default: Src).
	Name string
	// Src is the body of an async function (strict code): its return value,
	// awaited, is converted with String().
	Src string
	// Want is that string, or, when the function throws, "Name: message" of
	// the error. A Want ending in "…" matches any result it is a prefix of.
	Want string
}

// script wraps a case's source.
const script = `"use strict";
var response = require("http/response");
(async function () {
%s
})().then(function (v) { response.print("ok " + String(v)); },
	function (e) { response.print("err " + (e && e.name) + ": " + (e && e.message)); });
`

// Run runs the cases, each in its own request on one VM (so that what one
// case leaves behind is visible to the next if isolation fails).
func Run(t *testing.T, cases []Case) {
	t.Helper()
	files := map[string]string{}
	for i, c := range cases {
		files[fmt.Sprintf("c%d.js", i)] = fmt.Sprintf(script, c.Src)
	}
	s := moduletest.New(t, files, moduletest.Options{
		NoSessions: true,
		Runtime:    func(c *runtime.Config) { c.PoolSize, c.Stdout, c.Stderr = 1, io.Discard, io.Discard },
	})
	for i, c := range cases {
		name := c.Name
		if name == "" {
			name = c.Src
		}
		resp, body := s.Get(t, fmt.Sprintf("/c%d", i))
		got, ok := strings.CutPrefix(body, "ok ")
		if !ok {
			got, ok = strings.CutPrefix(body, "err ")
		}
		if resp.StatusCode != 200 || !ok {
			t.Errorf("%s: status %d, body %q", name, resp.StatusCode, body)
			continue
		}
		if want, prefix := strings.CutSuffix(c.Want, "…"); prefix && strings.HasPrefix(got, want) {
			continue
		}
		if got != c.Want {
			t.Errorf("%s:\n got %q\nwant %q", name, got, c.Want)
		}
	}
}
