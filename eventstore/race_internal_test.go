//go:build race

package eventstore

// raceEnabled: under the race detector sync.Pool drops what it is given at
// random, so allocation counts are not checked.
const raceEnabled = true
