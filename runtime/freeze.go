package runtime

import (
	"errors"

	"github.com/dop251/goja"
)

// Harden deep-freezes v and everything reachable from it (properties,
// accessors, prototypes), as the VM freezes the exports of native modules.
//
// Everything a script receives must be frozen or made for its request
// alone: an object kept for the life of the VM and handed to scripts by a
// module function (not reachable from the module's exports, which are
// frozen already) is frozen with Harden before it is first handed out. It
// fails during a global's Load, before the VM can freeze (freeze on first
// use instead).
func (vm *VM) Harden(v goja.Value) error {
	if vm.harden == nil {
		return errors.New("runtime: Harden called before the VM is ready")
	}
	_, err := vm.harden(goja.Undefined(), v)
	return err
}
