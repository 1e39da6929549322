package runtime_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dop251/goja"

	"github.com/dirigo/dirigo/modules/moduletest"
	"github.com/dirigo/dirigo/runtime"
)

// fakeAsync is a module whose functions do asynchronous Go work through the
// seam, under the test's control: gates complete when the test opens them,
// sleeps when their time passes or their context ends.
type fakeAsync struct {
	mu    sync.Mutex
	gates map[string]chan struct{} // opened by the test
	// reserved receives the name of every gate a script reserved.
	reserved chan string
	// ended receives the cause of every work whose context ended.
	ended chan error
	// ran counts the completion functions that ran.
	ran atomic.Int64
	// completed receives the name of every seq() completion handed over.
	completed chan string
	// fired receives a value when a script calls fired().
	fired chan struct{}
	// completeTwice holds the last reservation of completeTwice().
	twice *runtime.Pending
}

func newFakeAsync() *fakeAsync {
	return &fakeAsync{gates: map[string]chan struct{}{}, reserved: make(chan string, 1000),
		ended: make(chan error, 1000), fired: make(chan struct{}, 10), completed: make(chan string, 1000)}
}

func (f *fakeAsync) gate(name string) chan struct{} {
	f.mu.Lock()
	defer f.mu.Unlock()
	g := f.gates[name]
	if g == nil {
		g = make(chan struct{})
		f.gates[name] = g
	}
	return g
}

// open lets the work waiting on gate name complete.
func (f *fakeAsync) open(name string) { close(f.gate(name)) }

