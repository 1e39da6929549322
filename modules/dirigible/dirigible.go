// Package dirigible holds what the Eclipse Dirigible HTTP modules share: the
// API generations ("flavors") they are served in and their error texts.
package dirigible

import (
	"errors"
	"unicode/utf16"

	"github.com/dop251/goja"

	"github.com/dirigo/dirigo/runtime"
)

// A Flavor is one generation of the Dirigible API. The functions are the same
// in every flavor; they differ in how they answer "nothing".
type Flavor int

const (
	// V4 is the CommonJS API of Dirigible 3.x to 9.x (http/v4/*, http/*,
	// http/v3/*): a missing header or attribute is null.
	V4 Flavor = iota
	// V2 is the 2.x net/http/* API: V4 plus the 2.x-only functions.
	V2
	// Current is the sdk/http API of Dirigible 10 and later: a missing header
	// or attribute is undefined.
	Current
)

// Missing is how the flavor answers a missing header, attribute or JSON body:
// undefined for Current, null before.
func (f Flavor) Missing() goja.Value {
	if f == Current {
		return goja.Undefined()
	}
	return goja.Null()
}

// Error texts of Dirigible's facades when there is no HTTP request.
var (
	ErrNoRequest  = errors.New("Trying to use HTTP Request Facade without a valid Request")
	ErrNoResponse = errors.New("Trying to use HTTP Response Facade without a valid Response")
)

// Throw throws err into the script as an Error whose message is err's text;
// the server sees err itself (errors.Is works on the script failure).
func Throw(vm *runtime.VM, err error) {
	panic(vm.NewError(err))
}

// Set binds fn as the method name of obj, a function named name (goja would
// name it after its Go symbol).
func Set(obj *goja.Object, name string, fn func(goja.FunctionCall) goja.Value) {
	if err := obj.Set(name, fn); err != nil {
		panic(err)
	}
	if f, ok := obj.Get(name).(*goja.Object); ok {
		n := goja.StringFromUTF16(utf16.Encode([]rune(name)))
		if err := f.DefineDataProperty("name", n, goja.FLAG_FALSE, goja.FLAG_TRUE, goja.FLAG_FALSE); err != nil {
			panic(err)
		}
	}
}
