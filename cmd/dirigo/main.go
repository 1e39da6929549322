// Command dirigo serves a folder of JavaScript and TypeScript files as HTTP
// endpoints.
//
//	dirigo [serve] [flags]    serve the script root (the default command)
//	dirigo run [flags] FILE [ARGS]
//	                          run one script outside HTTP; the exit code is the script's
//	dirigo health [flags] [URL]
//	                          exit 0 when the server is ready (container health checks)
//	dirigo version            the module version and VCS revision
//
// Every flag can also be set with the environment variable DIRIGO_<FLAG>
// (--session-timeout is DIRIGO_SESSION_TIMEOUT); a flag on the command line
// wins. `dirigo help` lists them all.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
)

// defaultGCPercent is the GC target when GOGC is not set. A VM pool is a
// large, long-lived heap that every GC cycle marks; at Go's default of 100
// the collector costs a tenth of a request. 200 measured about 12% more
// requests per second on the hello benchmark for about 5 MiB more memory.
const defaultGCPercent = 200

func main() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(defaultGCPercent)
	}
	startProfiler()
	ctx, cancel := context.WithCancel(context.Background())
	stop := make(chan os.Signal, 2)
	signal.Notify(stop, os.Interrupt, syscall.SIGTERM)
	hurry := make(chan struct{})
	go func() {
		<-stop
		cancel() // drain and stop
		<-stop
		close(hurry) // stop waiting
	}()
	sys := system{getenv: os.Getenv, stdout: os.Stdout, stderr: os.Stderr, hurry: hurry}
	if cmd, _ := command(os.Args[1:]); cmd == "serve" {
		// Only the server reloads on SIGHUP; a batch run keeps the default
		// (it ends with its terminal).
		hup := make(chan os.Signal, 1)
		signal.Notify(hup, syscall.SIGHUP)
		sys.hup = hup
	}
	code, err := run(ctx, os.Args[1:], sys)
	cancel()
	if err != nil {
		fmt.Fprintln(os.Stderr, "dirigo:", err)
		if code == 0 {
			code = 1
		}
	}
	os.Exit(code)
}

// system is what run gets from its process.
type system struct {
	getenv         func(string) string
	stdout, stderr io.Writer
	// hup receives SIGHUP (nil: never).
	hup <-chan os.Signal
	// hurry is closed by a second stop signal: stop waiting for requests in
	// flight and for --shutdown-delay (nil: never).
	hurry <-chan struct{}
}

// errUsage reports bad command-line use; it exits with 2.
var errUsage = errors.New("usage: dirigo [serve] [flags] | dirigo run [flags] FILE [ARGS...] | dirigo health [flags] [URL] | dirigo version | dirigo help")

// command splits the subcommand off the arguments (serve when none is named).
func command(args []string) (string, []string) {
	if len(args) > 0 {
		switch args[0] {
		case "serve", "run", "health", "version", "help":
			return args[0], args[1:]
		case "--version", "-version":
			return "version", args[1:]
		case "--help", "-help", "-h":
			return "help", args[1:]
		}
	}
	return "serve", args
}

// run is the whole program: it returns the exit code and the error to print.
// The first stop signal cancels ctx.
func run(ctx context.Context, args []string, sys system) (int, error) {
	cmd, args := command(args)
	switch cmd {
	case "version":
		fmt.Fprintln(sys.stdout, versionLine(readBuild()))
		return 0, nil
	case "help":
		f := newFlags(sys.stdout)
		f.fs.Usage()
		return 0, nil
	}
	f := newFlags(sys.stderr)
	if len(args) > 0 && (args[0] == "--version" || args[0] == "-version") {
		fmt.Fprintln(sys.stdout, versionLine(readBuild()))
		return 0, nil
	}
	if err := f.parse(args, sys.getenv); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0, nil
		}
		return 2, err
	}
	switch cmd {
	case "run":
		if f.fs.NArg() < 1 {
			return 2, errUsage
		}
		return runFile(ctx, f, f.fs.Arg(0), f.fs.Args()[1:], sys.stdout, sys.stderr)
	case "health":
		if f.fs.NArg() > 1 {
			return 2, fmt.Errorf("unexpected argument %q\n%w", f.fs.Arg(1), errUsage)
		}
		return checkHealth(ctx, f, f.fs.Arg(0), sys.stdout, sys.stderr)
	}
	if f.fs.NArg() > 0 {
		return 2, fmt.Errorf("unexpected argument %q\n%w", f.fs.Arg(0), errUsage)
	}
	if err := serve(ctx, f, sys); err != nil {
		return 1, err
	}
	return 0, nil
}