func (f *fakeAsync) module() runtime.Module {
	return runtime.Module{Name: "test:async", Load: func(vm *runtime.VM) (goja.Value, error) {
		rt := vm.Runtime()
		o := rt.NewObject()
		must := func(p *goja.Promise, err error) goja.Value {
			if err != nil {
				panic(rt.NewGoError(err))
			}
			return rt.ToValue(p)
		}
		// gate(name): a promise of name, resolved when the test opens the gate.
		_ = o.Set("gate", func(c goja.FunctionCall) goja.Value {
			name := c.Argument(0).String()
			g := f.gate(name)
			p, err := vm.Promise(func(ctx context.Context) func() (goja.Value, error) {
				select {
				case <-g:
				case <-ctx.Done():
					f.ended <- context.Cause(ctx)
					return func() (goja.Value, error) { return nil, context.Cause(ctx) }
				}
				return func() (goja.Value, error) { f.ran.Add(1); return rt.ToValue(name), nil }
			})
			f.reserved <- name
			return must(p, err)
		})
		// seq(name): like gate, with Async and Complete by hand; the test
		// hears when the completion is handed over.
		_ = o.Set("seq", func(c goja.FunctionCall) goja.Value {
			name := c.Argument(0).String()
			g := f.gate(name)
			p, err := vm.Async()
			if err != nil {
				panic(rt.NewGoError(err))
			}
			promise, resolve, _ := rt.NewPromise()
			go func() {
				<-g
				p.Complete(func() error { f.ran.Add(1); return resolve(name) })
				f.completed <- name
			}()
			f.reserved <- name
			return rt.ToValue(promise)
		})
		// stubborn(name): completes when the gate opens, whatever the context.
		_ = o.Set("stubborn", func(c goja.FunctionCall) goja.Value {
			name := c.Argument(0).String()
			g := f.gate(name)
			p, err := vm.Promise(func(ctx context.Context) func() (goja.Value, error) {
				<-g
				return func() (goja.Value, error) { f.ran.Add(1); return rt.ToValue(name), nil }
			})
			f.reserved <- name
			return must(p, err)
		})
		// sleep(ms, v): v after ms, or a rejection when the run's context ends.
		_ = o.Set("sleep", func(c goja.FunctionCall) goja.Value {
			d := time.Duration(c.Argument(0).ToInteger()) * time.Millisecond
			v := c.Argument(1).Export()
			return must(vm.Promise(func(ctx context.Context) func() (goja.Value, error) {
				t := time.NewTimer(d)
				defer t.Stop()
				select {
				case <-t.C:
					return func() (goja.Value, error) { f.ran.Add(1); return rt.ToValue(v), nil }
				case <-ctx.Done():
					f.ended <- context.Cause(ctx)
					return func() (goja.Value, error) { return nil, context.Cause(ctx) }
				}
			}))
		})
		_ = o.Set("fail", func(c goja.FunctionCall) goja.Value {
			msg := c.Argument(0).String()
			return must(vm.Promise(func(context.Context) func() (goja.Value, error) {
				return func() (goja.Value, error) { return nil, errors.New(msg) }
			}))
		})
		_ = o.Set("throwType", func(c goja.FunctionCall) goja.Value {
			return must(vm.Promise(func(context.Context) func() (goja.Value, error) {
				return func() (goja.Value, error) { panic(rt.NewTypeError("typed %d", 7)) }
			}))
		})
		_ = o.Set("panicWork", func(c goja.FunctionCall) goja.Value {
			return must(vm.Promise(func(context.Context) func() (goja.Value, error) {
				var m map[string]int
				m["x"] = 1 // a nil map: a Go panic on the worker goroutine
				return nil
			}))
		})
		_ = o.Set("panicSettle", func(c goja.FunctionCall) goja.Value {
			return must(vm.Promise(func(context.Context) func() (goja.Value, error) {
				return func() (goja.Value, error) {
					var p *struct{ x int }
					return rt.ToValue(p.x), nil
				}
			}))
		})
		// awaitAll(names, fn): blocks until every gate in names has opened,
		// calling fn(name) on the VM for each, in the order they open.
		_ = o.Set("awaitAll", func(c goja.FunctionCall) goja.Value {
			fn, _ := goja.AssertFunction(c.Argument(1))
			var ps []*runtime.Pending
			for _, n := range c.Argument(0).Export().([]any) {
				name := n.(string)
				p, err := vm.Async()
				if err != nil {
					panic(rt.NewGoError(err))
				}
				ps = append(ps, p)
				g := f.gate(name)
				go func() {
					<-g
					p.Complete(func() error {
						f.ran.Add(1)
						_, err := fn(goja.Undefined(), rt.ToValue(name))
						return err
					})
					f.completed <- name
				}()
				f.reserved <- name
			}
			if err := vm.Await(ps...); err != nil {
				panic(rt.NewGoError(err))
			}
			return goja.Undefined()
		})
		// weakTimer(ms, fn) arms a timer that does not keep the run alive.
		_ = o.Set("weakTimer", func(c goja.FunctionCall) goja.Value {
			fn, _ := goja.AssertFunction(c.Argument(1))
			return rt.ToValue(vm.SetTimer(fn, time.Duration(c.Argument(0).ToInteger())*time.Millisecond, true))
		})
		_ = o.Set("fired", func(goja.FunctionCall) goja.Value {
			f.fired <- struct{}{}
			return goja.Undefined()
		})
		// reserve() reserves a completion the test completes (twice).
		_ = o.Set("reserve", func(goja.FunctionCall) goja.Value {
			p, err := vm.Async()
			if err != nil {
				panic(rt.NewGoError(err))
			}
			f.mu.Lock()
			f.twice = p
			f.mu.Unlock()
			f.reserved <- "reserve"
			return goja.Undefined()
		})
		return o, nil
	}}
}

// receive receives from ch or fails the test after a generous bound (a
// guard against hanging, not a timed assertion).
func receive[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(20 * time.Second):
		t.Fatalf("timed out waiting for %s", what)
		panic("unreachable")
	}
}

func asyncServer(t *testing.T, f *fakeAsync, files map[string]string, timeout time.Duration) *moduletest.Server {
	return moduletest.New(t, files, moduletest.Options{
		Modules: []runtime.Module{f.module()},
		Runtime: func(c *runtime.Config) { c.PoolSize = 1; c.Timeout = timeout },
	})
}

// getAsync runs GET path in the background and returns a channel of its status
// and body.
func getAsync(t *testing.T, s *moduletest.Server, path string) <-chan string {
	out := make(chan string, 1)
	go func() {
		resp, err := s.Client.Get(s.URL + path)
		if err != nil {
			out <- "error: " + err.Error()
			return
		}
		defer resp.Body.Close()
		var b strings.Builder
		_, _ = fmt.Fprint(&b, resp.StatusCode, " ")
		buf := make([]byte, 4096)
		for {
			n, err := resp.Body.Read(buf)
			b.Write(buf[:n])
			if err != nil {
				break
			}
		}
		out <- b.String()
	}()
	return out
}

