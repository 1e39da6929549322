package rs_test

import (
	"strings"
	"testing"

	"github.com/dirigo/dirigo/modules/moduletest"
	"github.com/dirigo/dirigo/runtime"
)

// A controller as Dirigible's documentation writes one: a TypeScript class
// in scripts/api/x.ts serves /api/x/... .
const controllerTS = `
import { Controller, Get, Post, Put, Patch, Delete, Head, Options, Documentation, response } from "sdk/http";

interface Item { id: number; name: string }

@Controller
@Documentation("Items")
class ItemController {
	private items: Item[] = [{ id: 1, name: "one" }];

	@Get("/")
	@Documentation("all items")
	list() { return this.items; }

	@Get("/items/{id}")
	get(_body: any, ctx: any) {
		const item = this.items.find((i) => i.id === Number(ctx.pathParameters.id));
		if (!item) {
			ctx.res.setStatus(404);
			return { error: "no item " + ctx.pathParameters.id };
		}
		return item;
	}

	@Post("/items")
	create(body: Item, _ctx: any, req: any, res: any) {
		res.setStatus(201);
		return { created: body, type: req.getContentType() };
	}

	@Put("/items/:id")
	replace(body: any, ctx: any) { return { put: ctx.pathParameters.id, body }; }

	@Patch("/items/:id")
	patch(body: any) { return { patched: body }; }

	@Delete("/items/:id")
	remove(_b: any, ctx: any, _req: any, res: any) { res.setStatus(204); }

	@Head("/items")
	head(_b: any, _c: any, _r: any, res: any) { res.setHeader("X-Count", String(this.items.length)); }

	@Options("/items")
	options(_b: any, _c: any, _r: any, res: any) { res.setHeader("Allow", "GET, POST"); }

	@Get("/text")
	text() { response.print("plain"); }

	@Get("/later")
	async later() {
		await new Promise((r) => setTimeout(r, 5));
		return { late: true };
	}

	@Get("/broken")
	broken() { throw new Error("broken handler"); }

	// Not a route.
	helper() { return "helper"; }
}
`

func TestDecorators(t *testing.T) {
	s := moduletest.New(t, map[string]string{"api/x.ts": controllerTS}, moduletest.Options{})
	check(t, s, []exchange{
		{method: "GET", path: "/api/x", status: 200, want: `[{"id":1,"name":"one"}]`, contentType: "application/json"},
		{method: "GET", path: "/api/x.ts", status: 200, want: `[{"id":1,"name":"one"}]`},
		{method: "GET", path: "/services/ts/api/x.ts/items/1", status: 200, want: `{"id":1,"name":"one"}`},
		{method: "GET", path: "/api/x/items/2", status: 404, want: `{"error":"no item 2"}`},
		{method: "POST", path: "/api/x/items", body: `{"id":2,"name":"two"}`, headers: []string{"Content-Type: application/json"},
			status: 201, want: `{"created":{"id":2,"name":"two"},"type":"application/json"}`},
		{method: "PUT", path: "/api/x/items/3", body: `{"a":1}`, status: 200, want: `{"put":"3","body":{"a":1}}`},
		{method: "PATCH", path: "/api/x/items/3", body: `[1,2]`, status: 200, want: `{"patched":[1,2]}`},
		{method: "DELETE", path: "/api/x/items/3", status: 204, want: ``},
		{method: "OPTIONS", path: "/api/x/items", status: 200, want: ``},
		{method: "GET", path: "/api/x/text", status: 200, want: `plain`},
		{method: "GET", path: "/api/x/later", status: 200, want: `{"late":true}`},
		{method: "GET", path: "/api/x/broken", status: 500, want: "{\n  \"error\": \"Error\",\n  \"details\": \"broken handler\"\n}"},
		{method: "GET", path: "/api/x/helper", status: 400, want: noProcessor},
		{method: "POST", path: "/api/x/text", status: 400, want: noProcessor},
	})
	resp, _ := call(t, s, "HEAD", "/api/x/items", "")
	if resp.StatusCode != 200 || resp.Header.Get("X-Count") != "1" {
		t.Errorf("HEAD: %d, X-Count %q", resp.StatusCode, resp.Header.Get("X-Count"))
	}
	resp, _ = call(t, s, "OPTIONS", "/api/x/items", "")
	if resp.Header.Get("Allow") != "GET, POST" {
		t.Errorf("OPTIONS: Allow %q", resp.Header.Get("Allow"))
	}
}

