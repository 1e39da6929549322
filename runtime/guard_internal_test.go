package runtime

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/dop251/goja"
)

// testVM returns a VM of a host without a script root, for running snippets.
func testVM(t testing.TB, cfg Config) *VM {
	t.Helper()
	cfg.Root = "/"
	h, err := newHost(cfg.withDefaults(), nil, "/", nil)
	if err != nil {
		t.Fatal(err)
	}
	vm, err := newVM(h)
	if err != nil {
		t.Fatal(err)
	}
	return vm
}

// canon renders a JSON-like value exactly: key order, -0, UTF-16 code units.
func canon(v goja.Value) string {
	var b strings.Builder
	var walk func(v goja.Value)
	walk = func(v goja.Value) {
		switch x := v.(type) {
		case nil:
			b.WriteString("<nil>")
		case goja.String:
			b.WriteByte('"')
			for i := 0; i < x.Length(); i++ {
				c := x.CharAt(i)
				if c >= 0x20 && c < 0x7f && c != '"' && c != '\\' {
					b.WriteByte(byte(c))
				} else {
					fmt.Fprintf(&b, "\\u%04x", c)
				}
			}
			b.WriteByte('"')
		case *goja.Object:
			if x.ClassName() == "Array" {
				b.WriteByte('[')
				n := x.Get("length").ToInteger()
				for i := int64(0); i < n; i++ {
					if i > 0 {
						b.WriteByte(',')
					}
					walk(x.Get(strconv.FormatInt(i, 10)))
				}
				b.WriteByte(']')
				return
			}
			fmt.Fprintf(&b, "{proto=%v;", x.Prototype() != nil)
			for _, k := range x.Keys() {
				walk(goja.StringFromUTF16(utf16Of(k)))
				b.WriteByte(':')
				walk(x.Get(k))
				b.WriteByte(';')
			}
			b.WriteByte('}')
		default:
			if goja.IsNumber(v) {
				f := v.ToFloat()
				if f == 0 && math.Signbit(f) {
					b.WriteString("-0")
				} else {
					b.WriteString(strconv.FormatFloat(f, 'g', -1, 64))
				}
				return
			}
			b.WriteString(v.String())
		}
	}
	walk(v)
	return b.String()
}

func utf16Of(s string) []uint16 {
	var u []uint16
	for _, r := range s {
		if r >= 0x10000 {
			r -= 0x10000
			u = append(u, uint16(0xd800+(r>>10)), uint16(0xdc00+(r&0x3ff)))
		} else {
			u = append(u, uint16(r))
		}
	}
	return u
}

// parseBoth parses text with dirigo's JSON.parse and goja's own.
func parseBoth(vm *VM, native goja.Callable, text string) (ours, theirs goja.Value, oursErr, theirsErr error) {
	ours, oursErr = vm.parse(goja.Undefined(), vm.rt.ToValue(text))
	theirs, theirsErr = native(goja.Undefined(), vm.rt.ToValue(text))
	return
}

func nativeParse(t testing.TB) goja.Callable {
	rt := goja.New()
	f, _ := goja.AssertFunction(rt.Get("JSON").ToObject(rt).Get("parse"))
	return func(this goja.Value, args ...goja.Value) (goja.Value, error) {
		// The text crosses runtimes as a Go string.
		return f(this, rt.ToValue(args[0].String()))
	}
}

// errName returns the name of the JavaScript error err carries.
func errName(err error) string {
	var ex *goja.Exception
	if errors.As(err, &ex) {
		if o, ok := ex.Value().(*goja.Object); ok {
			return o.Get("name").String()
		}
	}
	return fmt.Sprintf("%T", err)
}

