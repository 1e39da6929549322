package core

import (
	"encoding/json"
	"os"
	"strings"

	"github.com/dop251/goja"

	"github.com/dirigo/dirigo/modules/dirigible"
	"github.com/dirigo/dirigo/runtime"
)

// EnvModule returns the env module under name, in flavor f: get(name) (a
// missing variable is undefined for sdk/core, null before) and list()
// (an object for sdk/core; before, the JSON text of one, as Dirigible's v4
// returned its facade's answer unparsed). Variables starting with DIRIGO_
// are never visible. environ returns the environment (default os.Environ).
func EnvModule(name string, f dirigible.Flavor, environ func() []string) runtime.Module {
	if environ == nil {
		environ = os.Environ
	}
	return runtime.Module{Name: name, Load: func(vm *runtime.VM) (goja.Value, error) {
		rt := vm.Runtime()
		o := rt.NewObject()
		dirigible.Set(o, "get", func(c goja.FunctionCall) goja.Value {
			name := c.Argument(0).String()
			if v, ok := environment(environ())[name]; ok && !strings.HasPrefix(name, hiddenPrefix) {
				return rt.ToValue(v)
			}
			return f.Missing()
		})
		dirigible.Set(o, "list", func(goja.FunctionCall) goja.Value {
			text, err := json.Marshal(environment(environ())) // keys sorted
			if err != nil {
				dirigible.Throw(vm, err)
			}
			if f != dirigible.Current {
				return rt.ToValue(string(text))
			}
			v, err := vm.ParseJSON(string(text))
			if err != nil {
				panic(err)
			}
			return v
		})
		_ = o.Set("Env", o)
		return o, nil
	}}
}

// Index returns the sdk/core index under name: the configurations and env
// modules registered under prefix, by file and class name.
func Index(name, prefix string) runtime.Module {
	return runtime.Module{Name: name, Load: func(vm *runtime.VM) (goja.Value, error) {
		o := vm.Runtime().NewObject()
		for _, m := range []struct{ file, class string }{{"configurations", "Configurations"}, {"env", "Env"}} {
			v, err := vm.Require(prefix + m.file)
			if err != nil {
				return nil, err
			}
			_ = o.Set(m.file, v)
			_ = o.Set(m.class, v)
		}
		return o, nil
	}}
}
