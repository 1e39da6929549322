// Package transfer is the Go side the client-session facades (Titanium's
// URLSession, Volt MX's HttpRequest) share: it brings the events of the
// client core's tasks (runtime/client) to the script's own VM through the
// runtime's async seam, keeps the request alive while it waits for its
// tasks, ends what a request owns when it ends, and turns task snapshots,
// bodies and download files into JavaScript values.
//
// Events reach a VM only while the request that asked for them runs: a
// [Request] holds at most one reservation ([runtime.VM.Async]) at a time,
// and only while it waits for tasks; a completion that arrives after the
// run ended is dropped by the seam, so a callback never runs in a VM that
// has since been handed to another request.
package transfer

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/dop251/goja"

	"github.com/dirigo/dirigo/runtime"
	"github.com/dirigo/dirigo/runtime/client"
)

// A Bridge is the per-VM link between a facade and the client core. Make
// one per VM (in a module's Load); it must only be used on the VM
// goroutine, except for the handlers it returns.
type Bridge struct {
	VM     *runtime.VM
	RT     *goja.Runtime
	Client *client.Client
	cur    *Request
	u8     goja.Value
}

// New returns the bridge of vm to c.
func New(vm *runtime.VM, c *client.Client) *Bridge {
	return &Bridge{VM: vm, RT: vm.Runtime(), Client: c, u8: vm.Intrinsic("Uint8Array")}
}

// A Request is what a facade keeps for the request in progress: the
// events waiting for the VM, how many tasks the request waits for, and
// what to release when it ends.
type Request struct {
	b    *Bridge
	call *runtime.Call

	mu      sync.Mutex
	queue   []item
	pending *runtime.Pending // armed reservation, nil while draining or disarmed
	ended   bool

	// VM goroutine only.
	current  *runtime.Pending // the reservation armed or being completed
	armed    bool
	waiting  int
	onEnd    []func()
	values   map[any]any
	draining []item
}

type item struct {
	ev client.Event
	fn func(client.Event)
}

// Request returns the state of the request in progress, made on first
// use in each request and ended (see [Request.OnEnd]) when it ends. It
// panics with a TypeError outside a run.
func (b *Bridge) Request() *Request {
	c := b.VM.Call()
	if c == nil {
		panic(b.RT.NewTypeError("client sessions can only be used while a script runs"))
	}
	if r := b.cur; r != nil && r.call == c && !r.ended {
		return r
	}
	r := &Request{b: b, call: c}
	b.cur = r
	c.Cleanup(r.end)
	return r
}

// Call returns the request's call.
func (r *Request) Call() *runtime.Call { return r.call }

// Value returns the facade's value for key in this request, made by mk on
// first use.
func (r *Request) Value(key any, mk func() any) any {
	if v, ok := r.values[key]; ok {
		return v
	}
	if r.values == nil {
		r.values = make(map[any]any)
	}
	v := mk()
	r.values[key] = v
	return v
}

// OnEnd registers fn to run when the request ends (on the VM goroutine,
// after its run), in reverse order of registration.
func (r *Request) OnEnd(fn func()) { r.onEnd = append(r.onEnd, fn) }

func (r *Request) end() {
	r.mu.Lock()
	r.ended = true
	r.queue = nil
	r.pending = nil
	r.mu.Unlock()
	for i := len(r.onEnd) - 1; i >= 0; i-- {
		r.onEnd[i]()
	}
	r.onEnd = nil
	r.values = nil
	if r.b.cur == r {
		r.b.cur = nil
	}
}

// Handler returns a client handler that hands each event to fn on the VM,
// in order, while the request runs and waits (see [Request.Wait]); events
// that arrive while it does not wait are kept until it waits again, and
// dropped when it ends. fn runs on the VM goroutine; a JavaScript
// exception it panics with is an uncaught error of the run.
func (r *Request) Handler(fn func(client.Event)) client.Handler {
	return func(ev client.Event) {
		r.mu.Lock()
		if r.ended {
			r.mu.Unlock()
			return
		}
		r.queue = append(r.queue, item{ev, fn})
		p := r.pending
		r.pending = nil
		r.mu.Unlock()
		if p != nil {
			p.Complete(r.drain)
		}
	}
}