// With experimentalDecorators in the project's tsconfig.json (JSON with
// comments, as tsc allows), the file is compiled with TypeScript's legacy
// decorators, parameter decorators included; the sdk decorators work the
// same.
func TestLegacyDecorators(t *testing.T) {
	s := moduletest.New(t, map[string]string{
		"legacy/tsconfig.json": `{
	// the project's settings
	"compilerOptions": {
		"experimentalDecorators": true, /* legacy */
		"strict": false,
	},
}`,
		"legacy/api/users.ts": `
import { Controller, Get } from "sdk/http";
function Param(name: string) { return function (target: any, key: string, index: number) { (target.params ||= []).push(name + "@" + key + "#" + index); }; }
function Log(target: any, key: string, desc: PropertyDescriptor) {
	// A legacy method decorator: (prototype, name, descriptor).
	const orig = desc.value;
	desc.value = function (...args: any[]) { return { wrapped: orig.apply(this, args), key, params: target.params }; };
}
@Controller
class Users {
	@Get("/{id}")
	@Log
	one(@Param("body") body: any, ctx: any) { return ctx.pathParameters.id; }
}
`,
		// Without the tsconfig: standard decorators.
		"plain/api/users.ts": `
import { Controller, Get } from "sdk/http";
function Tag(value: any, context: ClassMethodDecoratorContext) {
	return function (this: any, ...args: any[]) { return { tagged: value.apply(this, args), kind: context.kind }; };
}
@Controller
class Users {
	@Get("/{id}")
	@Tag
	one(body: any, ctx: any) { return ctx.pathParameters.id; }
}
`,
		"plain/api/param.ts": `
class P { m(@Param x: any) {} }
function Param() {}
`,
	}, moduletest.Options{})
	check(t, s, []exchange{
		{method: "GET", path: "/legacy/api/users/7", status: 200, want: `{"wrapped":"7","key":"one","params":["body@one#0"]}`},
		{method: "GET", path: "/plain/api/users/7", status: 200, want: `{"tagged":"7","kind":"method"}`},
	})
	resp, _ := s.Get(t, "/plain/api/param")
	if resp.StatusCode != 500 || !strings.Contains(s.Logs(), "Parameter decorators only work when experimental decorators are enabled") {
		t.Errorf("parameter decorators without experimentalDecorators: %d\n%s", resp.StatusCode, s.Logs())
	}
}

// Decorators in a JavaScript file (standard decorators), and the pending
// routes of one request never reach the next: a request whose script
// notes a route but has no @Controller leaves nothing behind.
func TestDecoratorsIsolated(t *testing.T) {
	s := moduletest.New(t, map[string]string{
		"dangling.js": `
import { Get, response } from "sdk/http";
class A { @Get("/leak") m() { return "leaked"; } }
response.print("noted");
`,
		"ctl.js": `
import { Controller, Get } from "@aerokit/sdk/http";
@Controller
class B { @Get("/own") m() { return "own"; } }
`,
	}, moduletest.Options{Runtime: func(c *runtime.Config) { c.PoolSize = 1 }})
	for range 3 {
		if _, body := s.Get(t, "/dangling"); body != "noted" {
			t.Fatalf("dangling: %q", body)
		}
		check(t, s, []exchange{
			{method: "GET", path: "/ctl/own", status: 200, want: `"own"`},
			{method: "GET", path: "/ctl/leak", status: 400, want: noProcessor},
		})
	}
}