func TestJSONParse(t *testing.T) {
	vm := testVM(t, Config{})
	native := nativeParse(t)
	for _, text := range []string{
		`0`, `-0`, `1.5e3`, `-12.25`, `1e-400`, `123456789012345678901234567890`,
		`"a"`, `"\u00e9\n\t\"\\\/"`, `"é漢字😀"`, `"\ud83d\ude00"`, `true`, `false`, `null`,
		`[]`, `{}`, ` [ 1 , [ 2 , { "a" : [ ] } ] ] `, `{"a":1,"b":{"c":[true,false,null]}}`,
		`{"a":1,"a":2,"b":3}`, `{"__proto__":{"x":1}}`, `{"constructor":1,"toString":2}`,
		`{"1":1,"0":0,"b":2}`, `[1,2,3,4,5,6,7,8,9,10,11,12]`, "\t\r\n 7 \n",
	} {
		ours, theirs, oe, te := parseBoth(vm, native, text)
		if oe != nil || te != nil {
			t.Errorf("%s: errors %v / %v", text, oe, te)
			continue
		}
		if canon(ours) != canon(theirs) {
			t.Errorf("%s:\n ours   %s\n goja's %s", text, canon(ours), canon(theirs))
		}
	}
	// What goja's decoder gets wrong and ours gets right.
	for _, c := range []struct{ text, want string }{
		{`"\ud800"`, `"\ud800"`},
		{`"a\udc00b"`, `"a\udc00b"`},
		{`1e400`, `+Inf`},
		{`-1e400`, `-Inf`},
	} {
		v, err := vm.parse(goja.Undefined(), vm.rt.ToValue(c.text))
		if err != nil {
			t.Fatalf("%s: %v", c.text, err)
		}
		if got := canon(v); got != c.want {
			t.Errorf("%s = %s, want %s", c.text, got, c.want)
		}
	}
	// "__proto__" is an own property, not the prototype.
	v, _ := vm.parse(goja.Undefined(), vm.rt.ToValue(`{"__proto__":{"x":1}}`))
	if o := v.(*goja.Object); o.Get("x") != nil || o.Prototype() == nil || o.Prototype().Get("x") != nil {
		t.Errorf(`{"__proto__": ...} set the prototype`)
	}
	for _, text := range []string{
		``, ` `, `[`, `]`, `{`, `[1,]`, `{"a":1,}`, `{"a" 1}`, `{a:1}`, `[1 2]`, `01`, `1.`, `.5`, `+1`, `-`,
		`1e`, `1e+`, `"abc`, `"\x"`, `"\u12"`, `"\u12g4"`, "\"a\nb\"", `tru`, `nul`, `[1]x`, `1 2`,
		`NaN`, `Infinity`, `'a'`, `[,]`, "\u00a0 1", `{"a":1}}`, `[[]`,
	} {
		_, err := vm.parse(goja.Undefined(), vm.rt.ToValue(text))
		if errName(err) != "SyntaxError" {
			t.Errorf("%q: %v, want a SyntaxError", text, err)
		}
		if _, err := native(goja.Undefined(), vm.rt.ToValue(text)); err == nil {
			t.Errorf("%q: goja's JSON.parse accepts it", text)
		}
	}
}

func TestJSONParseDepth(t *testing.T) {
	vm := testVM(t, Config{})
	nest := func(n int, open, close string) string {
		return strings.Repeat(open, n) + strings.Repeat(close, n)
	}
	for _, c := range []struct {
		text string
		want string // "" for success, else the error name
	}{
		{nest(maxJSONDepth, "[", "]"), ""},
		{nest(maxJSONDepth+1, "[", "]"), "RangeError"},
		{strings.Repeat(`{"a":`, maxJSONDepth) + "1" + strings.Repeat("}", maxJSONDepth), ""},
		{strings.Repeat(`{"a":`, maxJSONDepth+1) + "1" + strings.Repeat("}", maxJSONDepth+1), "RangeError"},
		// The attack: 3 million levels (goja's decoder: fatal stack overflow).
		{nest(3_000_000, "[", "]"), "RangeError"},
		// Brackets in strings do not count.
		{`["` + strings.Repeat("[", 5000) + `"]`, ""},
	} {
		_, err := vm.parse(goja.Undefined(), vm.rt.ToValue(c.text))
		if got := errName(err); (c.want == "" && err != nil) || (c.want != "" && got != c.want) {
			t.Errorf("%.20s…: %v, want %q", c.text, err, c.want)
		}
	}
	// A reviver that grows the structure is bounded too.
	_, err := vm.rt.RunString(`JSON.parse('{"a":0,"b":1}', function (k, v) {
		if (k === "a") { var o = {}; for (var i = 0; i < 5000; i++) o = {a: o}; this.b = o; }
		return v;
	})`)
	if errName(err) != "RangeError" {
		t.Errorf("a growing reviver: %v, want a RangeError", err)
	}
}

