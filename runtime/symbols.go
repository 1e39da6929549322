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

// maxLongLivedWeakKeys bounds the WeakMap and WeakSet entries keyed by
// objects that live as long as the VM, over the VM's life. goja attaches a
// cleanup record to the key of every entry, which lives as long as the key,
// not the map: a script that makes a WeakMap per request and keys it by a
// module's exports or a built-in prototype left a record behind on every
// request, and the VM grew, and slowed down (the records of one object are
// a list), without end. Past the limit the VM is replaced after the request
// in progress.
const maxLongLivedWeakKeys = 10000

// guardWeakCollections replaces WeakMap.prototype.set and
// WeakSet.prototype.add on the base global with functions of the same
// behaviour that count the new entries whose key is not extensible: the
// objects that outlive a request are all frozen, and what scripts make is
// extensible unless they froze it themselves. It runs when the VM is
// created, before the globals are frozen.
func (vm *VM) guardWeakCollections() error {
	rt := vm.rt
	isExtensible, ok := goja.AssertFunction(rt.Get("Object").ToObject(rt).Get("isExtensible"))
	if !ok {
		return nil
	}
	count := 0
	for _, w := range []struct {
		ctor, method string
		length       int
	}{{"WeakMap", "set", 2}, {"WeakSet", "add", 1}} {
		proto := rt.Get(w.ctor).ToObject(rt).Get("prototype").ToObject(rt)
		add, ok1 := goja.AssertFunction(proto.Get(w.method))
		has, ok2 := goja.AssertFunction(proto.Get("has"))
		if !ok1 || !ok2 {
			continue
		}
		f := rt.ToValue(func(c goja.FunctionCall) goja.Value {
			if key, ok := c.Argument(0).(*goja.Object); ok && !vm.broken {
				if ext, err := isExtensible(goja.Undefined(), key); err == nil && !ext.ToBoolean() {
					// An incompatible receiver makes has throw: add throws below.
					if had, err := has(c.This, key); err == nil && !had.ToBoolean() {
						if count++; count > maxLongLivedWeakKeys {
							vm.broken = true
							logger := vm.h.logger
							if vm.call != nil {
								logger = vm.call.Logger()
							}
							logger.LogAttrs(context.Background(), slog.LevelWarn,
								"WeakMap and WeakSet entries keyed by long-lived objects over their limit; the VM is replaced after this run",
								slog.Int("entries", count))
						}
					}
				}
			}
			v, err := add(c.This, c.Arguments...)
			if err != nil {
				panic(err)
			}
			return v
		}).(*goja.Object)
		if err := nameFunc(rt, f, w.method, w.length); err != nil {
			return err
		}
		if err := proto.DefineDataProperty(w.method, f, goja.FLAG_TRUE, goja.FLAG_TRUE, goja.FLAG_FALSE); err != nil {
			return err
		}
	}
	return nil
}