// Completions run on the VM in the order they complete, whatever the order
// the script started them in.
func TestAsyncOrder(t *testing.T) {
	f := newFakeAsync()
	s := asyncServer(t, f, map[string]string{"order.js": `
const a = require("test:async"), response = require("http/response");
const out = [];
Promise.all(["a", "b", "c"].map(n => a.seq(n).then(v => out.push(v)))).then(() => response.print(out.join(",")));
`}, 0)
	res := getAsync(t, s, "/order")
	for range 3 {
		receive(t, f.reserved, "a reservation")
	}
	for _, n := range []string{"c", "a", "b"} {
		f.open(n)
		receive(t, f.completed, "a completion")
	}
	if got := receive(t, res, "the response"); got != "200 c,a,b" {
		t.Fatalf("got %q", got)
	}
}

// A pending reservation keeps the run alive; at the deadline the run ends
// with 504, the work's context ends, and its late completion is dropped:
// it never runs in the next request on the same VM.
func TestAsyncDeadlineAndLateCompletion(t *testing.T) {
	f := newFakeAsync()
	s := asyncServer(t, f, map[string]string{
		"wait.js": `
const a = require("test:async"), response = require("http/response");
a.gate("never").then(() => response.print("LEAK"), e => response.print("LEAK " + e.message));
a.stubborn("late").then(() => response.print("LEAK2"));`,
		"next.js": `require("http/response").print("next");`,
	}, 300*time.Millisecond)
	res := getAsync(t, s, "/wait")
	receive(t, f.reserved, "a reservation")
	receive(t, f.reserved, "a reservation")
	if got := receive(t, res, "the response"); !strings.HasPrefix(got, "504 ") {
		t.Fatalf("got %q", got)
	}
	if cause := receive(t, f.ended, "the end of the work's context"); !errors.Is(cause, context.DeadlineExceeded) && !errors.Is(cause, runtime.ErrTimeout) {
		t.Fatalf("context ended with %v", cause)
	}
	// The stubborn work completes after its run ended: dropped.
	f.open("late")
	if resp, body := s.Get(t, "/next"); resp.StatusCode != 200 || body != "next" {
		t.Fatalf("next: %d %q", resp.StatusCode, body)
	}
	if n := f.ran.Load(); n != 0 {
		t.Fatalf("%d completions ran after their run ended", n)
	}
}

// The run's context ends when the run ends, so that work in flight stops.
func TestAsyncContextEndsWithRun(t *testing.T) {
	f := newFakeAsync()
	s := asyncServer(t, f, map[string]string{"throw.js": `
require("test:async").gate("g").catch(() => {});
throw new Error("boom");`}, 0)
	if resp, _ := s.Get(t, "/throw"); resp.StatusCode != 500 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	if cause := receive(t, f.ended, "the end of the work's context"); cause == nil || !strings.Contains(cause.Error(), "run ended") {
		t.Fatalf("context ended with %v", cause)
	}
}

// Many operations in flight at once, on one VM, settle.
func TestAsyncManyInFlight(t *testing.T) {
	f := newFakeAsync()
	s := asyncServer(t, f, map[string]string{"many.js": `
const a = require("test:async");
const ps = [];
for (let i = 0; i < 500; i++) ps.push(a.sleep(i % 7, i));
Promise.all(ps).then(vs => require("http/response").print(vs.reduce((x, y) => x + y, 0)));`}, 0)
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := s.Client.Get(s.URL + "/many")
			if err != nil {
				t.Error(err)
				return
			}
			defer resp.Body.Close()
			var b [32]byte
			n, _ := resp.Body.Read(b[:])
			if resp.StatusCode != 200 || string(b[:n]) != "124750" {
				t.Errorf("%d %q", resp.StatusCode, b[:n])
			}
		}()
	}
	wg.Wait()
}

