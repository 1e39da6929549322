package runtime

import (
	"errors"
	"fmt"
	"runtime/debug"
	"strings"

	"github.com/dop251/goja"
)

// Errors a script run can end with, matched with errors.Is on a *ScriptError.
var (
	// ErrTimeout means the script ran longer than Config.Timeout and was interrupted.
	ErrTimeout = errors.New("runtime: script timed out")
	// ErrStackOverflow means the script exceeded Config.MaxCallStackSize.
	ErrStackOverflow = errors.New("runtime: maximum call stack size exceeded")
	// ErrPanic means Go code called by the script panicked.
	ErrPanic = errors.New("runtime: panic in native code")
	// ErrBusy means no VM became free within Config.QueueTimeout.
	ErrBusy = errors.New("runtime: all VMs busy")
	// ErrBadRequest marks an error caused by a malformed request (a broken
	// multipart body): a script that does not catch it answers 400.
	ErrBadRequest = errors.New("bad request")
)

// A ScriptError is a failure of a script, at its original source position when
// one is known (the loader maps transformed code back through its source map).
type ScriptError struct {
	File    string // script path relative to the root, or "" when unknown
	Line    int    // 1-based, 0 when unknown
	Column  int    // 1-based, 0 when unknown
	Message string // the error as the script would print it ("TypeError: x is not a function")
	Stack   string // the JavaScript stack, one "at ..." line per frame (the middle of a long one left out)
	Err     error  // the cause: ErrTimeout, ErrStackOverflow, ErrPanic, a Go error thrown by a module, or nil
}

// Error formats the error as "file:line:col: message".
func (e *ScriptError) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
		if e.Line > 0 {
			fmt.Fprintf(&b, ":%d:%d", e.Line, e.Column)
		}
		b.WriteString(": ")
	}
	b.WriteString(e.Message)
	return b.String()
}

// Unwrap returns the cause.
func (e *ScriptError) Unwrap() error { return e.Err }

// Location returns "file:line:col", or the file alone when no line is known.
func (e *ScriptError) Location() string {
	if e.Line == 0 {
		return e.File
	}
	return fmt.Sprintf("%s:%d:%d", e.File, e.Line, e.Column)
}

// scriptError converts an error returned by goja into a *ScriptError, taking
// the position from the innermost frame that has a source file.
func scriptError(err error, file string) *ScriptError {
	if err == nil {
		return nil
	}
	var se *ScriptError
	if errors.As(err, &se) {
		return se
	}
	out := &ScriptError{File: file, Message: err.Error()}
	var stack []goja.StackFrame
	var ie *goja.InterruptedError
	var so *goja.StackOverflowError
	var ex *goja.Exception
	switch {
	case errors.As(err, &ie):
		stack = ie.Stack()
		if cause, ok := ie.Value().(error); ok {
			out.Err = cause
			out.Message = cause.Error()
		} else {
			out.Err = ErrTimeout
			out.Message = fmt.Sprint(ie.Value())
		}
	case errors.As(err, &so):
		stack = so.Stack()
		out.Err = ErrStackOverflow
		out.Message = "RangeError: Maximum call stack size exceeded"
	case errors.As(err, &ex):
		stack = ex.Stack()
		out.Err = ex.Unwrap()
		if v := ex.Value(); v != nil {
			out.Message = v.String()
			if out.Err != nil {
				out.Message = "Error: " + out.Err.Error()
			}
		}
	}
	out.setStack(stack)
	return out
}

// Stack lines kept of a long stack (a stack overflow has
// Config.MaxCallStackSize frames): the innermost stackHead frames and the
// outermost stackTail, with a line that counts the frames left out between.
const (
	stackHead = 20
	stackTail = 5
)

// setStack takes the position of e from the innermost frame that has a
// source file and writes the frames as its Stack, the
// middle of a long stack left out (stackHead, stackTail). The frames are
// the script's: a Go-backed function still named after its Go symbol shows
// as "native".
func (e *ScriptError) setStack(stack []goja.StackFrame) {
	var sb strings.Builder
	for i := range stack {
		if p := stack[i].Position(); p.Filename != "" && p.Line > 0 {
			e.File, e.Line, e.Column = p.Filename, p.Line, p.Column
			break
		}
	}
	for i := 0; i < len(stack); i++ {
		if omitted := len(stack) - stackHead - stackTail; i == stackHead && omitted > 1 {
			fmt.Fprintf(&sb, "    ... %d frames omitted ...\n", omitted)
			i += omitted - 1
			continue
		}
		f := &stack[i]
		p := f.Position()
		name := f.FuncName()
		sb.WriteString("    at ")
		if p.Filename != "" {
			fmt.Fprintf(&sb, "%s (%s:%d:%d)\n", name, p.Filename, p.Line, p.Column)
		} else {
			if goSymbolName.MatchString(name) {
				name = "native"
			}
			fmt.Fprintf(&sb, "%s (native)\n", name)
		}
	}
	e.Stack = sb.String()
}

// panicError is the failure of a run in which Go code called by the script
// panicked with r. It is called by the deferred recover of the run, so the
// Go stack still shows where the panic happened: that trace is logged here,
// as go_stack, for whoever fixes the module; the error itself carries the
// script's frames only, like every script stack.
func (vm *VM) panicError(c *Call, file string, r any) *ScriptError {
	msg := fmt.Sprintf("panic: %v", r)
	logger := vm.h.logger
	if c != nil {
		logger = c.Logger()
	}
	logger.Error("panic in native code", "panic", fmt.Sprint(r), "go_stack", string(debug.Stack()))
	se := &ScriptError{File: file, Message: msg, Err: ErrPanic}
	se.setStack(vm.rt.CaptureCallStack(0, nil))
	return se
}

// NewError returns an error object to throw into the script for the Go
// error err: an Error (its name is "Error", as Node's and Dirigible's
// errors; goja would call it "GoError") with err's text as its message. The
// server still sees err itself: errors.Is and errors.As work on the failure
// of a script that does not catch it.
func (vm *VM) NewError(err error) *goja.Object {
	e := vm.rt.NewGoError(err)
	_ = e.DefineDataProperty("name", vm.rt.ToValue("Error"), goja.FLAG_TRUE, goja.FLAG_TRUE, goja.FLAG_FALSE)
	return e
}
