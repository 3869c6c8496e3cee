package main

import (
	"fmt"
	"os"
	"testing"
)

// fapiaoBin is the binary under test: this test binary itself, which runs
// fapiao's main when asBinaryEnv is set (TestMain sets it for every child
// the tests start). It is built with -race when the tests are, so the
// server's own races are caught too, and no second link of the same
// program is needed.
var fapiaoBin string

// asBinaryEnv, in a process's environment, makes the test binary fapiao.
const asBinaryEnv = "FAPIAO_TEST_BINARY_IS_FAPIAO"

func TestMain(m *testing.M) {
	if os.Getenv(asBinaryEnv) == "1" {
		main() // exits
	}
	exe, err := os.Executable()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fapiaoBin = exe
	os.Setenv(asBinaryEnv, "1") // inherited by every `fapiao` the tests start
	dir, err := os.MkdirTemp("", "fapiao-e2e")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	testDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// testDir is a directory for files shared by the package's tests, removed
// at the end.
var testDir string