// Errors of the work become rejections the script can catch; a Go panic
// in the work or in settling never reaches the VM.
func TestAsyncErrorsAreRejections(t *testing.T) {
	f := newFakeAsync()
	w := moduletest.Eval(t, `
const a = require("test:async");
const out = [];
const tag = p => p.then(v => out.push("ok " + v), e => out.push(e.name + ": " + e.message));
(async () => {
  await tag(a.fail("went wrong"));
  await tag(a.throwType());
  await tag(a.panicWork());
  await tag(a.panicSettle());
  require("http/response").print(out.join("|"));
})();`, nil, moduletest.Options{Modules: []runtime.Module{f.module()}})
	want := "Error: went wrong|TypeError: typed 7|Error: internal error: assignment to entry in nil map|Error: internal error: runtime error: invalid memory address or nil pointer dereference"
	if w.Code != 200 || w.Body.String() != want {
		t.Fatalf("%d %q\nwant %q", w.Code, w.Body.String(), want)
	}
}

// Await blocks a call until its completions have run (closures see the
// caller's state), leaving other completions to the event loop.
func TestAsyncAwait(t *testing.T) {
	f := newFakeAsync()
	s := asyncServer(t, f, map[string]string{"await.js": `
const a = require("test:async"), response = require("http/response");
const seen = [];
a.seq("other").then(v => seen.push("loop:" + v));
a.awaitAll(["x", "y"], n => seen.push("await:" + n));
seen.push("returned");
setTimeout(() => response.print(seen.join(",")), 0);`}, 0)
	res := getAsync(t, s, "/await")
	for range 3 {
		receive(t, f.reserved, "a reservation")
	}
	f.open("other") // completes first, but is not Await's
	if n := receive(t, f.completed, "other's completion"); n != "other" {
		t.Fatalf("%s completed first", n)
	}
	f.open("y")
	receive(t, f.completed, "y's completion")
	f.open("x")
	if got := receive(t, res, "the response"); got != "200 await:y,await:x,returned,loop:other" {
		t.Fatalf("got %q", got)
	}
}

// Await returns when the watchdog stops the run, even if the work ignores
// its context.
func TestAsyncAwaitStopsAtDeadline(t *testing.T) {
	f := newFakeAsync()
	s := asyncServer(t, f, map[string]string{"stuck.js": `
require("test:async").awaitAll(["stuck"], () => {});`}, 300*time.Millisecond)
	res := getAsync(t, s, "/stuck")
	receive(t, f.reserved, "a reservation")
	if got := receive(t, res, "the response"); !strings.HasPrefix(got, "504 ") {
		t.Fatalf("got %q", got)
	}
	f.open("stuck") // completes after the run: dropped
}

// A weak timer fires while the run has other work, and does not keep the
// run alive on its own.
func TestWeakTimer(t *testing.T) {
	f := newFakeAsync()
	s := asyncServer(t, f, map[string]string{
		"weak.js": `
const a = require("test:async"), response = require("http/response");
a.weakTimer(1, () => { a.fired(); response.print("fired "); });
a.gate("g").then(() => response.print("done"));`,
		"alone.js": `
const a = require("test:async");
a.weakTimer(60000, () => require("http/response").print("LEAK"));
require("http/response").print("alone");`,
	}, 10*time.Second)
	res := getAsync(t, s, "/weak")
	receive(t, f.reserved, "a reservation")
	receive(t, f.fired, "the weak timer")
	f.open("g")
	if got := receive(t, res, "the response"); got != "200 fired done" {
		t.Fatalf("got %q", got)
	}
	if resp, body := s.Get(t, "/alone"); resp.StatusCode != 200 || body != "alone" {
		t.Fatalf("alone: %d %q", resp.StatusCode, body)
	}
}

// A second Complete of one reservation panics in tests.
func TestAsyncDoubleCompletionPanics(t *testing.T) {
	f := newFakeAsync()
	s := asyncServer(t, f, map[string]string{"r.js": `require("test:async").reserve();`}, 0)
	res := getAsync(t, s, "/r")
	receive(t, f.reserved, "a reservation")
	f.mu.Lock()
	p := f.twice
	f.mu.Unlock()
	p.Complete(func() error { return nil })
	receive(t, res, "the response")
	defer func() {
		if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), "called twice") {
			t.Fatalf("recovered %v", r)
		}
	}()
	p.Complete(func() error { return nil })
}

