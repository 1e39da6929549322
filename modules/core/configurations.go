// Package core provides Dirigible's core/configurations and core/env
// modules (also core/v4/..., core/v3/..., sdk/core/... and
// @aerokit/sdk/core/..., and the sdk/core index).
//
// Configurations are, as in Dirigible, the server's: layers of key/value
// pairs looked up in order — values set by scripts (set), the environment,
// the configuration file, files loaded by scripts (load) — shared by every
// request. A script's set() is seen by later requests, like Dirigible's.
// dirigo's own settings (environment variables starting with DIRIGO_: keys,
// passwords) are never visible to scripts.
package core

import (
	"bufio"
	"bytes"
	"fmt"
	"maps"
	"os"
	"path"
	goruntime "runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/dop251/goja"

	"github.com/dirigo/dirigo/modules/dirigible"
	"github.com/dirigo/dirigo/runtime"
)

// hiddenPrefix starts the environment variables scripts never see: dirigo's
// own configuration.
const hiddenPrefix = "DIRIGO_"

// Options configure the configurations. The zero value reads the process
// environment and no file.
type Options struct {
	// File is a configuration file in Java properties format (Dirigible's
	// dirigible.properties); "" for none. It is read by NewConfigurations
	// and again by update().
	File string
	// Environ returns the environment as KEY=value pairs (default
	// os.Environ).
	Environ func() []string
}

// layers is one immutable state of the configurations.
type layers struct {
	runtime, env, file, loaded map[string]string
}

// Configurations is the configuration of a server, shared by its VMs. It is
// safe for concurrent use: reads take no lock.
type Configurations struct {
	opts  Options
	state atomic.Pointer[layers]
	mu    sync.Mutex // serializes changes
}

// NewConfigurations reads the environment and the file of opts.
func NewConfigurations(opts Options) (*Configurations, error) {
	if opts.Environ == nil {
		opts.Environ = os.Environ
	}
	c := &Configurations{opts: opts}
	l := &layers{runtime: map[string]string{}, loaded: map[string]string{}}
	if err := c.read(l); err != nil {
		return nil, err
	}
	c.state.Store(l)
	return c, nil
}

// read fills the environment and file layers of l.
func (c *Configurations) read(l *layers) error {
	l.env = environment(c.opts.Environ())
	l.file = map[string]string{}
	if c.opts.File != "" {
		data, err := os.ReadFile(c.opts.File)
		if err != nil {
			return fmt.Errorf("reading the configuration: %w", err)
		}
		l.file = parseProperties(data)
	}
	return nil
}

// environment returns the variables of environ that scripts may see.
func environment(environ []string) map[string]string {
	m := make(map[string]string, len(environ))
	for _, kv := range environ {
		k, v, ok := strings.Cut(kv, "=")
		if ok && k != "" && !strings.HasPrefix(k, hiddenPrefix) {
			m[k] = v
		}
	}
	return m
}

// Get returns the value of key: set by a script, else from the
// environment, else the file, else a loaded file.
func (c *Configurations) Get(key string) (string, bool) {
	l := c.state.Load()
	for _, m := range []map[string]string{l.runtime, l.env, l.file, l.loaded} {
		if v, ok := m[key]; ok {
			return v, true
		}
	}
	return "", false
}

// Keys returns every key, sorted.
func (c *Configurations) Keys() []string {
	l := c.state.Load()
	keys := map[string]bool{}
	for _, m := range []map[string]string{l.runtime, l.env, l.file, l.loaded} {
		for k := range m {
			keys[k] = true
		}
	}
	return slices.Sorted(maps.Keys(keys))
}

// change applies fn to a copy of the state and publishes it.
func (c *Configurations) change(fn func(l *layers) error) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	old := c.state.Load()
	l := &layers{runtime: maps.Clone(old.runtime), env: old.env, file: old.file, loaded: maps.Clone(old.loaded)}
	if err := fn(l); err != nil {
		return err
	}
	c.state.Store(l)
	return nil
}

// Set sets key for every later lookup, over every other source.
func (c *Configurations) Set(key, value string) {
	_ = c.change(func(l *layers) error { l.runtime[key] = value; return nil })
}

// Remove removes what Set set for key.
func (c *Configurations) Remove(key string) {
	_ = c.change(func(l *layers) error { delete(l.runtime, key); return nil })
}

// Update reads the environment and the file again.
func (c *Configurations) Update() error {
	return c.change(c.read)
}

// Load adds the properties of data (a file's content) as the lowest
// source.
func (c *Configurations) Load(data []byte) {
	_ = c.change(func(l *layers) error {
		maps.Copy(l.loaded, parseProperties(data))
		return nil
	})
}

// Module returns the configurations module under name, in flavor f (a
// missing value is undefined for sdk/core, null before).
func (c *Configurations) Module(name string, f dirigible.Flavor) runtime.Module {
	return runtime.Module{Name: name, Load: func(vm *runtime.VM) (goja.Value, error) { return c.object(vm, f), nil }}
}

