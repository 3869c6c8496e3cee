package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// fapiaoBin is the binary under test, built once by TestMain.
var fapiaoBin string

// TestMain builds the binary once for every end-to-end test (with -race
// when the tests run with -race, so the server's own races are caught too).
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "fapiao-e2e-bin")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fapiaoBin = filepath.Join(dir, "fapiao")
	args := []string{"build", "-o", fapiaoBin}
	if raceEnabled {
		args = append(args, "-race")
	}
	build := exec.Command("go", append(args, ".")...)
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "building fapiao: %v\n%s", err, out)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}
