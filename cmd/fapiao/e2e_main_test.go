package main

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// fapiaoBin is the binary under test: a link named fapiao to this test
// binary, which runs fapiao's main when it is started by that name. It is
// built with -race when the tests are, so the server's own races are
// caught too, and no second link of the same program is needed.
var fapiaoBin string

// testDir is a directory for files shared by the package's tests (the
// link, the damage template), removed at the end.
var testDir string

func TestMain(m *testing.M) {
	if filepath.Base(os.Args[0]) == "fapiao" {
		main() // exits
	}
	code, err := runTests(m)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
	}
	os.Exit(code)
}

func runTests(m *testing.M) (int, error) {
	exe, err := os.Executable()
	if err != nil {
		return 1, err
	}
	if testDir, err = os.MkdirTemp("", "fapiao-e2e"); err != nil {
		return 1, err
	}
	defer os.RemoveAll(testDir)
	fapiaoBin = filepath.Join(testDir, "fapiao")
	if err := os.Symlink(exe, fapiaoBin); err != nil {
		return 1, err
	}
	return m.Run(), nil
}