// Wait adds n tasks the request waits for: while any is left, the run
// does not end (up to its deadline) and events reach the VM. Call Done
// when one completes. VM goroutine only.
func (r *Request) Wait(n int) {
	r.waiting += n
	if r.waiting > 0 && !r.armed {
		r.arm()
	}
}

// Done marks n of the awaited tasks completed. VM goroutine only.
func (r *Request) Done(n int) {
	r.waiting -= n
	if r.waiting < 0 {
		r.waiting = 0
	}
}

// Waiting returns the number of tasks the request waits for.
func (r *Request) Waiting() int { return r.waiting }

// arm reserves a completion for the next events.
func (r *Request) arm() {
	p, err := r.b.VM.Async()
	if err != nil {
		panic(r.b.VM.NewError(err))
	}
	r.armed = true
	r.current = p
	r.mu.Lock()
	if len(r.queue) > 0 {
		r.mu.Unlock()
		p.Complete(r.drain)
		return
	}
	r.pending = p
	r.mu.Unlock()
}

// drain runs the queued events on the VM, then re-arms while the request
// waits.
func (r *Request) drain() error {
	for {
		r.mu.Lock()
		items := r.queue
		r.queue = r.draining[:0]
		r.mu.Unlock()
		if len(items) == 0 {
			r.draining = items
			break
		}
		for i := range items {
			items[i].fn(items[i].ev)
			items[i] = item{}
		}
		r.draining = items
	}
	r.armed = false
	r.current = nil
	if r.waiting > 0 && !r.ended {
		r.arm()
	}
	return nil
}

// AwaitUntil blocks the script (a synchronous call) until done reports
// true, running the request's events meanwhile. It fails when the run is
// stopped or when nothing is left to wait for.
func (r *Request) AwaitUntil(done func() bool) error {
	for !done() {
		p := r.current
		if p == nil {
			return errors.New("nothing left to wait for")
		}
		if err := r.b.VM.Await(p); err != nil {
			return err
		}
		if r.current == p {
			return errors.New("nothing left to wait for")
		}
	}
	return nil
}

// Bytes returns a new Uint8Array holding b (not copied).
func (b *Bridge) Bytes(data []byte) goja.Value {
	v, err := b.RT.New(b.u8, b.RT.ToValue(b.RT.NewArrayBuffer(data)))
	if err != nil {
		panic(err)
	}
	return v
}

// ExportBytes returns the bytes of a Uint8Array (or other typed array),
// DataView or ArrayBuffer, copied, and whether v is one.
func ExportBytes(v goja.Value) ([]byte, bool) {
	if v == nil {
		return nil, false
	}
	switch x := v.Export().(type) {
	case []byte:
		return append([]byte{}, x...), true
	case goja.ArrayBuffer:
		return append([]byte{}, x.Bytes()...), true
	}
	o, ok := v.(*goja.Object)
	if !ok {
		return nil, false
	}
	// Other typed arrays and DataView: their buffer, offset and length.
	bv, lv, ov := o.Get("buffer"), o.Get("byteLength"), o.Get("byteOffset")
	if bv == nil || lv == nil || ov == nil {
		return nil, false
	}
	buf, ok := bv.Export().(goja.ArrayBuffer)
	if !ok {
		return nil, false
	}
	off, n := ov.ToInteger(), lv.ToInteger()
	all := buf.Bytes()
	if off < 0 || n < 0 || off+n > int64(len(all)) {
		return nil, false
	}
	return append([]byte{}, all[off:off+n]...), true
}

// Text decodes b as UTF-8, invalid sequences replaced by U+FFFD.
func Text(b []byte) string {
	return strings.ToValidUTF8(string(b), "\uFFFD")
}

