// The WHATWG fetch API over dirigo's outbound client: fetch, Headers,
// Request, Response, FormData, Blob, File, AbortController and AbortSignal.
// It runs once per VM, on the first use of one of them; native is the Go
// side (fetch.go) and base the VM's global object, whose DOMException (the
// web platform's) makes the abort and timeout errors.
//
// Nothing here keeps state between calls: the only variables assigned
// after load are the accessors the static blocks set, once. Internal state
// lives in private fields, out of a script's reach.
(function (native, base) {
	"use strict";
	const TypeErr = TypeError, RangeErr = RangeError, ObjectCtor = Object, StringCtor = String,
		Uint8 = Uint8Array, Prom = Promise, parseJSON = JSON.parse, stringify = JSON.stringify,
		toStr = Object.prototype.toString, isView = ArrayBuffer.isView, defineProp = Object.defineProperty,
		iterSym = Symbol.iterator, tagSym = Symbol.toStringTag, consoleRef = base.console;

	// ---------------------------------------------------------------- errors

	// domException makes a DOMException with the VM's constructor (the web
	// platform's global, read on first need).
	function domException(message, name) {
		return new base.DOMException(message, name);
	}

	// failure turns the Go side's error record into what fetch rejects with.
	function failure(e) {
		if (e.kind === "abort") return domException("This operation was aborted", "AbortError");
		if (e.kind === "timeout") return domException("The operation timed out: " + e.message, "TimeoutError");
		const cause = new Error(e.message);
		cause.code = e.code;
		const err = new TypeErr("fetch failed: " + e.message);
		defineProp(err, "cause", { value: cause, writable: true, configurable: true });
		return err;
	}

	function report(e) {
		try { consoleRef.error("Uncaught (in an event listener)", e); } catch (_) { /* nothing to do */ }
	}

	// ------------------------------------------------------------- helpers

	const tokenRe = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
	const badValueRe = /[\0\r\n]/;
	const trimRe = /^[\t\n\r ]+|[\t\n\r ]+$/g;

	function brand(x) { return toStr.call(x).slice(8, -1); }

	function isArrayBuffer(x) {
		const b = brand(x);
		return b === "ArrayBuffer" || b === "SharedArrayBuffer";
	}

	function isURLSearchParams(x) {
		if (x === null || typeof x !== "object") return false;
		if (brand(x) === "URLSearchParams") return true;
		const c = x.constructor;
		return typeof c === "function" && c.name === "URLSearchParams" && typeof x.append === "function";
	}

	function isBlobLike(x) {
		return x !== null && typeof x === "object" && typeof x.arrayBuffer === "function" &&
			typeof x.size === "number" && typeof x.type === "string";
	}

	function copyBytes(x) {
		if (isArrayBuffer(x)) return new Uint8(x.slice(0));
		return new Uint8(x.buffer.slice(x.byteOffset, x.byteOffset + x.byteLength));
	}

	function bytesOf(x) { return isView(x) ? new Uint8(x.buffer, x.byteOffset, x.byteLength) : new Uint8(x); }

	function concat(list) {
		let n = 0;
		for (const b of list) n += b.byteLength;
		const out = new Uint8(n);
		let at = 0;
		for (const b of list) { out.set(b, at); at += b.byteLength; }
		return out;
	}

	// ------------------------------------------------------------- Headers

	let headerList, setGuard, headersFrom;

	function hasName(list, name) {
		for (let i = 0; i < list.length; i += 2) if (list[i] === name) return true;
		return false;
	}

	function normalizeName(name) {
		name = StringCtor(name);
		if (!tokenRe.test(name)) throw new TypeErr(`Invalid header name: "${name}"`);
		return name.toLowerCase();
	}

	function normalizeValue(value) {
		value = StringCtor(value).replace(trimRe, "");
		if (badValueRe.test(value)) throw new TypeErr("Invalid header value");
		return value;
	}

	class Headers {
		#list = []; // [name (lower case), value, ...]
		#guard = "none";
		constructor(init = undefined) {
			if (init !== undefined && init !== null) fillHeaders(this, init);
			else if (init === null) throw new TypeErr("Headers: the init argument may not be null");
		}
		#check() {
			if (this.#guard === "immutable") throw new TypeErr("Headers are immutable");
		}
		append(name, value) {
			name = normalizeName(name);
			value = normalizeValue(value);
			this.#check();
			this.#list.push(name, value);
		}
		delete(name) {
			name = normalizeName(name);
			this.#check();
			const l = this.#list;
			for (let i = l.length - 2; i >= 0; i -= 2) if (l[i] === name) l.splice(i, 2);
		}
		get(name) {
			name = normalizeName(name);
			const l = this.#list;
			let out = null;
			for (let i = 0; i < l.length; i += 2) {
				if (l[i] === name) out = out === null ? l[i + 1] : out + ", " + l[i + 1];
			}
			return out;
		}
		getSetCookie() {
			const l = this.#list, out = [];
			for (let i = 0; i < l.length; i += 2) if (l[i] === "set-cookie") out.push(l[i + 1]);
			return out;
		}
		has(name) {
			name = normalizeName(name);
			const l = this.#list;
			for (let i = 0; i < l.length; i += 2) if (l[i] === name) return true;
			return false;
		}
		set(name, value) {
			name = normalizeName(name);
			value = normalizeValue(value);
			this.#check();
			const l = this.#list;
			let found = false;
			for (let i = 0; i < l.length; i += 2) {
				if (l[i] !== name) continue;
				if (!found) { l[i + 1] = value; found = true; } else { l.splice(i, 2); i -= 2; }
			}
			if (!found) l.push(name, value);
		}
		// #sorted is the sort-and-combine of the list (set-cookie kept apart).
		#sorted() {
			const l = this.#list, names = [];
			for (let i = 0; i < l.length; i += 2) if (!names.includes(l[i])) names.push(l[i]);
			names.sort();
			const out = [];
			for (const n of names) {
				if (n === "set-cookie") {
					for (let i = 0; i < l.length; i += 2) if (l[i] === n) out.push([n, l[i + 1]]);
				} else {
					out.push([n, this.get(n)]);
				}
			}
			return out;
		}
		forEach(callback, thisArg = undefined) {
			if (typeof callback !== "function") throw new TypeErr("Headers.forEach: the callback is not a function");
			for (const [n, v] of this.#sorted()) callback.call(thisArg, v, n, this);
		}
		*entries() { yield* this.#sorted(); }
		*keys() { for (const e of this.#sorted()) yield e[0]; }
		*values() { for (const e of this.#sorted()) yield e[1]; }
		[iterSym]() { return this.entries(); }
		get [tagSym]() { return "Headers"; }
		static {
			headerList = h => h.#list;
			setGuard = (h, g) => { h.#guard = g; };
			headersFrom = (list, guard) => { const h = new Headers(); h.#list = list; h.#guard = guard; return h; };
		}
	}

	function fillHeaders(h, init) {
		if (typeof init !== "object" && typeof init !== "function") throw new TypeErr("Headers: init must be an object");
		if (init instanceof Headers) {
			const l = headerList(init);
			for (let i = 0; i < l.length; i += 2) h.append(l[i], l[i + 1]);
			return;
		}
		if (typeof init[iterSym] === "function") {
			for (const pair of init) {
				if (pair === null || typeof pair !== "object" || typeof pair[iterSym] !== "function") {
					throw new TypeErr("Headers: each pair must be an iterable [name, value]");
				}
				const p = [...pair];
				if (p.length !== 2) throw new TypeErr("Headers: each pair must have exactly two items");
				h.append(p[0], p[1]);
			}
			return;
		}
		for (const k of Reflect.ownKeys(init)) {
			const d = ObjectCtor.getOwnPropertyDescriptor(init, k);
			if (d && d.enumerable) h.append(k, init[k]);
		}
	}

	// --------------------------------------------------------- Blob, File

	let blobBytes;

	class Blob {
		#bytes;
		#type;
		constructor(parts = [], options = {}) {
			const list = [];
			if (parts !== undefined) {
				if (parts === null || typeof parts !== "object" || typeof parts[iterSym] !== "function") {
					throw new TypeErr("Blob: the parts must be an iterable");
				}
				for (const p of parts) {
					if (p instanceof Blob) list.push(p.#bytes);
					else if (isArrayBuffer(p) || isView(p)) list.push(copyBytes(p));
					else list.push(native.encode(StringCtor(p)));
				}
			}
			this.#bytes = concat(list);
			const t = options && options.type !== undefined ? StringCtor(options.type) : "";
			this.#type = /[^\x20-\x7e]/.test(t) ? "" : t.toLowerCase();
		}
		get size() { return this.#bytes.byteLength; }
		get type() { return this.#type; }
		slice(start = 0, end = undefined, contentType = "") {
			const n = this.#bytes.byteLength;
			const rel = (x, d) => {
				if (x === undefined) return d;
				x = Math.trunc(Number(x)) || 0;
				return x < 0 ? Math.max(n + x, 0) : Math.min(x, n);
			};
			const s = rel(start, 0), e = rel(end, n);
			const b = new Blob([], { type: contentType });
			b.#bytes = this.#bytes.slice(s, Math.max(s, e));
			return b;
		}
		text() { return Prom.resolve(native.decode(this.#bytes)); }
		arrayBuffer() { return Prom.resolve(this.#bytes.slice().buffer); }
		bytes() { return Prom.resolve(this.#bytes.slice()); }
		get [tagSym]() { return "Blob"; }
		static {
			blobBytes = b => (#bytes in b) ? b.#bytes : null;
		}
	}

	class File extends Blob {
		#name;
		#lastModified;
		constructor(parts, name, options = {}) {
			if (arguments.length < 2) throw new TypeErr("File: 2 arguments required");
			super(parts, options);
			this.#name = StringCtor(name);
			this.#lastModified = options && options.lastModified !== undefined ? Number(options.lastModified) : Date.now();
		}
		get name() { return this.#name; }
		get lastModified() { return this.#lastModified; }
		get webkitRelativePath() { return ""; }
		get [tagSym]() { return "File"; }
	}

	// ------------------------------------------------------------ FormData

	let formEntries;

	function formValue(value, filename) {
		if (value instanceof Blob || isBlobLike(value)) {
			if (value instanceof File && filename === undefined) return value;
			const name = filename !== undefined ? StringCtor(filename) : (value instanceof File ? value.name : "blob");
			if (value instanceof Blob) return new File([value], name, { type: value.type });
			return { blob: value, name: name };
		}
		return StringCtor(value);
	}

	class FormData {
		#entries = []; // [name, value], value a string or a File
		constructor(form = undefined) {
			if (form !== undefined) throw new TypeErr("FormData: there is no form element on a server");
		}
		append(name, value, filename = undefined) { this.#entries.push([StringCtor(name), formValue(value, filename)]); }
		delete(name) { name = StringCtor(name); this.#entries = this.#entries.filter(e => e[0] !== name); }
		get(name) {
			name = StringCtor(name);
			for (const e of this.#entries) if (e[0] === name) return e[1];
			return null;
		}
		getAll(name) { name = StringCtor(name); return this.#entries.filter(e => e[0] === name).map(e => e[1]); }
		has(name) { name = StringCtor(name); return this.#entries.some(e => e[0] === name); }
		set(name, value, filename = undefined) {
			name = StringCtor(name);
			const v = formValue(value, filename);
			const i = this.#entries.findIndex(e => e[0] === name);
			if (i < 0) { this.#entries.push([name, v]); return; }
			this.#entries[i] = [name, v];
			this.#entries = this.#entries.filter((e, j) => j <= i || e[0] !== name);
		}
		forEach(callback, thisArg = undefined) {
			if (typeof callback !== "function") throw new TypeErr("FormData.forEach: the callback is not a function");
			for (const [n, v] of [...this.#entries]) callback.call(thisArg, v, n, this);
		}
		*entries() { for (const e of [...this.#entries]) yield [e[0], e[1]]; }
		*keys() { for (const e of [...this.#entries]) yield e[0]; }
		*values() { for (const e of [...this.#entries]) yield e[1]; }
		[iterSym]() { return this.entries(); }
		get [tagSym]() { return "FormData"; }
		static {
			formEntries = f => (#entries in f) ? f.#entries : null;
		}
	}

	// multipartOf encodes a FormData's entries: bytes now, or a promise when
	// a foreign blob has to be read first.
	function multipartOf(entries) {
		const parts = [], waits = [];
		for (const [name, v] of entries) {
			if (typeof v === "string") { parts.push(name, v, undefined, undefined); continue; }
			if (v instanceof Blob) { parts.push(name, blobBytes(v), v.name, v.type); continue; }
			const at = parts.length;
			parts.push(name, null, v.name, v.blob.type);
			waits.push(v.blob.arrayBuffer().then(ab => { parts[at + 1] = new Uint8(ab); }));
		}
		if (waits.length === 0) return native.multipart(parts);
		return Prom.all(waits).then(() => native.multipart(parts));
	}

	// ---------------------------------------------------------- bodies

	// A body is {bytes, promise, reader, used, type, signal, abort}: bytes
	// (a Uint8Array) when it is in memory, promise when it is on its way
	// (a foreign blob, a tee), reader when the Go side streams it.
	function extractBody(body) {
		if (body === undefined || body === null) return null;
		if (typeof body === "string") return { bytes: native.encode(body), type: "text/plain;charset=UTF-8" };
		if (isArrayBuffer(body) || isView(body)) return { bytes: copyBytes(body), type: null };
		if (isURLSearchParams(body)) {
			return { bytes: native.encode(StringCtor(body)), type: "application/x-www-form-urlencoded;charset=UTF-8" };
		}
		const entries = formEntries(body);
		if (entries !== null) {
			const m = multipartOf(entries);
			if (m instanceof Prom) {
				// The content type needs the boundary: made now, filled in later.
				return { promise: m.then(r => r.bytes), type: null, boundaryFrom: m };
			}
			return { bytes: new Uint8(m.bytes), type: m.type };
		}
		const bb = blobBytes(body);
		if (bb !== null) return { bytes: bb.slice(), type: body.type || null };
		if (isBlobLike(body)) {
			return { promise: body.arrayBuffer().then(ab => new Uint8(ab)), type: body.type || null };
		}
		return { bytes: native.encode(StringCtor(body)), type: "text/plain;charset=UTF-8" };
	}

	function newBody(extracted) {
		if (extracted === null) return null;
		return {
			bytes: extracted.bytes || null, promise: extracted.promise || null, reader: null, used: false,
			type: extracted.type, signal: null, abort: null,
		};
	}

	function unusable() { return new TypeErr("Body is unusable: Body has already been read"); }

	// read consumes a body: a promise of its bytes, or of its text when
	// text is set (the Go side decodes a streamed body itself).
	function read(b, text) {
		if (b === null) return Prom.resolve(text ? "" : new Uint8(0));
		if (b.used) return Prom.reject(unusable());
		b.used = true;
		const sig = b.signal;
		if (sig !== null && sig.aborted) {
			if (b.reader !== null) b.reader.cancel();
			return Prom.reject(sig.reason);
		}
		let p;
		if (b.bytes !== null) {
			p = Prom.resolve(text ? native.decode(b.bytes) : b.bytes);
		} else if (b.promise !== null) {
			p = b.promise.then(bytes => text ? native.decode(bytes) : bytes);
		} else {
			p = b.reader.read(text).then(r => {
				if (r !== null && typeof r === "object" && r.error) throw failure(r.error);
				return text ? r : new Uint8(r);
			});
		}
		if (sig === null) return p;
		return new Prom((resolve, reject) => {
			const onAbort = () => { if (b.abort) b.abort(); reject(sig.reason); };
			addAlgorithm(sig, onAbort);
			p.then(v => { removeAlgorithm(sig, onAbort); resolve(v); }, e => {
				removeAlgorithm(sig, onAbort);
				reject(sig.aborted ? sig.reason : e);
			});
		});
	}

	// tee splits a body for clone(): both halves read the same bytes.
	function tee(b) {
		if (b === null) return [null, null];
		if (b.used) throw new TypeErr("Body has already been consumed: cannot clone");
		if (b.bytes !== null) return [b, { ...b, bytes: b.bytes.slice() }];
		if (b.promise === null) {
			const reader = b.reader;
			b.promise = reader.read(false).then(r => {
				if (r !== null && typeof r === "object" && !isArrayBuffer(r) && r.error) throw failure(r.error);
				return new Uint8(r);
			});
			b.reader = null;
			b.promise.catch(() => {}); // each half reports it when read
		}
		const p = b.promise;
		return [b, { ...b, promise: p.then(x => x.slice()) }];
	}

	function mimeOf(headers, b) {
		const t = headers.get("content-type");
		return t !== null ? t : (b !== null && b.type) || "";
	}

	// The Body mixin of Request and Response: bodyOf(o) gives the body of o
	// and headersOf(o) its Headers, or throw for a foreign receiver.
	function bodyMixin(proto, bodyOf, headersOf) {
		const methods = {
			text() { return read(bodyOf(this), true); },
			arrayBuffer() { return read(bodyOf(this), false).then(u => u.byteLength === u.buffer.byteLength ? u.buffer : u.slice().buffer); },
			bytes() { return read(bodyOf(this), false); },
			json() { return read(bodyOf(this), true).then(t => parseJSON(t)); },
			blob() {
				const b = bodyOf(this), type = mimeOf(headersOf(this), b);
				return read(b, false).then(u => new Blob([u], { type }));
			},
			formData() {
				const b = bodyOf(this), type = mimeOf(headersOf(this), b);
				return read(b, false).then(u => {
					const fd = new FormData();
					const flat = native.parseForm(u, type);
					for (let i = 0; i < flat.length; i += 4) {
						const v = flat[i + 1];
						if (typeof v === "string") fd.append(flat[i], v);
						else fd.append(flat[i], new File([new Uint8(v)], flat[i + 2], { type: flat[i + 3] }));
					}
					return fd;
				});
			},
		};
		for (const k of ObjectCtor.keys(methods)) {
			defineProp(proto, k, { value: methods[k], writable: true, configurable: true });
		}
		defineProp(proto, "bodyUsed", {
			get: function bodyUsed() { const b = bodyOf(this); return b !== null && b.used; },
			configurable: true,
		});
	}

	// ------------------------------------------------------ AbortSignal

	let signalAbort, addAlgorithm, removeAlgorithm, newSignal, setTarget, stopped;
	const signalKey = ObjectCtor.freeze({}); // only newSignal constructs an AbortSignal

	// Event is the minimal event AbortSignal dispatches (not a global).
	class Event {
		#type;
		#target = null;
		#stop = false;
		#prevented = false;
		constructor(type) { this.#type = StringCtor(type); }
		get type() { return this.#type; }
		get target() { return this.#target; }
		get currentTarget() { return this.#target; }
		get defaultPrevented() { return this.#prevented; }
		get isTrusted() { return false; }
		preventDefault() { this.#prevented = true; }
		stopPropagation() {}
		stopImmediatePropagation() { this.#stop = true; }
		get [tagSym]() { return "Event"; }
		static {
			setTarget = (e, t) => { e.#target = t; };
			stopped = e => e.#stop;
		}
	}

	class AbortSignal {
		#aborted = false;
		#reason = undefined;
		#listeners = []; // {type, fn, once}
		#algorithms = []; // internal: fetch's aborts, dependent signals
		#onabort = null;
		constructor(key = undefined) {
			if (key !== signalKey) throw new TypeErr("Illegal constructor");
		}
		get aborted() { return this.#aborted; }
		get reason() { return this.#reason; }
		throwIfAborted() { if (this.#aborted) throw this.#reason; }
		get onabort() { return this.#onabort; }
		set onabort(fn) {
			const old = this.#onabort;
			this.#onabort = typeof fn === "function" ? fn : null;
			if (old === null && this.#onabort !== null) this.#listeners.push({ type: "abort", fn: this.#onabort, handler: true });
			else if (this.#onabort === null) this.#listeners = this.#listeners.filter(l => !l.handler);
			else for (const l of this.#listeners) if (l.handler) l.fn = this.#onabort;
		}
		addEventListener(type, fn, options = undefined) {
			if (fn === null || fn === undefined) return;
			type = StringCtor(type);
			const once = options !== null && typeof options === "object" && !!options.once;
			if (this.#listeners.some(l => !l.handler && l.type === type && l.fn === fn)) return;
			const l = { type, fn, once };
			this.#listeners.push(l);
			const sig = options !== null && typeof options === "object" ? options.signal : undefined;
			if (sig instanceof AbortSignal) {
				if (sig.aborted) this.#listeners.pop();
				else addAlgorithm(sig, () => { this.#listeners = this.#listeners.filter(x => x !== l); });
			}
		}
		removeEventListener(type, fn) {
			type = StringCtor(type);
			this.#listeners = this.#listeners.filter(l => l.handler || l.type !== type || l.fn !== fn);
		}
		dispatchEvent(event) {
			if (!(event instanceof Event)) throw new TypeErr("dispatchEvent: not an Event");
			setTarget(event, this);
			for (const l of this.#listeners.filter(x => x.type === event.type)) {
				if (l.once) this.#listeners = this.#listeners.filter(x => x !== l);
				try {
					if (typeof l.fn === "function") l.fn.call(this, event);
					else if (l.fn !== null && typeof l.fn.handleEvent === "function") l.fn.handleEvent(event);
				} catch (e) {
					report(e);
				}
				if (stopped(event)) break;
			}
			return !event.defaultPrevented;
		}
		get [tagSym]() { return "AbortSignal"; }

		static abort(reason = undefined) {
			const s = newSignal();
			signalAbort(s, reason);
			return s;
		}
		static timeout(ms) {
			const n = Number(ms);
			if (!Number.isFinite(n) || n < 0 || n > Number.MAX_SAFE_INTEGER) {
				throw new TypeErr("AbortSignal.timeout: the delay must be a number of milliseconds >= 0");
			}
			const s = newSignal();
			native.timer(Math.trunc(n), () => signalAbort(s, domException("The operation was aborted due to timeout", "TimeoutError")));
			return s;
		}
		static any(signals) {
			if (signals === null || typeof signals !== "object" || typeof signals[iterSym] !== "function") {
				throw new TypeErr("AbortSignal.any: the argument must be an iterable of signals");
			}
			const list = [...signals];
			for (const s of list) if (!(s instanceof AbortSignal)) throw new TypeErr("AbortSignal.any: not an AbortSignal");
			const out = newSignal();
			for (const s of list) {
				if (s.aborted) { signalAbort(out, s.reason); return out; }
			}
			for (const s of list) addAlgorithm(s, () => signalAbort(out, s.reason));
			return out;
		}

		static {
			newSignal = () => new AbortSignal(signalKey);
			addAlgorithm = (s, fn) => { s.#algorithms.push(fn); };
			removeAlgorithm = (s, fn) => { s.#algorithms = s.#algorithms.filter(x => x !== fn); };
			signalAbort = (s, reason) => {
				if (s.#aborted) return;
				s.#aborted = true;
				s.#reason = reason === undefined ? domException("This operation was aborted", "AbortError") : reason;
				const algos = s.#algorithms;
				s.#algorithms = [];
				for (const fn of algos) {
					try { fn(); } catch (e) { report(e); }
				}
				s.dispatchEvent(new Event("abort"));
			};
		}
	}

	class AbortController {
		#signal = newSignal();
		get signal() { return this.#signal; }
		abort(reason = undefined) { signalAbort(this.#signal, reason); }
		get [tagSym]() { return "AbortController"; }
	}

	// ------------------------------------------------------------ Request

	const forbiddenMethods = ["CONNECT", "TRACE", "TRACK"];
	const normalMethods = ["DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT"];
	const redirects = ["follow", "error", "manual"];

	function checkMethod(m) {
		m = StringCtor(m);
		if (!tokenRe.test(m)) throw new TypeErr(`'${m}' is not a valid HTTP method`);
		const up = m.toUpperCase();
		if (forbiddenMethods.includes(up)) throw new TypeErr(`'${m}' HTTP method is unsupported`);
		return normalMethods.includes(up) ? up : m;
	}

	function checkRedirect(r) {
		r = StringCtor(r);
		if (!redirects.includes(r)) throw new TypeErr(`Request: redirect must be "follow", "error" or "manual", not "${r}"`);
		return r;
	}

	let requestBody, requestHeaders, requestSignal;

	function parseURL(input) {
		try {
			return native.parseURL(StringCtor(input));
		} catch (e) {
			throw new TypeErr(`Failed to parse URL from ${StringCtor(input)}: ${e.message}`);
		}
	}

	class Request {
		#method = "GET";
		#url;
		#headers;
		#body = null;
		#redirect = "follow";
		#signal = null; // an AbortSignal, made on first use when none was given
		#init = null; // the init fields a server ignores, kept for their getters
		constructor(input, init = undefined) {
			if (arguments.length < 1) throw new TypeErr("Request: 1 argument required");
			if (init !== undefined && init !== null && typeof init !== "object") throw new TypeErr("Request: init must be an object");
			init = init || {};
			let from = null;
			if (input instanceof Request) {
				from = input;
				this.#url = from.#url;
				this.#method = from.#method;
				this.#redirect = from.#redirect;
				this.#init = from.#init;
			} else {
				this.#url = parseURL(input);
			}
			if (init.method !== undefined) this.#method = checkMethod(init.method);
			if (init.redirect !== undefined) this.#redirect = checkRedirect(init.redirect);
			if (init.signal !== undefined && init.signal !== null) {
				if (!(init.signal instanceof AbortSignal)) throw new TypeErr("Request: signal is not an AbortSignal");
				this.#signal = AbortSignal.any([init.signal]);
			} else if (from !== null && from.#signal !== null && init.signal !== null) {
				this.#signal = AbortSignal.any([from.#signal]);
			}
			const keep = ["mode", "credentials", "cache", "referrer", "referrerPolicy", "integrity", "keepalive", "duplex", "priority"];
			for (const k of keep) {
				if (init[k] !== undefined) { this.#init = { ...(this.#init || {}) }; this.#init[k] = init[k]; }
			}
			this.#headers = new Headers(init.headers !== undefined ? init.headers : (from !== null ? from.#headers : undefined));
			let body = null;
			if (init.body !== undefined && init.body !== null) {
				if (this.#method === "GET" || this.#method === "HEAD") {
					throw new TypeErr("Request with GET/HEAD method cannot have body.");
				}
				body = newBody(extractBody(init.body));
			} else if (from !== null && from.#body !== null && init.body === undefined) {
				if (from.#body.used) throw new TypeErr("Request: the input's body has already been read");
				body = from.#body;
				from.#body = { ...body, used: true };
			}
			if (body !== null && body.type && !this.#headers.has("content-type")) {
				this.#headers.append("content-type", body.type);
			}
			this.#body = body;
			if (body !== null && body.boundaryFrom) linkBoundary(this.#headers, body);
			if (body !== null && this.#signal !== null) body.signal = this.#signal;
			setGuard(this.#headers, "request");
		}
		get method() { return this.#method; }
		get url() { return this.#url; }
		get headers() { return this.#headers; }
		get redirect() { return this.#redirect; }
		get signal() {
			if (this.#signal === null) this.#signal = newSignal();
			return this.#signal;
		}
		get mode() { return (this.#init && this.#init.mode) || "cors"; }
		get credentials() { return (this.#init && this.#init.credentials) || "same-origin"; }
		get cache() { return (this.#init && this.#init.cache) || "default"; }
		get referrer() { return (this.#init && this.#init.referrer !== undefined) ? StringCtor(this.#init.referrer) : "about:client"; }
		get referrerPolicy() { return (this.#init && this.#init.referrerPolicy) || ""; }
		get integrity() { return (this.#init && this.#init.integrity) || ""; }
		get keepalive() { return !!(this.#init && this.#init.keepalive); }
		get destination() { return ""; }
		get duplex() { return "half"; }
		clone() {
			const [a, b] = tee(this.#body);
			this.#body = a;
			const r = new Request(this);
			r.#body = b;
			this.#body = a;
			return r;
		}
		get [tagSym]() { return "Request"; }
		static {
			requestBody = r => {
				if (!(#body in r)) throw new TypeErr("Illegal invocation: not a Request");
				return r.#body;
			};
			requestHeaders = r => r.#headers;
			requestSignal = r => r.#signal;
		}
	}
	bodyMixin(Request.prototype, requestBody, requestHeaders);

	// A FormData read from a foreign blob gets its boundary late: the
	// content type is set when the bytes are there.
	function linkBoundary(headers, body) {
		const list = headerList(headers);
		const at = list.indexOf("content-type");
		if (at >= 0 && at % 2 === 0) { body.promise.catch(() => {}); return; }
		list.push("content-type", "multipart/form-data");
		body.promise = body.boundaryFrom.then(m => { list[list.indexOf("content-type") + 1] = m.type; return new Uint8(m.bytes); });
	}

	// ------------------------------------------------------------ Response

	const nullBodyStatus = [101, 103, 204, 205, 304];
	const redirectStatus = [301, 302, 303, 307, 308];
	const reasonRe = /^[\t\x20-\x7e\x80-\xff]*$/;

	let responseBody, responseHeaders, responseFrom;
	const responseKey = ObjectCtor.freeze({}); // responseFrom's constructor call

	class Response {
		#type = "default";
		#status = 200;
		#statusText = "";
		#headers = null; // made from #list on first use
		#list = null;
		#body = null;
		#url = "";
		#redirected = false;
		constructor(body = null, init = undefined) {
			if (body === responseKey) return;
			if (init !== undefined && init !== null && typeof init !== "object") throw new TypeErr("Response: init must be an object");
			init = init || {};
			if (init.status !== undefined) {
				const s = Number(init.status);
				if (!Number.isInteger(s) || s < 200 || s > 599) {
					throw new RangeErr(`Response: the status provided (${init.status}) must be in the range 200 to 599`);
				}
				this.#status = s;
			}
			if (init.statusText !== undefined) {
				const t = StringCtor(init.statusText);
				if (!reasonRe.test(t)) throw new TypeErr("Response: invalid statusText");
				this.#statusText = t;
			}
			this.#headers = new Headers(init.headers);
			if (body !== null && body !== undefined) {
				if (nullBodyStatus.includes(this.#status)) {
					throw new TypeErr(`Response with null body status ${this.#status} cannot have body`);
				}
				const b = newBody(extractBody(body));
				if (b.type && !this.#headers.has("content-type")) this.#headers.append("content-type", b.type);
				if (b.boundaryFrom) linkBoundary(this.#headers, b);
				this.#body = b;
			}
			setGuard(this.#headers, "response");
		}
		get type() { return this.#type; }
		get url() { return this.#url; }
		get redirected() { return this.#redirected; }
		get status() { return this.#status; }
		get ok() { return this.#status >= 200 && this.#status <= 299; }
		get statusText() { return this.#statusText; }
		get headers() { return this.#h(); }
		#h() {
			if (this.#headers === null) this.#headers = headersFrom(this.#list, "immutable");
			return this.#headers;
		}
		clone() {
			if (this.#type === "error") return Response.error();
			const [a, b] = tee(this.#body);
			this.#body = a;
			const r = new Response(null, { status: this.#status === 0 ? 200 : this.#status });
			r.#type = this.#type;
			r.#status = this.#status;
			r.#statusText = this.#statusText;
			r.#url = this.#url;
			r.#redirected = this.#redirected;
			r.#headers = headersFrom(headerList(this.#h()).slice(), this.#type === "default" ? "response" : "immutable");
			r.#body = b;
			return r;
		}
		get [tagSym]() { return "Response"; }

		static error() {
			const r = new Response();
			r.#type = "error";
			r.#status = 0;
			setGuard(r.#headers, "immutable");
			return r;
		}
		static redirect(url, status = 302) {
			const u = parseURL(url);
			status = Number(status);
			if (!redirectStatus.includes(status)) throw new RangeErr(`Response.redirect: invalid status ${status}`);
			const r = new Response(null, { status: 200 });
			r.#status = status;
			r.#headers = headersFrom(["location", u], "immutable");
			return r;
		}
		static json(data, init = undefined) {
			const text = stringify(data);
			if (text === undefined) throw new TypeErr("Response.json: the data is not JSON-serializable");
			const r = new Response(null, init);
			if (nullBodyStatus.includes(r.#status)) {
				throw new TypeErr(`Response with null body status ${r.#status} cannot have body`);
			}
			r.#body = newBody({ bytes: native.encode(text), type: null });
			if (!r.#headers.has("content-type")) r.#headers.append("content-type", "application/json");
			return r;
		}
		static {
			responseBody = r => {
				if (!(#body in r)) throw new TypeErr("Illegal invocation: not a Response");
				return r.#body;
			};
			responseHeaders = r => r.#h();
			// responseFrom makes the Response of a fetch from what the Go
			// side read.
			responseFrom = (status, statusText, url, redirected, list, body, signal, abort) => {
				const r = new Response(responseKey);
				r.#type = "basic";
				r.#status = status;
				r.#statusText = statusText;
				r.#url = url;
				r.#redirected = redirected;
				r.#list = list;
				if (body !== null) {
					const b = newBody({ type: null });
					if (isArrayBuffer(body)) b.bytes = new Uint8(body);
					else b.reader = body;
					b.signal = signal;
					b.abort = abort;
					r.#body = b;
				}
				return r;
			};
		}
	}
	bodyMixin(Response.prototype, responseBody, responseHeaders);

	// ------------------------------------------------------------- fetch

	// sessionID returns the identifier of init.session: a non-empty string,
	// or a session object's identifier (or configuration.identifier).
	function sessionID(s) {
		if (s === null) return null;
		if (typeof s === "string" && s !== "") return s;
		if (typeof s === "object") {
			if (typeof s.identifier === "string" && s.identifier !== "") return s.identifier;
			const c = s.configuration;
			if (c !== null && typeof c === "object" && typeof c.identifier === "string" && c.identifier !== "") return c.identifier;
		}
		throw new TypeErr("fetch: init.session must be a client session or its identifier");
	}

	// fetch sends (input, init). A Request input (or a signal, which needs
	// the Request's dependent signal) goes through the Request
	// constructor; a URL with plain init is read directly, with the same
	// checks, without the objects.
	function fetch(input, init = undefined) {
		return new Prom((resolve, reject) => {
			let method = "GET", url, list = [], body = null, redirect = "follow", signal = null, session = null;
			// A server extension: init.session (a client session or its
			// identifier) sends with that session's jar, headers and pool.
			if (init !== undefined && init !== null && typeof init === "object" && init.session !== undefined) session = sessionID(init.session);
			if (input instanceof Request || (init !== undefined && init !== null && init.signal !== undefined && init.signal !== null)) {
				const request = new Request(input, init);
				method = request.method;
				url = request.url;
				list = headerList(requestHeaders(request));
				body = requestBody(request);
				redirect = request.redirect;
				signal = requestSignal(request);
			} else {
				url = parseURL(input);
				if (init !== undefined && init !== null) {
					if (typeof init !== "object") throw new TypeErr("Request: init must be an object");
					if (init.method !== undefined) method = checkMethod(init.method);
					if (init.redirect !== undefined) redirect = checkRedirect(init.redirect);
					if (init.headers !== undefined) list = headerList(new Headers(init.headers));
					if (init.body !== undefined && init.body !== null) {
						if (method === "GET" || method === "HEAD") throw new TypeErr("Request with GET/HEAD method cannot have body.");
						body = newBody(extractBody(init.body));
						if (body.type && !hasName(list, "content-type")) list.push("content-type", body.type);
						if (body.boundaryFrom) { const h = headersFrom(list, "none"); linkBoundary(h, body); }
					}
				}
			}
			if (signal !== null && signal.aborted) {
				if (body !== null) body.used = true;
				throw signal.reason;
			}
			let bytes = null;
			if (body !== null) {
				if (body.used) throw unusable();
				body.used = true;
				bytes = body.bytes !== null ? body.bytes : body.promise;
			}
			const go = b => {
				let settled = false, abort = null;
				const onAbort = () => {
					if (settled) return;
					settled = true;
					abort();
					reject(signal.reason);
				};
				abort = native.send(method, url, list, b, redirect, (status, statusText, rurl, redirected, headers, rbody, error) => {
					if (settled) {
						if (rbody !== null && rbody !== undefined && !isArrayBuffer(rbody)) rbody.cancel();
						return;
					}
					settled = true;
					if (signal !== null) removeAlgorithm(signal, onAbort);
					if (error !== undefined) reject(failure(error));
					else resolve(responseFrom(status, statusText, rurl, redirected, headers, rbody, signal, abort));
				}, session);
				if (signal !== null) addAlgorithm(signal, onAbort);
			};
			if (bytes instanceof Prom) bytes.then(go, reject);
			else go(bytes);
		});
	}

	return {
		fetch, Headers, Request, Response, FormData, Blob, File, AbortController, AbortSignal,
	};
})
