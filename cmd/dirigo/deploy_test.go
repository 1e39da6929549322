package main

import (
	"flag"
	"io"
	"os"
	"regexp"
	"strings"
	"testing"
)

// The deployment files and the README name only variables that exist, and
// the container's health check is the binary's own.
func TestDeployFilesMatchTheFlags(t *testing.T) {
	known := map[string]bool{"DIRIGO_PPROF": true} // the profiling build's (-tags pprof)
	newFlags(io.Discard).fs.VisitAll(func(fl *flag.Flag) { known[envName(fl.Name)] = true })
	files := map[string]string{}
	for _, name := range []string{"../../deploy/Dockerfile", "../../deploy/dirigo.service", "../../README.md"} {
		data, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		files[name] = string(data)
		for _, v := range regexp.MustCompile(`DIRIGO_[A-Z_]*[A-Z]`).FindAllString(string(data), -1) {
			if !known[v] {
				t.Errorf("%s names %s, which no flag reads", name, v)
			}
		}
	}
	docker := files["../../deploy/Dockerfile"]
	for _, want := range []string{
		`HEALTHCHECK --interval=10s --timeout=5s --start-period=10s --retries=3 CMD ["/usr/local/bin/dirigo", "health"]`,
		`ENTRYPOINT ["/usr/local/bin/dirigo"]`,
		"DIRIGO_ADDR=:8080", "USER 65532:65532", `VOLUME ["/scripts", "/data"]`, "CGO_ENABLED=0",
	} {
		if !strings.Contains(docker, want) {
			t.Errorf("the Dockerfile lacks %s", want)
		}
	}
	unit := files["../../deploy/dirigo.service"]
	for _, want := range []string{"ExecStart=/usr/local/bin/dirigo serve", "ExecReload=/bin/kill -HUP $MAINPID", "KillSignal=SIGTERM", "DynamicUser=yes", "NoNewPrivileges=yes", "ProtectSystem=strict"} {
		if !strings.Contains(unit, want) {
			t.Errorf("the unit lacks %s", want)
		}
	}
}
