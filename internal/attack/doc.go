// Package attack is dirigo's adversarial test suite: it attacks a real
// server from outside, as an attacker sending requests and as a careless
// script author would, and checks what the server promises (docs/SECURITY.md
// lists each attack, the behaviour expected and the test that proves it).
//
// The tests drive a runtime.Server through httptest, or the dirigo binary
// as a process (built once per run) when the attack needs what only the
// command sets up: its http.Server timeouts, its signals, its stores on
// disk. Every test is bounded to seconds and runs with go test ./...; the
// soak runs short unless asked for longer:
//
//	go test ./internal/attack -run Soak -soak=10m -v
//
// The package has no code outside its tests.
package attack
