package testkit

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// update is the one -update flag of every package whose tests use Golden:
// go test ./domain -run Golden -update rewrites that package's files.
var update = flag.Bool("update", false, "rewrite the golden files instead of comparing with them")

// Golden compares got with the file at path, or writes got there (creating
// its directory) when the tests run with -update. A missing file or a
// difference fails t, saying how to accept the change.
func Golden(t testing.TB, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if err := compareGolden(path, got); err != nil {
		t.Error(err)
	}
}

// compareGolden says how got differs from the file at path, if it does.
func compareGolden(path string, got []byte) error {
	want, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("%w (run the test with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		return fmt.Errorf("%s differs from the golden file (run the test with -update if the change is intended):\n got %s\nwant %s", path, got, want)
	}
	return nil
}