func (c *Configurations) object(vm *runtime.VM, f dirigible.Flavor) *goja.Object {
	rt := vm.Runtime()
	o := rt.NewObject()
	set := func(name string, fn func(goja.FunctionCall) goja.Value) { dirigible.Set(o, name, fn) }
	key := func(fn string, v goja.Value) string {
		if goja.IsUndefined(v) || goja.IsNull(v) {
			panic(rt.NewTypeError("configurations.%s: the key must be a string", fn))
		}
		return v.String()
	}
	set("get", func(call goja.FunctionCall) goja.Value {
		if v, ok := c.Get(key("get", call.Argument(0))); ok {
			return rt.ToValue(v)
		}
		def := call.Argument(1)
		if goja.IsUndefined(def) || goja.IsNull(def) || (f != dirigible.Current && !def.ToBoolean()) {
			return f.Missing()
		}
		return rt.ToValue(def.String())
	})
	set("set", func(call goja.FunctionCall) goja.Value {
		k, v := key("set", call.Argument(0)), call.Argument(1)
		if goja.IsUndefined(v) || goja.IsNull(v) {
			c.Remove(k)
		} else {
			c.Set(k, v.String())
		}
		return goja.Undefined()
	})
	set("remove", func(call goja.FunctionCall) goja.Value {
		c.Remove(key("remove", call.Argument(0)))
		return goja.Undefined()
	})
	set("getKeys", func(goja.FunctionCall) goja.Value {
		keys := c.Keys()
		vals := make([]any, len(keys))
		for i, k := range keys {
			vals[i] = k
		}
		return rt.NewArray(vals...)
	})
	set("load", func(call goja.FunctionCall) goja.Value {
		data, err := readScriptFile(vm, key("load", call.Argument(0)))
		if err != nil {
			dirigible.Throw(vm, err)
		}
		c.Load(data)
		return goja.Undefined()
	})
	set("update", func(goja.FunctionCall) goja.Value {
		if err := c.Update(); err != nil {
			dirigible.Throw(vm, err)
		}
		return goja.Undefined()
	})
	osName := javaOSName(goruntime.GOOS)
	set("getOS", func(goja.FunctionCall) goja.Value { return rt.ToValue(osName) })
	set("isOSWindows", func(goja.FunctionCall) goja.Value { return rt.ToValue(strings.Contains(osName, "win")) })
	set("isOSMac", func(goja.FunctionCall) goja.Value { return rt.ToValue(strings.Contains(osName, "mac")) })
	set("isOSUNIX", func(goja.FunctionCall) goja.Value {
		return rt.ToValue(strings.Contains(osName, "nix") || strings.Contains(osName, "nux") || strings.Index(osName, "aix") > 0)
	})
	set("isOSSolaris", func(goja.FunctionCall) goja.Value { return rt.ToValue(strings.Contains(osName, "sunos")) })
	_ = o.Set("Configurations", o)
	return o
}

// javaOSName is Java's os.name, lower case, for a GOOS.
func javaOSName(goos string) string {
	switch goos {
	case "darwin":
		return "mac os x"
	case "solaris", "illumos":
		return "sunos"
	}
	return goos
}

// readScriptFile reads a file of the script root for load(path): a path
// starting with "/" is from the root, another from the script's folder.
// It never leaves the root.
func readScriptFile(vm *runtime.VM, p string) ([]byte, error) {
	c := vm.Call()
	if c == nil {
		return nil, fmt.Errorf("configurations.load: no script is running")
	}
	script := c.Route().File
	rootDir := strings.TrimSuffix(c.File(), "/"+script)
	rel := p
	if !strings.HasPrefix(p, "/") {
		rel = path.Join(path.Dir(script), p)
	}
	rel = strings.TrimPrefix(path.Clean("/"+rel), "/")
	root, err := os.OpenRoot(rootDir)
	if err != nil {
		return nil, fmt.Errorf("configurations.load: %w", err)
	}
	defer root.Close()
	data, err := root.ReadFile(rel)
	if err != nil {
		return nil, fmt.Errorf("configurations.load: %w", err)
	}
	return data, nil
}

// parseProperties parses a Java properties file: "key=value", "key: value"
// or "key value" lines, # and ! comments, backslash escapes (\t \n \r \f
// \uXXXX) and lines continued with a trailing backslash.
func parseProperties(data []byte) map[string]string {
	out := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	var logical strings.Builder
	continued := false
	for sc.Scan() {
		line := strings.TrimLeft(sc.Text(), " \t\f")
		if !continued && (line == "" || line[0] == '#' || line[0] == '!') {
			continue
		}
		trailing := len(line) - len(strings.TrimRight(line, `\`))
		if trailing%2 == 1 {
			logical.WriteString(line[:len(line)-1])
			continued = true
			continue
		}
		logical.WriteString(line)
		continued = false
		k, v := splitProperty(logical.String())
		out[k] = v
		logical.Reset()
	}
	if continued {
		k, v := splitProperty(logical.String())
		out[k] = v
	}
	return out
}

// splitProperty splits a logical line at its first unescaped separator.
func splitProperty(line string) (string, string) {
	i := 0
	for i < len(line) {
		c := line[i]
		if c == '\\' {
			i += 2
			continue
		}
		if c == '=' || c == ':' || c == ' ' || c == '\t' || c == '\f' {
			break
		}
		i++
	}
	key := unescapeProperty(line[:min(i, len(line))])
	rest := strings.TrimLeft(line[min(i, len(line)):], " \t\f")
	if rest != "" && (rest[0] == '=' || rest[0] == ':') {
		rest = strings.TrimLeft(rest[1:], " \t\f")
	}
	return key, unescapeProperty(rest)
}

func unescapeProperty(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' || i+1 >= len(s) {
			b.WriteByte(s[i])
			continue
		}
		i++
		switch s[i] {
		case 't':
			b.WriteByte('\t')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 'f':
			b.WriteByte('\f')
		case 'u':
			if i+5 <= len(s) {
				if v, err := strconv.ParseUint(s[i+1:i+5], 16, 32); err == nil {
					b.WriteRune(rune(v))
					i += 4
					continue
				}
			}
			b.WriteByte('u')
		default:
			b.WriteByte(s[i])
		}
	}
	return b.String()
}
