//go:build race

package ledger

// raceEnabled: the race detector makes some values escape, so allocation
// counts are not checked under it.
const raceEnabled = true
