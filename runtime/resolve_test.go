package runtime

import (
	"errors"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"
)

// tree makes a script root for resolution tests; outside is a folder next
// to it that must never be reachable.
func tree(t testing.TB) (root *os.Root, dir string) {
	t.Helper()
	base := t.TempDir()
	dir = filepath.Join(base, "scripts")
	outside := filepath.Join(base, "outside")
	files := []string{
		"hello.js", "hello.ts", "index.js", "api/users.ts", "api/v1/items.mjs", "tool.cjs",
		"docs/index.html", "docs/guide.md", "static.css", "data.json", "user.profile.js",
		".secret.js", ".hidden/x.js", "_private/x.js", "lib/_internal.js", "node_modules/pkg/index.js",
		"sub/readme.txt", "svc.js", "svc/readme.txt", "both.js", "both/index.js", ".env", "_private/secret.txt",
		"package.json", "package-lock.json", "tsconfig.json", "jsconfig.json", "types.d.ts", "hello.js.map",
		"Yarn.lock", "sub/package.json",
		"visit.html", "legacy.htm", "pagedir/index.htm", "dual.js", "dual.html", "report.2024.html", "_private/p.html",
	}
	for _, f := range files {
		p := filepath.Join(dir, filepath.FromSlash(f))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(f), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.MkdirAll(outside, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(outside, "secret.js"), []byte("outside"), 0o644); err != nil {
		t.Fatal(err)
	}
	_ = os.Symlink(outside, filepath.Join(dir, "escape"))
	_ = os.Symlink(filepath.Join(outside, "secret.js"), filepath.Join(dir, "link.js"))
	// Symlinks that stay inside the root: the target decides.
	for link, target := range map[string]string{
		"pub.txt": "_private/secret.txt", "envlink.txt": ".env", "jslink.js": "_private/x.js",
		"pkglink.txt": "package.json", "alias.txt": "sub/readme.txt", "modlink": "node_modules/pkg",
		"sub/up.txt": "../_private/secret.txt", "privdir": "_private", "pagelink.html": "_private/p.html",
	} {
		if err := os.Symlink(target, filepath.Join(dir, filepath.FromSlash(link))); err != nil {
			t.Fatal(err)
		}
	}
	r, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r, dir
}

func TestResolve(t *testing.T) {
	root, dir := tree(t)
	rv := newResolver(root, dir)
	tests := []struct {
		path     string
		kind     RouteKind
		file     string
		resource string
		service  string
		err      error
	}{
		{path: "/", kind: RouteScript, file: "index.js", service: "/"},
		{path: "/hello", kind: RouteScript, file: "hello.js", service: "/hello"},
		{path: "/hello.js", kind: RouteScript, file: "hello.js", service: "/hello.js"},
		{path: "/hello.ts", kind: RouteScript, file: "hello.ts", service: "/hello.ts"},
		{path: "/api/users", kind: RouteScript, file: "api/users.ts"},
		{path: "/api/users.js", kind: RouteScript, file: "api/users.ts"},
		{path: "/api/users.ts/42/orders", kind: RouteScript, file: "api/users.ts", resource: "42/orders", service: "/api/users.ts"},
		{path: "/api/users/42", kind: RouteScript, file: "api/users.ts", resource: "42", service: "/api/users"},
		{path: "/api/users/42/", kind: RouteScript, file: "api/users.ts", resource: "42/"},
		// A trailing slash after a script's name is its root: a decorated
		// controller in api/users.ts serves /api/users/ as Dirigible does.
		{path: "/api/users/", kind: RouteScript, file: "api/users.ts", resource: "/", service: "/api/users"},
		{path: "/api/users.ts/", kind: RouteScript, file: "api/users.ts", resource: "/", service: "/api/users.ts"},
		{path: "/services/ts/api/users.ts/", kind: RouteScript, file: "api/users.ts", resource: "/", service: "/services/ts/api/users.ts"},
		{path: "/hello/", kind: RouteScript, file: "hello.js", resource: "/", service: "/hello"},
		// A folder's index comes first; a folder without one leaves its
		// root to the script of the same name.
		{path: "/svc/", kind: RouteScript, file: "svc.js", resource: "/", service: "/svc"},
		{path: "/svc/readme.txt", kind: RouteStatic, file: "svc/readme.txt"},
		{path: "/api/v1/", err: ErrNotFound},
		{path: "/_private/", err: ErrNotFound},
		{path: "/.secret/", err: ErrNotFound},
		{path: "/jslink/", err: ErrNotFound},
		{path: "/types.d/", err: ErrNotFound},
		{path: "/api/v1/items", kind: RouteScript, file: "api/v1/items.mjs"},
		{path: "/tool", kind: RouteScript, file: "tool.cjs"},
		{path: "/services/js/api/users.ts/7", kind: RouteScript, file: "api/users.ts", resource: "7", service: "/services/js/api/users.ts"},
		{path: "/public/js/hello.js", kind: RouteScript, file: "hello.js", service: "/public/js/hello.js"},
		{path: "/services/ts/api/users.ts", kind: RouteScript, file: "api/users.ts"},
		{path: "/public/ts/hello", kind: RouteScript, file: "hello.js"},
		{path: "/user.profile", kind: RouteScript, file: "user.profile.js"},
		{path: "/hello/extra/path", kind: RouteScript, file: "hello.js", resource: "extra/path", service: "/hello"},
		{path: "//hello", kind: RouteScript, file: "hello.js"},
		{path: "/both", kind: RouteScript, file: "both.js"},
		{path: "/both/", kind: RouteScript, file: "both/index.js"},
		{path: "/docs/", kind: RoutePage, file: "docs/index.html", service: "/docs/"},
		// HTML files: pages or static, decided by their content when served.
		{path: "/visit", kind: RoutePage, file: "visit.html", service: "/visit"},
		{path: "/visit.html", kind: RoutePage, file: "visit.html", service: "/visit.html"},
		{path: "/legacy", kind: RoutePage, file: "legacy.htm"},
		{path: "/pagedir/", kind: RoutePage, file: "pagedir/index.htm"},
		{path: "/dual", kind: RouteScript, file: "dual.js"},
		{path: "/dual.html", kind: RoutePage, file: "dual.html"},
		{path: "/report.2024", kind: RoutePage, file: "report.2024.html"},
		{path: "/visit.js", err: ErrNotFound},
		{path: "/visit/", err: ErrNotFound},
		{path: "/visit.html/x", err: ErrNotFound},
		{path: "/_private/p", err: ErrNotFound},
		{path: "/pagelink.html", err: ErrNotFound},
		{path: "/pagelink", err: ErrNotFound},
		{path: "/docs", kind: RouteRedirect},
		{path: "/docs/guide.md", kind: RouteStatic, file: "docs/guide.md"},
		{path: "/static.css", kind: RouteStatic, file: "static.css"},
		{path: "/data.json", kind: RouteStatic, file: "data.json"},
		{path: "/sub", kind: RouteRedirect},
		{path: "/sub/", err: ErrNotFound},
		{path: "/sub/readme.txt", kind: RouteStatic, file: "sub/readme.txt"},
		{path: "/missing", err: ErrNotFound},
		{path: "/missing.js", err: ErrNotFound},
		{path: "/static.css/x", err: ErrNotFound},
		{path: "/.secret.js", err: ErrNotFound},
		{path: "/.secret", err: ErrNotFound},
		{path: "/.hidden/x", err: ErrNotFound},
		{path: "/_private/x", err: ErrNotFound},
		{path: "/_private/x.js", err: ErrNotFound},
		{path: "/lib/_internal", err: ErrNotFound},
		{path: "/node_modules/pkg/index.js", err: ErrNotFound},
		{path: "/node_modules/pkg", err: ErrNotFound},
		{path: "/Node_Modules/pkg/index.js", err: ErrNotFound},
		{path: "/services/js/.secret.js", err: ErrNotFound},
		{path: "/escape/secret.js", err: ErrNotFound},
		{path: "/escape/secret", err: ErrNotFound},
		{path: "/link.js", err: ErrNotFound},
		{path: "/../scripts/hello.js", err: ErrBadPath},
		{path: "/api/../hello", err: ErrBadPath},
		{path: "/./hello", err: ErrBadPath},
		{path: "/services/js/../../etc/passwd", err: ErrBadPath},
		{path: `/api\users`, err: ErrBadPath},
		{path: "/hello\x00.js", err: ErrBadPath},
		{path: "/hello\n", err: ErrBadPath},
		{path: "/hello.js/../../x", err: ErrBadPath},
		// Package manager and editor files, declarations and source maps.
		{path: "/package.json", err: ErrNotFound},
		{path: "/package-lock.json", err: ErrNotFound},
		{path: "/sub/package.json", err: ErrNotFound},
		{path: "/tsconfig.json", err: ErrNotFound},
		{path: "/jsconfig.json", err: ErrNotFound},
		{path: "/yarn.lock", err: ErrNotFound},
		{path: "/types.d.ts", err: ErrNotFound},
		{path: "/hello.js.map", err: ErrNotFound},
		// Symlinks inside the root follow the rules of their target.
		{path: "/pub.txt", err: ErrNotFound},
		{path: "/envlink.txt", err: ErrNotFound},
		{path: "/jslink.js", err: ErrNotFound},
		{path: "/jslink", err: ErrNotFound},
		{path: "/pkglink.txt", err: ErrNotFound},
		{path: "/modlink/index.js", err: ErrNotFound},
		{path: "/sub/up.txt", err: ErrNotFound},
		{path: "/privdir/secret.txt", err: ErrNotFound},
		{path: "/privdir/x", err: ErrNotFound},
		{path: "/alias.txt", kind: RouteStatic, file: "alias.txt"},
	}
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			r, err := rv.resolve(tc.path)
			if tc.err != nil {
				if !errors.Is(err, tc.err) {
					t.Fatalf("resolve(%q) = %+v, %v; want %v", tc.path, r, err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("resolve(%q): %v", tc.path, err)
			}
			if r.Kind != tc.kind || r.File != tc.file || r.Resource != tc.resource {
				t.Fatalf("resolve(%q) = kind %d file %q resource %q; want kind %d file %q resource %q",
					tc.path, r.Kind, r.File, r.Resource, tc.kind, tc.file, tc.resource)
			}
			if tc.service != "" && r.ServicePath != tc.service {
				t.Fatalf("resolve(%q) service path %q, want %q", tc.path, r.ServicePath, tc.service)
			}
		})
	}
}

