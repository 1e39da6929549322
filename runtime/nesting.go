package runtime

import (
	"strconv"

	"github.com/dop251/goja"
)

// maxGeneratorNesting bounds how deep generator steps may nest: a
// generator's next (or throw, or return) called while another one runs.
// goja runs a delegation (yield* g()) by calling the inner generator from
// Go after the outer one's frame has left the JavaScript call stack, so
// Config.MaxCallStackSize never sees it: a generator that delegates to
// itself (function* g() { yield* g(); }) grew the Go stack until the
// process died of it (1 GB), or, stopped by --timeout first, took minutes to
// unwind. Past the limit the step throws a RangeError.
const maxGeneratorNesting = 1000

// guardGenerators replaces next, throw and return of the generator
// prototype with functions of the same behaviour that count how deep they
// nest. It runs when the VM is created, before the globals are frozen.
func (vm *VM) guardGenerators() error {
	v, err := vm.rt.RunString(`Object.getPrototypeOf(Object.getPrototypeOf((function* () {})()))`)
	if err != nil {
		return err
	}
	proto, ok := v.(*goja.Object)
	if !ok {
		return nil
	}
	depth := 0
	for _, name := range []string{"next", "throw", "return"} {
		if err := vm.replace(proto, name, func(orig nativeFn) nativeFn {
			return func(call goja.FunctionCall) goja.Value {
				if depth >= maxGeneratorNesting {
					panic(vm.rangeError("Maximum call stack size exceeded: generators nested more than " + strconv.Itoa(maxGeneratorNesting) + " deep"))
				}
				depth++
				defer func() { depth-- }()
				return orig(call)
			}
		}); err != nil {
			return err
		}
	}
	return nil
}
