package storetest

import (
	"bufio"
	"io"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// Lock is a test of a store held by one process only: a second process
// opening it fails within a second or two, naming the holder, and opens it
// once the holder has gone. The test binary plays the holder: the
// package's test named Holder calls Lock.Hold.
type Lock struct {
	Env    string // the variable that turns the test binary into the holder
	Holder string // the name of the test that calls Hold
	// Open opens the store at path (a file or a directory).
	Open func(path string) (io.Closer, error)
}

// Hold is the holder process: run normally (Env unset) it does nothing;
// otherwise it holds the store until its stdin closes.
func (l Lock) Hold(t *testing.T) {
	path := os.Getenv(l.Env)
	if path == "" {
		return
	}
	s, err := l.Open(path)
	require.NoError(t, err)
	defer s.Close()
	os.Stdout.WriteString("holding\n")
	_, _ = io.Copy(io.Discard, os.Stdin) // until the parent closes stdin
}

// SecondProcessFailsFast runs the holder on path and opens the store beside it.
func (l Lock) SecondProcessFailsFast(t *testing.T, path string) {
	cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^"+l.Holder+"$")
	cmd.Env = append(os.Environ(), l.Env+"="+path)
	stdin, err := cmd.StdinPipe()
	require.NoError(t, err)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	defer func() {
		stdin.Close()
		_ = cmd.Wait()
	}()
	line, err := bufio.NewReader(stdout).ReadString('\n')
	require.NoError(t, err)
	require.Equal(t, "holding\n", line)

	start := time.Now()
	_, err = l.Open(path)
	require.Error(t, err)
	require.Less(t, time.Since(start), 3*time.Second)
	require.Contains(t, err.Error(), "another process")
	require.Contains(t, err.Error(), "fapiao serve")

	// Once the holder is gone the store opens.
	stdin.Close()
	require.NoError(t, cmd.Wait())
	s, err := l.Open(path)
	require.NoError(t, err)
	require.NoError(t, s.Close())
}
