// Package events is Node's events module: EventEmitter (on, once, off,
// prepend…, emit with Node's "error" rule, listener bookkeeping,
// newListener/removeListener events, max-listener warnings), once() as a
// promise, errorMonitor and listenerCount.
package events

import (
	"github.com/dop251/goja"

	"github.com/dirigo/dirigo/modules/internal/jsmod"
	"github.com/dirigo/dirigo/runtime"
)

// Modules are events and node:events.
var Modules = []runtime.Module{
	{Name: "events", Load: func(vm *runtime.VM) (goja.Value, error) { return jsmod.Call(vm, program()) }},
	{Name: "node:events", Load: func(vm *runtime.VM) (goja.Value, error) { return vm.Require("events") }},
}

var program = jsmod.Program("events", `(function () {
	"use strict";
	var errorMonitor = Symbol("events.errorMonitor");
	var defaultMaxListeners = 10;
	function EventEmitter(opts) { EventEmitter.init.call(this, opts); }
	EventEmitter.init = function init() {
		if (this._events === undefined || this._events === Object.getPrototypeOf(this)._events) {
			this._events = Object.create(null);
			this._eventsCount = 0;
		}
		this._maxListeners = this._maxListeners || undefined;
	};
	function checkListener(l) {
		if (typeof l !== "function") throw new TypeError("The \"listener\" argument must be of type function. Received " + (l === null ? "null" : typeof l));
	}
	function events(self) {
		if (self._events === undefined) { self._events = Object.create(null); self._eventsCount = 0; }
		return self._events;
	}
	var proto = EventEmitter.prototype;
	proto._events = undefined;
	proto._eventsCount = 0;
	proto._maxListeners = undefined;
	proto.setMaxListeners = function setMaxListeners(n) {
		if (typeof n !== "number" || n < 0 || n !== n) throw new RangeError("The value of \"n\" is out of range. It must be a non-negative number. Received " + n);
		this._maxListeners = n;
		return this;
	};
	proto.getMaxListeners = function getMaxListeners() {
		return this._maxListeners === undefined ? defaultMaxListeners : this._maxListeners;
	};
	function addListener(self, type, listener, prepend) {
		checkListener(listener);
		var evs = events(self);
		if (evs.newListener !== undefined) {
			self.emit("newListener", type, listener.listener ? listener.listener : listener);
			evs = events(self);
		}
		var existing = evs[type];
		if (existing === undefined) {
			evs[type] = listener;
			self._eventsCount++;
		} else {
			if (typeof existing === "function") existing = evs[type] = prepend ? [listener, existing] : [existing, listener];
			else if (prepend) existing.unshift(listener);
			else existing.push(listener);
			var m = self.getMaxListeners();
			if (m > 0 && existing.length > m && !existing.warned) {
				existing.warned = true;
				console.warn("MaxListenersExceededWarning: Possible EventEmitter memory leak detected. " + existing.length + " " + String(type) + " listeners added. Use emitter.setMaxListeners() to increase limit");
			}
		}
		return self;
	}
	proto.addListener = function addListener_(type, listener) { return addListener(this, type, listener, false); };
	proto.on = proto.addListener;
	proto.prependListener = function prependListener(type, listener) { return addListener(this, type, listener, true); };
	function onceWrapper(self, type, listener) {
		var state = { fired: false, wrapFn: undefined, target: self, type: type, listener: listener };
		var wrapped = function () {
			if (!state.fired) {
				state.target.removeListener(state.type, state.wrapFn);
				state.fired = true;
				return Reflect.apply(state.listener, state.target, arguments);
			}
		};
		wrapped.listener = listener;
		state.wrapFn = wrapped;
		return wrapped;
	}
	proto.once = function once(type, listener) { checkListener(listener); return this.on(type, onceWrapper(this, type, listener)); };
	proto.prependOnceListener = function prependOnceListener(type, listener) {
		checkListener(listener);
		return this.prependListener(type, onceWrapper(this, type, listener));
	};
	proto.removeListener = function removeListener(type, listener) {
		checkListener(listener);
		var evs = this._events;
		if (evs === undefined) return this;
		var list = evs[type];
		if (list === undefined) return this;
		if (list === listener || list.listener === listener) {
			if (--this._eventsCount === 0) this._events = Object.create(null);
			else delete evs[type];
			if (evs.removeListener) this.emit("removeListener", type, list.listener || listener);
		} else if (typeof list !== "function") {
			for (var i = list.length - 1; i >= 0; i--) {
				if (list[i] === listener || list[i].listener === listener) {
					var orig = list[i].listener || list[i];
					list.splice(i, 1);
					if (list.length === 1) evs[type] = list[0];
					if (evs.removeListener !== undefined) this.emit("removeListener", type, orig);
					break;
				}
			}
		}
		return this;
	};
	proto.off = proto.removeListener;
	proto.removeAllListeners = function removeAllListeners(type) {
		var evs = this._events;
		if (evs === undefined) return this;
		if (evs.removeListener === undefined) {
			if (arguments.length === 0) { this._events = Object.create(null); this._eventsCount = 0; }
			else if (evs[type] !== undefined) {
				if (--this._eventsCount === 0) this._events = Object.create(null);
				else delete evs[type];
			}
			return this;
		}
		if (arguments.length === 0) {
			var keys = Reflect.ownKeys(evs);
			for (var i = 0; i < keys.length; i++) if (keys[i] !== "removeListener") this.removeAllListeners(keys[i]);
			this.removeAllListeners("removeListener");
			this._events = Object.create(null);
			this._eventsCount = 0;
			return this;
		}
		var listeners = evs[type];
		if (typeof listeners === "function") this.removeListener(type, listeners);
		else if (listeners !== undefined) for (var j = listeners.length - 1; j >= 0; j--) this.removeListener(type, listeners[j]);
		return this;
	};
	proto.emit = function emit(type) {
		var args = Array.prototype.slice.call(arguments, 1);
		var evs = this._events;
		if (type === "error" && evs !== undefined && evs[errorMonitor] !== undefined) this.emit.apply(this, [errorMonitor].concat(args));
		var handler = evs === undefined ? undefined : evs[type];
		if (handler === undefined) {
			if (type === "error") {
				var er = args[0];
				if (er instanceof Error) throw er;
				var err = new Error("Unhandled error." + (er === undefined ? "" : " (" + String(er) + ")"));
				err.code = "ERR_UNHANDLED_ERROR";
				err.context = er;
				throw err;
			}
			return false;
		}
		if (typeof handler === "function") Reflect.apply(handler, this, args);
		else {
			var list = handler.slice();
			for (var i = 0; i < list.length; i++) Reflect.apply(list[i], this, args);
		}
		return true;
	};
	function listeners(self, type, unwrap) {
		var evs = self._events;
		var l = evs === undefined ? undefined : evs[type];
		if (l === undefined) return [];
		if (typeof l === "function") return [unwrap && l.listener ? l.listener : l];
		return l.map(function (f) { return unwrap && f.listener ? f.listener : f; });
	}
	proto.listeners = function listeners_(type) { return listeners(this, type, true); };
	proto.rawListeners = function rawListeners(type) { return listeners(this, type, false); };
	proto.listenerCount = function listenerCount(type, listener) {
		var l = listeners(this, type, true);
		return listener === undefined ? l.length : l.filter(function (f) { return f === listener; }).length;
	};
	proto.eventNames = function eventNames() { return this._eventsCount > 0 ? Reflect.ownKeys(this._events) : []; };
	EventEmitter.EventEmitter = EventEmitter;
	EventEmitter.errorMonitor = errorMonitor;
	EventEmitter.defaultMaxListeners = defaultMaxListeners;
	EventEmitter.captureRejections = false;
	EventEmitter.listenerCount = function listenerCount(emitter, type) { return emitter.listenerCount(type); };
	EventEmitter.once = function once(emitter, name) {
		return new Promise(function (resolve, reject) {
			function onError(err) { emitter.removeListener(name, resolver); reject(err); }
			function resolver() {
				if (name !== "error") emitter.removeListener("error", onError);
				resolve(Array.prototype.slice.call(arguments));
			}
			emitter.once(name, resolver);
			if (name !== "error") emitter.once("error", onError);
		});
	};
	EventEmitter.getEventListeners = function getEventListeners(emitter, name) { return emitter.listeners(name); };
	return EventEmitter;
})`)