func TestJSONParseReviver(t *testing.T) {
	vm := testVM(t, Config{})
	v, err := vm.rt.RunString(`JSON.stringify(JSON.parse('{"a":[1,2,{"b":3}],"c":"x","d":4}', function (k, v) {
		if (k === "d") return undefined;
		if (typeof v === "number") return v * 10;
		if (k === "") return [this[""] === v, v];
		return v;
	}))`)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := v.String(), `[true,{"a":[10,20,{"b":30}],"c":"x"}]`; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

func FuzzJSONParse(f *testing.F) {
	for _, s := range []string{`{"a":[1,-0.5e3,"x\u0041"],"b":null}`, `[true,false,{}]`, `"\ud83d\ude00"`, `1e999`, `[1,]`, `{"__proto__":1}`} {
		f.Add(s)
	}
	vm := testVM(f, Config{})
	native := nativeParse(f)
	f.Fuzz(func(t *testing.T, text string) {
		ours, theirs, oe, te := parseBoth(vm, native, text)
		if oe != nil {
			if n := errName(oe); n != "SyntaxError" && n != "RangeError" {
				t.Fatalf("%q: %v", text, oe)
			}
		}
		// goja's decoder (encoding/json) replaces lone surrogates and fails on
		// numbers out of float64's range; otherwise both agree.
		if strings.Contains(strings.ToLower(text), `\ud`) || strings.ContainsAny(text, "eE") {
			return
		}
		switch {
		case (oe == nil) != (te == nil):
			t.Fatalf("%q: ours %v (%v), goja's %v", text, canonOrNil(ours), oe, te)
		case oe == nil && canon(ours) != canon(theirs):
			t.Fatalf("%q:\n ours   %s\n goja's %s", text, canon(ours), canon(theirs))
		}
	})
}

func canonOrNil(v goja.Value) string {
	if v == nil {
		return "nil"
	}
	return canon(v)
}

func BenchmarkJSONParse(b *testing.B) {
	text := "[" + strings.Repeat(`{"id":12345,"name":"Widget","tags":["a","b"],"price":9.99,"ok":true},`, 1000) + "null]"
	vm := testVM(b, Config{})
	arg := vm.rt.ToValue(text)
	b.Run("dirigo", func(b *testing.B) {
		b.SetBytes(int64(len(text)))
		b.ReportAllocs()
		for b.Loop() {
			if _, err := vm.parse(goja.Undefined(), arg); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("goja", func(b *testing.B) {
		rt := goja.New()
		parse, _ := goja.AssertFunction(rt.Get("JSON").ToObject(rt).Get("parse"))
		arg := rt.ToValue(text)
		b.SetBytes(int64(len(text)))
		b.ReportAllocs()
		for b.Loop() {
			if _, err := parse(goja.Undefined(), arg); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkJSONStringify(b *testing.B) {
	text := "[" + strings.Repeat(`{"id":12345,"name":"Widget","tags":["a","b"],"price":9.99,"ok":true},`, 1000) + "null]"
	vm := testVM(b, Config{})
	v, err := vm.parse(goja.Undefined(), vm.rt.ToValue(text))
	if err != nil {
		b.Fatal(err)
	}
	b.Run("dirigo", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := vm.stringify(goja.Undefined(), v); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("goja", func(b *testing.B) {
		rt := goja.New()
		str, _ := goja.AssertFunction(rt.Get("JSON").ToObject(rt).Get("stringify"))
		parse, _ := goja.AssertFunction(rt.Get("JSON").ToObject(rt).Get("parse"))
		v, _ := parse(goja.Undefined(), rt.ToValue(text))
		b.ReportAllocs()
		for b.Loop() {
			if _, err := str(goja.Undefined(), v); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// run evaluates src on vm and returns its result as a string, or the name
// of the error it threw.
func run(vm *VM, src string) (out string) {
	defer func() {
		if r := recover(); r != nil {
			out = fmt.Sprintf("panic %T", r)
		}
	}()
	vm.rt.SetGlobalObject(vm.rt.CreateObject(vm.base)) // a request's global
	defer vm.rt.SetGlobalObject(vm.base)
	v, err := vm.rt.RunString(src)
	if err != nil {
		return errName(err)
	}
	return v.String()
}

func TestGuardedBuiltins(t *testing.T) {
	// A 256 MiB budget: strings of 32 Mi units, arrays of 4 Mi elements,
	// buffers of 64 MiB.
	vm := testVM(t, Config{MaxMemory: 256 << 20})
	if l := vm.h.limits; l.maxString != 32<<20 || l.maxArray != 4<<20 || l.maxBytes != 64<<20 {
		t.Fatalf("limits %+v", l)
	}
	for _, c := range []struct{ src, want string }{
		// Strings.
		{`"x".repeat(2 ** 30)`, "RangeError"},
		{`"ab".repeat(2 ** 24 + 1)`, "RangeError"},
		{`"ab".repeat(2 ** 24).length`, "33554432"},
		{`"ab".repeat(3)`, "ababab"},
		{`"é".repeat(2) + "a".repeat(0) + "".repeat(2 ** 40)`, "éé"},
		{`"a".repeat(-1)`, "RangeError"},
		{`"a".repeat(Infinity)`, "RangeError"},
		{`String.prototype.repeat.call(123, 2)`, "123123"},
		{`String.prototype.repeat.call(null, 2)`, "TypeError"},
		{`var n = 0; "a".repeat({ valueOf: function () { n++; return 2; } }) + n`, "aa1"},
		{`var n = 0; String.prototype.repeat.call({ toString: function () { n++; return "b"; } }, 2) + n`, "bb1"},
		{`String.prototype.repeat.name + String.prototype.repeat.length + String(String.prototype.repeat)`,
			"repeat1function repeat() { [native code] }"},
		{`"x".padStart(2 ** 30)`, "RangeError"},
		{`"x".padEnd(2 ** 30, "ab")`, "RangeError"},
		{`"x".padEnd(2 ** 30, "")`, "x"},
		{`"5".padStart(3, "0") + "5".padEnd(3) + "|"`, "0055  |"},
		{`"abc".padStart(2)`, "abc"},
		// Arrays walked index by index.
		{`new Array(1e9).fill(0)`, "RangeError"},
		{`[1, 2, 3].fill(0).join()`, "0,0,0"},
		{`Array.prototype.indexOf.call({ length: 2 ** 53 - 1 }, 1)`, "RangeError"},
		{`Array.prototype.includes.call({ length: 3, 1: "x" }, "x")`, "true"},
		{`var a = []; a.length = 2 ** 32 - 1; a.forEach(function () {})`, "RangeError"},
		{`var a = []; a.length = 2 ** 32 - 1; a.map(function (x) { return x; })`, "RangeError"},
		{`[3, 1, 2].sort().concat([4]).slice(1).reverse().join("")`, "432"},
		{`var a = []; a.length = 2 ** 32 - 2; [1].concat(a)`, "RangeError"},
		{`Array.from({ length: 2 ** 32 })`, "RangeError"},
		{`Array.from({ length: 3 }).length + Array.from("abc").join("") + Array.from(new Set([1, 2])).length`, "3abc2"},
		{`Math.max.apply(null, { length: 2 ** 32 - 1 })`, "RangeError"},
		{`Math.max.apply(null, [1, 5, 3]) + Reflect.apply(Math.min, null, [4, 2])`, "7"},
		{`Reflect.apply(Math.max, null, { length: 1e9 })`, "RangeError"},
		{`Reflect.construct(Array, { length: 1e9 })`, "RangeError"},
		// join, done in Go.
		{`[1, [2, [3]], null, undefined, "x", true].join("-")`, "1-2,3---x-true"},
		{`var a = [1]; a.push(a, 2); a.join()`, "1,,2"},
		{`[].join() + [,].join() + [, ,].join("+")`, "+"},
		{`Array.prototype.join.call("abc", "é")`, "aébéc"},
		{`Array.prototype.join.call({ length: 2, 0: "a", 1: { toString: function () { return "b"; } } })`, "a,b"},
		{`String([1, [2, 3]])`, "1,2,3"},
		{`new Array(1e9).join("abc")`, "RangeError"},
		{`new Array(4e6).join("abcdefghij")`, "RangeError"},
		{`var big = "x".repeat(1e6); var a = []; for (var i = 0; i < 40; i++) a.push(big); a.join("")`, "RangeError"},
		{`[Symbol("s")].join()`, "TypeError"},
		{`Array.prototype.join.length`, "1"},
		// Buffers.
		{`new ArrayBuffer(2 ** 40)`, "RangeError"},
		{`new Uint8Array(2 ** 40)`, "RangeError"},
		{`new Float64Array(2 ** 24)`, "RangeError"},
		{`new Uint8Array({ length: 2 ** 40 })`, "RangeError"},
		{`new Uint8Array(new ArrayBuffer(16), 4).length`, "12"},
		{`new Uint8Array(2e7).join("xx")`, "RangeError"},
		{`new Uint8Array([1, 2, 3]).join("")`, "123"},
		{`class B extends Uint8Array {} var b = new B(4);
			[b instanceof B, b instanceof Uint8Array, b.length, Object.getPrototypeOf(b) === B.prototype].join()`, "true,true,4,true"},
		{`[new Uint8Array(4).constructor === Uint8Array, Uint8Array.prototype.constructor === Uint8Array,
			Uint8Array.BYTES_PER_ELEMENT, Float64Array.BYTES_PER_ELEMENT, Uint8Array.name, Uint8Array.length,
			Object.getPrototypeOf(Int8Array) === Object.getPrototypeOf(Uint8Array), String(Uint8Array)].join()`,
			"true,true,1,8,Uint8Array,3,true,function Uint8Array() { [native code] }"},
		{`[Uint8Array.from([1, 2]).length, Uint8Array.of(1, 2, 3).length, new Uint8Array([1, 2, 3]).slice(1).length,
			new Uint8Array(8).subarray(2).length, new Uint8Array(3).map(function (x) { return x + 1; }).join(""),
			new ArrayBuffer(8).slice(2).byteLength, ArrayBuffer.isView(new DataView(new ArrayBuffer(2))),
			new ArrayBuffer(8) instanceof ArrayBuffer, ArrayBuffer[Symbol.species] === ArrayBuffer].join()`,
			"2,3,2,6,111,6,true,true,true"},
		{`new DataView(new ArrayBuffer(4)).byteLength`, "4"},
	} {
		if got := run(vm, c.src); got != c.want {
			t.Errorf("%s\n  = %.200q, want %q", c.src, got, c.want)
		}
	}
}

func TestJSONStringify(t *testing.T) {
	vm := testVM(t, Config{})
	native := goja.New()
	for _, src := range []string{
		`JSON.stringify({ a: [1, { b: 2 }], c: "é\u2028\ud800", d: undefined, e: function () {}, f: null })`,
		`JSON.stringify({ b: 2, a: 1, c: { a: 3, z: 4 }, l: [{ a: 5, q: 6 }] }, ["a", "c", "l", "a"])`,
		`JSON.stringify({ 1: 1, 2: 2, x: 3 }, [2, new String("x"), {}, true])`,
		`JSON.stringify({ a: 1, b: [1, 2] }, function (k, v) { return k === "a" ? undefined : v; })`,
		`JSON.stringify({ a: [1, { b: 2 }] }, null, 2)`,
		`JSON.stringify({ a: [1] }, null, "--")`,
		`JSON.stringify({ toJSON: function () { return { x: 1 }; } })`,
		`JSON.stringify({ a: { toJSON: function (k) { return JSON.stringify({ b: k }); } } })`,
		`JSON.stringify([new Number(1), new String("s"), new Boolean(false), new Date(0)])`,
		`JSON.stringify("x") + JSON.stringify(1) + JSON.stringify(undefined) + JSON.stringify(function () {})`,
		`JSON.stringify({ get g() { return [this === undefined]; } })`,
		`var o = { a: 1 }; JSON.stringify([o, o, { o: o }])`,
		`JSON.stringify({ a: 1 }, function (k, v) { return k === "" ? { replaced: [v] } : v; })`,
		`JSON.stringify(JSON.rawJSON ? [JSON.rawJSON("1e3")] : [1000])`,
		`var o = {}; o.o = o; try { JSON.stringify(o); } catch (e) { e.name; }`,
		`var o = {}; o.o = o; try { JSON.stringify(o, ["o"]); } catch (e) { e.name; }`,
		`try { JSON.stringify({ a: 1n }); } catch (e) { e.name; }`,
	} {
		ours := run(vm, src)
		theirs, err := native.RunString(src)
		want := ""
		if err != nil {
			want = errName(err)
		} else {
			want = theirs.String()
		}
		if ours != want {
			t.Errorf("%s\n  = %.200q, goja's %.200q", src, ours, want)
		}
	}
	nest := func(n int) string {
		return `var o = {}; for (var i = 1; i < ` + strconv.Itoa(n) + `; i++) o = { a: o }; JSON.stringify(o).length`
	}
	for _, c := range []struct{ src, want string }{
		{nest(maxJSONDepth), strconv.Itoa(maxJSONDepth*6 - 4)},
		{nest(maxJSONDepth + 1), "RangeError"},
		{`var a = []; for (var i = 1; i < 1e5; i++) a = [a]; JSON.stringify(a)`, "RangeError"},
		{nest(maxJSONDepth+1) + `; JSON.stringify([1])`, "RangeError"},
		// A replacer that nests deeper at every call.
		{`JSON.stringify({}, function (k, v) { return { a: v }; })`, "RangeError"},
		// After an error, the next call starts afresh.
		{`try { ` + nest(maxJSONDepth+1) + ` } catch (e) {} JSON.stringify({ a: [1] })`, `{"a":[1]}`},
	} {
		if got := run(vm, c.src); got != c.want {
			t.Errorf("%.80s…\n  = %.200q, want %q", c.src, got, c.want)
		}
	}
}

// TestGuardedBuiltinsStop checks that the guarded built-ins end when the
// watchdog stops the run, though no script instruction runs in them.
func TestGuardedBuiltinsStop(t *testing.T) {
	for _, c := range []struct{ name, setup, call string }{
		{"stringify", `var x = [1]; for (var i = 0; i < 20; i++) x = [x, x];`, `JSON.stringify(x)`},
		{"parse", `var s = "[" + "0,".repeat(1e5) + "0]";`, `JSON.parse(s)`},
		{"join", `var a = []; a.length = 1e5;`, `a.join("")`},
	} {
		vm := testVM(t, Config{})
		vm.rt.SetGlobalObject(vm.rt.CreateObject(vm.base))
		if _, err := vm.rt.RunString(c.setup); err != nil {
			t.Fatal(err)
		}
		// Stopped without goja's interrupt flag: only the built-in's own check can end it.
		vm.stop.Store(stopTimeout)
		func() {
			defer func() {
				r := recover()
				st, ok := r.(*stopError)
				if !ok || !errors.Is(st, ErrTimeout) {
					t.Errorf("%s: ended with %v, want a stop", c.name, r)
				}
			}()
			_, err := vm.rt.RunString(`try { ` + c.call + ` } catch (e) { "caught" }`)
			t.Errorf("%s: returned (%v)", c.name, err)
		}()
	}
}
