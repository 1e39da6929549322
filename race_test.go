//go:build race

package dirigo_test

// raceEnabled is set when the tests run with -race.
const raceEnabled = true