// Server.Run runs a script, or a function it exports, outside HTTP, with
// the isolation, the deadline and the pool's bounded wait of a request.
func TestRunJob(t *testing.T) {
	f := newFakeAsync()
	s := moduletest.New(t, map[string]string{
		"jobs/default.js": `module.exports = function (ev, n) { globalThis.leak = 1; return ev.type + ":" + n * 2; };`,
		"jobs/esm.mjs": `export default async function (x) { await new Promise(r => setTimeout(r, 1)); return { got: x }; }
export function named(a, b) { return a + b; }`,
		"jobs/reject.js": `exports.run = async function () { throw new TypeError("bad event"); };`,
		"jobs/plain.js":  `var x = 1;`,
		"jobs/probe.js":  `module.exports = () => typeof leak + " " + typeof process.argv;`,
		"jobs/spin.js":   `module.exports = () => { for (;;) {} };`,
		"jobs/hold.js":   `module.exports = () => require("test:async").gate("hold");`,
	}, moduletest.Options{
		Modules: []runtime.Module{f.module()},
		Runtime: func(c *runtime.Config) {
			c.PoolSize, c.Timeout, c.QueueTimeout = 1, 500*time.Millisecond, 200*time.Millisecond
		},
	})
	ctx := context.Background()
	// The only VM is busy: Run waits at most the queue timeout.
	done := make(chan error, 1)
	go func() {
		_, err := s.Runtime.Run(ctx, runtime.Job{File: "jobs/hold.js", Export: "default"})
		done <- err
	}()
	receive(t, f.reserved, "the holding job")
	if _, err := s.Runtime.Run(ctx, runtime.Job{File: "jobs/probe.js", Export: "default"}); !errors.Is(err, runtime.ErrBusy) {
		t.Errorf("busy pool: %v", err)
	}
	f.open("hold")
	if err := receive(t, done, "the holding job"); err != nil {
		t.Errorf("hold: %v", err)
	}
	for _, tc := range []struct {
		job  runtime.Job
		want string
		err  string
	}{
		{runtime.Job{File: "jobs/default.js", Export: "default", Args: []any{map[string]any{"type": "sessioncompleted"}, 21}}, "sessioncompleted:42", ""},
		{runtime.Job{File: "jobs/probe.js", Export: "default"}, "undefined object", ""},
		{runtime.Job{File: "jobs/esm.mjs", Export: "default", Args: []any{"v"}}, "map[got:v]", ""},
		{runtime.Job{File: "jobs/esm.mjs", Export: "named", Args: []any{2, 3}}, "5", ""},
		{runtime.Job{File: "jobs/reject.js", Export: "run"}, "", "TypeError: bad event"},
		{runtime.Job{File: "jobs/plain.js", Export: "default"}, "", `exports no function "default"`},
		{runtime.Job{File: "jobs/esm.mjs", Export: "missing"}, "", `exports no function "missing"`},
		{runtime.Job{File: "jobs/nothere.js"}, "", "no such file"},
	} {
		res, err := s.Runtime.Run(ctx, tc.job)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s %s: error %v, want %q", tc.job.File, tc.job.Export, err, tc.err)
			}
			continue
		}
		if err != nil || fmt.Sprint(res.Value) != tc.want {
			t.Errorf("%s %s: %v %v, want %q", tc.job.File, tc.job.Export, res.Value, err, tc.want)
		}
	}
	// Last: the VM it stops is replaced in the background.
	var se *runtime.ScriptError
	if _, err := s.Runtime.Run(ctx, runtime.Job{File: "jobs/spin.js", Export: "default"}); !errors.As(err, &se) || !errors.Is(se.Err, runtime.ErrTimeout) {
		t.Errorf("spin: %v", err)
	}

}

// A job's run is isolated from requests on the same VM and back.
func TestRunJobIsolation(t *testing.T) {
	s := moduletest.New(t, map[string]string{
		"set.js":   `module.exports = () => { globalThis.mark = "job"; return 1; };`,
		"probe.js": `require("http/response").print(typeof mark);`,
	}, oneVM)
	if _, err := s.Runtime.Run(context.Background(), runtime.Job{File: "set.js", Export: "default"}); err != nil {
		t.Fatal(err)
	}
	w := httptest.NewRecorder()
	s.Runtime.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/probe", nil))
	if w.Body.String() != "undefined" {
		t.Fatalf("the request saw %q", w.Body.String())
	}
}
