package runtime

import (
	"context"
	"hash/maphash"
	"log/slog"

	"github.com/dop251/goja"
)

// Limits of a VM's Symbol.for registry. goja keeps the registry for the
// life of the runtime and cannot clear it, so a script registering new keys
// on every request would grow it without end; past either limit the VM is
// replaced after the request in progress.
const (
	maxSymbolKeys     = 10000
	maxSymbolKeyBytes = 1 << 20
)

// symbolKeys accounts for the keys registered with Symbol.for on one VM, by
// hash (a collision only undercounts).
type symbolKeys struct {
	seed  maphash.Seed
	seen  map[uint64]struct{}
	bytes int
}

// guardSymbolFor replaces Symbol.for on the base global with a function of
// the same behaviour (the same symbol for the same key on this VM, which
// Symbol.keyFor knows) that counts the distinct keys and their bytes, and
// marks the VM broken once they pass maxSymbolKeys or maxSymbolKeyBytes. It
// runs when the VM is created, before the globals are frozen.
func (vm *VM) guardSymbolFor() error {
	rt := vm.rt
	symbol := rt.Get("Symbol").ToObject(rt)
	register, ok := goja.AssertFunction(symbol.Get("for"))
	if !ok {
		return nil
	}
	keys := &symbolKeys{seed: maphash.MakeSeed(), seen: map[uint64]struct{}{}}
	f := rt.ToValue(func(c goja.FunctionCall) goja.Value {
		key := c.Argument(0).ToString() // throws for a symbol, like Symbol.for
		if !vm.broken {
			keys.add(vm, key.String())
		}
		v, err := register(symbol, key)
		if err != nil {
			panic(err)
		}
		return v
	}).(*goja.Object)
	if err := nameFunc(rt, f, "for", 1); err != nil {
		return err
	}
	return symbol.DefineDataProperty("for", f, goja.FLAG_TRUE, goja.FLAG_TRUE, goja.FLAG_FALSE)
}

func (k *symbolKeys) add(vm *VM, key string) {
	h := maphash.String(k.seed, key)
	if _, dup := k.seen[h]; dup {
		return
	}
	k.seen[h] = struct{}{}
	k.bytes += len(key)
	if len(k.seen) <= maxSymbolKeys && k.bytes <= maxSymbolKeyBytes {
		return
	}
	vm.broken = true
	logger := vm.h.logger
	if vm.call != nil {
		logger = vm.call.Logger()
	}
	logger.LogAttrs(context.Background(), slog.LevelWarn, "Symbol.for registry over its limit; the VM is replaced after this run",
		slog.Int("keys", len(k.seen)), slog.Int("bytes", k.bytes))
}