// DataFile resolves a path a script gives for a file of the data folder
// (an upload's data, a download's file): it must be inside the client's
// folder of the data folder (its spool: downloads and large bodies), never
// elsewhere — the data folder also holds the session store and the cookie
// keys. A "file://" prefix is accepted.
func (b *Bridge) DataFile(p string) (string, error) {
	p = strings.TrimPrefix(p, "file://")
	if !filepath.IsAbs(p) {
		return "", fmt.Errorf("%q is not an absolute path of the data folder", p)
	}
	p = filepath.Clean(p)
	for _, dir := range []string{b.Client.SpoolDir()} {
		abs, err := filepath.Abs(dir)
		if err != nil {
			continue
		}
		if rel, err := filepath.Rel(abs, p); err == nil && rel != "." && filepath.IsLocal(rel) {
			if real, err := filepath.EvalSymlinks(p); err == nil {
				realDir, _ := filepath.EvalSymlinks(abs)
				if r2, err := filepath.Rel(realDir, real); err != nil || r2 == "." || !filepath.IsLocal(r2) {
					return "", fmt.Errorf("%q leaves the data folder", p)
				}
			}
			return p, nil
		}
	}
	return "", fmt.Errorf("%q is not in the data folder", p)
}

// ReadFile reads a file of the data folder (see DataFile).
func (b *Bridge) ReadFile(p string) ([]byte, error) {
	path, err := b.DataFile(p)
	if err != nil {
		return nil, err
	}
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if max := b.Client.Config().MaxBody; max >= 0 && fi.Size() > max {
		return nil, fmt.Errorf("%s is larger than the body limit (%d bytes)", path, max)
	}
	return os.ReadFile(path)
}

// ResponseText returns the text of a data or upload task's body as its
// snapshot has it (in memory, or spilled to a file), and whether there is
// one.
func ResponseText(snap *client.TaskSnapshot) (string, bool) {
	if snap.Kind == client.DownloadTask || !snap.Success {
		return "", false
	}
	if snap.Body != nil {
		return Text(snap.Body), true
	}
	if snap.File != "" {
		if data, err := os.ReadFile(snap.File); err == nil {
			return Text(data), true
		}
	}
	return "", false
}

// Snapshot returns a task's snapshot as DESIGN §7.3's getTask gives it:
// {taskIdentifier, state, success, statusCode, errorCode, message,
// responseText, totalBytesWritten, totalBytesExpectedToWrite,
// totalBytesSent, file} and sessionIdentifier; unknown sizes are 0 (as
// Titanium documents), absent values null.
func (b *Bridge) Snapshot(snap *client.TaskSnapshot) goja.Value {
	rt := b.RT
	o := rt.NewObject()
	_ = o.Set("taskIdentifier", snap.ID)
	_ = o.Set("sessionIdentifier", snap.Session)
	_ = o.Set("state", int(snap.State))
	_ = o.Set("success", snap.Success)
	_ = o.Set("statusCode", snap.StatusCode)
	_ = o.Set("errorCode", snap.ErrorCode)
	if snap.State == client.StateCompleted && !snap.Success {
		_ = o.Set("message", snap.Message)
	} else {
		_ = o.Set("message", goja.Null())
	}
	if text, ok := ResponseText(snap); ok {
		_ = o.Set("responseText", text)
	} else {
		_ = o.Set("responseText", goja.Null())
	}
	_ = o.Set("totalBytesWritten", snap.BytesWritten)
	_ = o.Set("totalBytesExpectedToWrite", Known(snap.BytesExpectedToWrite))
	_ = o.Set("totalBytesSent", snap.BytesSent)
	if snap.File != "" && snap.Kind == client.DownloadTask {
		_ = o.Set("file", snap.File)
	} else {
		_ = o.Set("file", goja.Null())
	}
	return o
}

// Known returns n, or 0 when it is unknown (-1).
func Known(n int64) int64 { return max(n, 0) }

// Throw panics with an Error of the client error err: its message, and
// code (the NSURLErrorDomain code) and kind properties.
func (b *Bridge) Throw(err error) {
	e := client.AsError(err)
	x := b.VM.NewError(errors.New(e.Message()))
	_ = x.Set("code", e.Code)
	_ = x.Set("kind", e.Kind.String())
	panic(x)
}
