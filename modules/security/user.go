// Package security provides Dirigible's security user module
// (security/user, security/v4/user, security/v3/user, net/http/user,
// sdk/security/user and the sdk/security index): who the request in
// progress is authenticated as, over the server's runtime.Auth.
package security

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/dop251/goja"

	"github.com/dirigo/dirigo/modules/dirigible"
	"github.com/dirigo/dirigo/runtime"
)

// guest is the name Dirigible's UserFacade gives an anonymous request (and
// a run outside HTTP) in the v3/v4 and current APIs.
const guest = "guest"

// superRoles are the roles Dirigible's current UserFacade.isInRole treats
// as having every role.
var superRoles = [...]string{"DEVELOPER", "ADMINISTRATOR"}

// Module returns the user module under name, in flavor f.
func Module(name string, f dirigible.Flavor) runtime.Module {
	return runtime.Module{Name: name, Load: func(vm *runtime.VM) (goja.Value, error) { return New(vm, f), nil }}
}

// Index returns the sdk/security index under name: the user module
// (registered as userModule) as User and as user. (Dirigible's index also
// has OAuth helpers and security decorators, which dirigo does not.)
func Index(name, userModule string) runtime.Module {
	return runtime.Module{Name: name, Load: func(vm *runtime.VM) (goja.Value, error) {
		u, err := vm.Require(userModule)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		o := vm.Runtime().NewObject()
		_ = o.Set("User", u)
		_ = o.Set("user", u)
		return o, nil
	}}
}

// New builds the user object of flavor f for vm. Its functions never throw
// outside HTTP: they answer as Dirigible's facade does there (the name
// "guest", no roles, a timeout of 0, no auth type, an empty token, no
// language).
//
// The flavors differ where Dirigible's generations do: V2 (net/http/user)
// has only getName, null for an anonymous request, and isInRole; V4 names
// an anonymous request "guest"; Current also lets a user with the role
// DEVELOPER or ADMINISTRATOR pass every isInRole (Dirigible 7+).
func New(vm *runtime.VM, f dirigible.Flavor) *goja.Object {
	rt := vm.Runtime()
	o := rt.NewObject()
	set := func(name string, fn func(goja.FunctionCall) goja.Value) { dirigible.Set(o, name, fn) }
	call := func() *runtime.Call {
		if c := vm.Call(); c != nil && c.Request() != nil {
			return c
		}
		return nil
	}
	user := func() *runtime.User {
		c := call()
		if c == nil {
			return nil
		}
		u, err := c.User()
		if err != nil {
			dirigible.Throw(vm, err)
		}
		return u
	}
	set("getName", func(goja.FunctionCall) goja.Value {
		if u := user(); u != nil {
			return rt.ToValue(u.Name)
		}
		if f == dirigible.V2 {
			return goja.Null()
		}
		return rt.ToValue(guest)
	})
	set("isInRole", func(c goja.FunctionCall) goja.Value {
		u := user()
		if u == nil {
			return rt.ToValue(false)
		}
		if f == dirigible.Current {
			for _, r := range superRoles {
				if u.InRole(r) {
					return rt.ToValue(true)
				}
			}
		}
		return rt.ToValue(u.InRole(c.Argument(0).String()))
	})
	if f == dirigible.V2 {
		return o
	}
	set("getTimeout", func(goja.FunctionCall) goja.Value {
		c := call()
		if c == nil {
			return rt.ToValue(0)
		}
		s := c.Session()
		if s == nil {
			return rt.ToValue(0)
		}
		d, err := s.MaxInactive()
		if err != nil {
			dirigible.Throw(vm, err)
		}
		return rt.ToValue(int64(d / time.Second))
	})
	set("getAuthType", func(goja.FunctionCall) goja.Value {
		if u := user(); u != nil {
			return rt.ToValue(u.AuthType)
		}
		return goja.Null()
	})
	set("getSecurityToken", func(goja.FunctionCall) goja.Value {
		c := call()
		if c == nil {
			return rt.ToValue("")
		}
		return rt.ToValue(securityToken(c.Request().Header.Get("Authorization")))
	})
	// dirigo keeps no invocation counter in sessions (Dirigible's is an
	// "invocation.count" session attribute that every session call bumps).
	set("getInvocationCount", func(goja.FunctionCall) goja.Value { return goja.Null() })
	set("getLanguage", func(goja.FunctionCall) goja.Value {
		c := call()
		if c == nil {
			return goja.Null()
		}
		return rt.ToValue(language(c.Request().Header.Values("Accept-Language")))
	})
	if f == dirigible.Current {
		_ = o.Set("User", o)
	}
	return o
}

// securityToken is Dirigible's getSecurityToken: the Authorization header
// from its first space on ("Bearer abc" gives " abc", the space kept as
// Dirigible keeps it), "" without one, and the whole value when it has no
// space (where Dirigible's substring(-1) throws).
func securityToken(h string) string {
	if i := strings.IndexByte(h, ' '); i >= 0 {
		return h[i:]
	}
	return h
}

// language is Dirigible's getLanguage: the first range of Accept-Language
// by weight, lower-cased as Java's Locale.LanguageRange makes it; "*" when
// the header is missing or empty, "" when every range has weight 0.
func language(values []string) string {
	header := strings.TrimSpace(strings.Join(values, ","))
	if header == "" {
		return "*"
	}
	type ranged struct {
		tag string
		q   float64
	}
	var ranges []ranged
	for _, part := range strings.Split(header, ",") {
		tag, params, _ := strings.Cut(part, ";")
		tag = strings.ToLower(strings.TrimSpace(tag))
		if tag == "" {
			continue
		}
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err != nil || f < 0 || f > 1 {
				continue
			}
			q = f
		}
		if q > 0 {
			ranges = append(ranges, ranged{tag, q})
		}
	}
	if len(ranges) == 0 {
		return ""
	}
	slices.SortStableFunc(ranges, func(a, b ranged) int { return cmp.Compare(b.q, a.q) })
	return ranges[0].tag
}
