// Command dirigo serves a folder of JavaScript and TypeScript files as HTTP
// endpoints.
//
//	dirigo [serve] [flags]    serve the script root (the default command)
//	dirigo run [flags] FILE [ARGS]
//	                          run one script outside HTTP; the exit code is the script's
//	dirigo version
//
// Every flag can also be set with the environment variable DIRIGO_<FLAG>
// (--session-timeout is DIRIGO_SESSION_TIMEOUT); a flag on the command line wins.
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

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

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
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code, err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "dirigo:", err)
		if code == 0 {
			code = 1
		}
	}
	os.Exit(code)
}

// errUsage reports bad command-line use; it exits with 2.
var errUsage = errors.New("usage: dirigo [serve] [flags] | dirigo run [flags] FILE [ARGS...] | dirigo version")

// run is the whole program: it returns the exit code and the error to print.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) (int, error) {
	cmd := "serve"
	if len(args) > 0 && (args[0] == "serve" || args[0] == "run" || args[0] == "version" || args[0] == "help") {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "version":
		fmt.Fprintln(stdout, "dirigo", version)
		return 0, nil
	case "help":
		fmt.Fprintln(stdout, errUsage.Error())
		newFlags(stdout).fs.PrintDefaults()
		return 0, nil
	}
	f := newFlags(stderr)
	if err := f.parse(args, getenv); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0, nil
		}
		return 2, err
	}
	if cmd == "run" {
		if f.fs.NArg() < 1 {
			return 2, errUsage
		}
		return runFile(ctx, f, f.fs.Arg(0), f.fs.Args()[1:], stdout, stderr)
	}
	if f.fs.NArg() > 0 {
		return 2, fmt.Errorf("unexpected argument %q\n%w", f.fs.Arg(0), errUsage)
	}
	return 0, serve(ctx, f, stderr)
}
