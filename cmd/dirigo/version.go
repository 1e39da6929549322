package main

import (
	"runtime"
	"runtime/debug"
	"strings"
)

// version and revision may be set at build time, for builds without module
// or VCS information (a container built from a source tree without .git):
//
//	go build -ldflags "-X main.version=v1.2.0 -X main.revision=$(git rev-parse HEAD)" ./cmd/dirigo
var version, revision string

// build is what `dirigo version` and dirigo_build_info tell.
type build struct {
	Version  string // the module version, "devel" for a build from a source tree
	Revision string // the VCS revision (12 digits, "+dirty" when modified), "unknown" without VCS information
	Time     string // the commit time, "" when unknown
	Go       string // the Go version
}

// readBuild reads the binary's build information.
func readBuild() build {
	info, ok := debug.ReadBuildInfo()
	return buildOf(info, ok, version, revision)
}

// buildOf extracts the build from info; the -X values, when set, win.
func buildOf(info *debug.BuildInfo, ok bool, xVersion, xRevision string) build {
	b := build{Version: "devel", Revision: "unknown", Go: runtime.Version()}
	if ok && info != nil {
		if v := info.Main.Version; v != "" && v != "(devel)" {
			b.Version = v
		}
		if info.GoVersion != "" {
			b.Go = info.GoVersion
		}
		dirty := false
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				b.Revision = s.Value
			case "vcs.time":
				b.Time = s.Value
			case "vcs.modified":
				dirty = s.Value == "true"
			}
		}
		if len(b.Revision) > 12 && b.Revision != "unknown" {
			b.Revision = b.Revision[:12]
		}
		if dirty && b.Revision != "unknown" {
			b.Revision += "+dirty"
		}
	}
	if xVersion != "" {
		b.Version = xVersion
	}
	if xRevision != "" {
		b.Revision = xRevision
		if len(b.Revision) > 12 {
			b.Revision = b.Revision[:12]
		}
	}
	return b
}

// versionLine is what `dirigo version` prints.
func versionLine(b build) string {
	var s strings.Builder
	s.WriteString("dirigo " + b.Version + " (revision " + b.Revision)
	if b.Time != "" {
		s.WriteString(", " + b.Time)
	}
	s.WriteString(", " + b.Go + " " + runtime.GOOS + "/" + runtime.GOARCH + ")")
	return s.String()
}
