package runtime

import (
	"context"
	"errors"
	"fmt"

	"github.com/dop251/goja"
)

// A Job is a run of a script without an HTTP request: batch mode (dirigo
// run) and background events (a client session's listener). It gets what a
// request gets — a VM of the pool, the deadline, the isolation — but no
// request, response or session: request and response functions throw,
// session functions answer as without a session, console prints to the
// server's Stdout and Stderr, and the global process has argv, env, exit()
// and exitCode.
type Job struct {
	// File is the script, a path relative to the root.
	File string
	// Export, when not empty, names a function the module exports, called
	// with Args once the module has run. "default" is the module's default
	// export: `export default fn`, or `module.exports = fn`.
	Export string
	// Args are the arguments of the exported function, converted by the
	// VM's goja.Runtime.ToValue (a map[string]any becomes an object), except
	// a JobValue, which makes its argument on the VM.
	Args []any
	// Argv is process.argv after the script's path.
	Argv []string
}

// A JobValue makes an argument of a Job's exported function on the VM that
// runs it, for a value ToValue cannot make: an object with accessors, or
// with its keys in a set order (a background event's payload). It runs on
// the VM goroutine, against the run's global.
type JobValue func(vm *VM) goja.Value

// A JobResult is the outcome of a Job that ran to its end.
type JobResult struct {
	// ExitCode is process.exitCode, or the argument of process.exit, else 0.
	ExitCode int
	// Value is what the exported function returned (its promise's value
	// when it returned one), exported to Go by goja.Value.Export; nil
	// without Export.
	Value any
}

// Run runs job in a VM of the pool: it waits for a free VM at most the
// queue timeout (an error wrapping ErrBusy), runs under ctx and the
// script's deadline, and leaves nothing behind for the next run, as a
// request does. Its timers and asynchronous work settle before it returns.
// An uncaught error of the module or of the exported function (a rejection
// of its promise included) is returned as a *ScriptError; process.exit(code)
// ends the run without one. Run is safe for concurrent use.
func (s *Server) Run(ctx context.Context, job Job) (JobResult, error) {
	gen := s.generation()
	prog, err := s.h.loader.program(job.File, gen)
	if err != nil {
		return JobResult{ExitCode: 1}, err
	}
	vm, err := s.pool.get(ctx)
	if err != nil {
		return JobResult{ExitCode: 1}, err
	}
	defer s.pool.put(vm)
	c := &Call{ctx: ctx, gen: gen, args: job.Argv, logger: s.log, route: Route{Kind: RouteScript, File: job.File}, job: &job}
	defer c.end()
	err = vm.run(c, job.File, prog)
	var ee exitError
	if errors.As(err, &ee) {
		return JobResult{ExitCode: int(ee)}, nil
	}
	if err != nil {
		return JobResult{ExitCode: 1}, err
	}
	return JobResult{ExitCode: c.exitCode, Value: c.result}, nil
}

// callExport calls the function job.Export of the module m exports.
func (vm *VM) callExport(m *moduleObject, job *Job) (goja.Value, error) {
	rt := vm.rt
	exports := m.exports
	var fn goja.Callable
	if job.Export == "default" {
		fn, _ = goja.AssertFunction(exports)
	}
	if fn == nil {
		if o, ok := exports.(*goja.Object); ok {
			fn, _ = goja.AssertFunction(o.Get(job.Export))
		}
	}
	if fn == nil {
		return nil, fmt.Errorf("Error: %s exports no function %q", job.File, job.Export)
	}
	args := make([]goja.Value, len(job.Args))
	for i, a := range job.Args {
		if f, ok := a.(JobValue); ok {
			args[i] = f(vm)
			continue
		}
		args[i] = rt.ToValue(a)
	}
	return fn(goja.Undefined(), args...)
}

// jobResult exports the value the exported function returned, once the
// run has settled.
func jobResult(v goja.Value) (any, error) {
	if p, ok := v.Export().(*goja.Promise); ok {
		switch p.State() {
		case goja.PromiseStateFulfilled:
			return p.Result().Export(), nil
		case goja.PromiseStatePending:
			return nil, errors.New("Error: the promise the exported function returned never settled")
		default: // a rejection unhandled is reported by run
			return nil, &ScriptError{Message: "Uncaught (in promise) " + describeReason(p.Result())}
		}
	}
	return v.Export(), nil
}