// A folder asked without its slash redirects to the cleaned path: "//docs"
// must not become the protocol-relative "//docs/" (an open redirect).
func TestResolveRedirectLocation(t *testing.T) {
	root, _ := tree(t)
	rv := resolver{root: root}
	for path, want := range map[string]string{
		"/docs": "/docs/", "//docs": "/docs/", "///docs": "/docs/", "/services/js//docs": "/services/js/docs/",
	} {
		r, err := rv.resolve(path)
		if err != nil || r.Kind != RouteRedirect || r.Location != want {
			t.Errorf("resolve(%q) = %+v, %v; want a redirect to %q", path, r, err, want)
		}
	}
}

// FuzzResolve checks that whatever the path, a resolved file is local to the
// root, has no hidden segment, and opens inside the root.
func FuzzResolve(f *testing.F) {
	for _, s := range []string{"/", "/hello", "/../x", "/a/../../b", "/escape/secret.js", "/link.js", "/%2e%2e/x",
		"/services/js/../../x", "/.secret.js", "/_private/x", `/a\..\b`, "/hello.js/../../..", "/docs", "///hello//",
		"/node_modules/pkg", "/api/users.ts/../../etc", "/pub.txt", "/privdir/secret.txt", "/package.json"} {
		f.Add(s)
	}
	root, dir := tree(f)
	rv := newResolver(root, dir)
	f.Fuzz(func(t *testing.T, p string) {
		r, err := rv.resolve(p)
		if err != nil {
			if !errors.Is(err, ErrNotFound) && !errors.Is(err, ErrBadPath) {
				t.Fatalf("resolve(%q): unexpected error %v", p, err)
			}
			return
		}
		if r.Kind == RouteRedirect {
			if !strings.HasSuffix(r.Location, "/") || strings.HasPrefix(r.Location, "//") || !strings.HasPrefix(r.Location, "/") {
				t.Fatalf("resolve(%q): redirect to %q", p, r.Location)
			}
			return
		}
		if !filepath.IsLocal(r.File) || !fs.ValidPath(r.File) {
			t.Fatalf("resolve(%q) = %q: not local to the root", p, r.File)
		}
		for _, seg := range strings.Split(r.File, "/") {
			if hidden(seg) {
				t.Fatalf("resolve(%q) = %q: hidden segment %q", p, r.File, seg)
			}
		}
		fh, err := root.Open(r.File)
		if err != nil {
			t.Fatalf("resolve(%q) = %q, which does not open in the root: %v", p, r.File, err)
		}
		data := make([]byte, 64)
		n, _ := fh.Read(data)
		fh.Close()
		if got := string(data[:n]); strings.Contains(got, "outside") || strings.HasPrefix(got, "_") ||
			strings.HasPrefix(got, ".") || strings.Contains(got, "node_modules") || unlisted(path.Base(got)) {
			t.Fatalf("resolve(%q) = %q reads the private file %q", p, r.File, got)
		}
	})
}
