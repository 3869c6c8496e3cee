// Package testkit holds what the tests of several packages share: a buffer
// goroutines may write to while the test reads it, golden files with one
// -update flag, the golden events of testdata/events, an HTTP answer read
// whole, a readiness wait, the checkpoint key the tests sign with, and the
// process's CPU time that benchmarks report per operation.
//
// Tests and test-support packages import it; the binary never does (a test
// in this package follows cmd/fapiao's imports to hold that). It imports
// nothing of ours, so every package's tests, domain's included, may use it.
package testkit
