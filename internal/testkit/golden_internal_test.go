package testkit

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestGolden: the file's own content passes (Golden and its comparison);
// another content, or a missing file, is an error that names -update.
func TestGolden(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.golden")
	if err := os.WriteFile(path, []byte("same\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := compareGolden(path, []byte("same\n")); err != nil {
		t.Fatalf("the same content: %v", err)
	}
	Golden(t, path, []byte("same\n"))
	if err := compareGolden(path, []byte("other\n")); err == nil || !strings.Contains(err.Error(), "-update") {
		t.Fatalf("a different content: %v", err)
	}
	if err := compareGolden(path+".missing", nil); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("a missing file: %v", err)
	}
}
