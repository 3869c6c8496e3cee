package testkit

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// GoldenEvent is one file of the golden events, testdata/events at the
// module's root: the wire form of one event type (or of a variant of it)
// that domain's tests freeze and other packages' tests feed through their
// own encoders.
type GoldenEvent struct {
	Name string // the file's name without .json: "InvoiceIssued.electronic"
	Type string // the event type, the name up to its first dot: "InvoiceIssued"
	Data []byte
}

// GoldenEvents reads every golden event, in the order of their names. It
// fails t if it finds none, so a test over them cannot pass by seeing
// nothing.
func GoldenEvents(t testing.TB) []GoldenEvent {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(eventsDir(t), "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden events: %v", err)
	}
	events := make([]GoldenEvent, len(files))
	for i, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".json")
		typ, _, _ := strings.Cut(name, ".")
		events[i] = GoldenEvent{Name: name, Type: typ, Data: readFile(t, f)}
	}
	return events
}

// ReadGoldenEvent reads the golden event of the given name
// ("StatementPosted", "InvoiceIssued.electronic").
func ReadGoldenEvent(t testing.TB, name string) []byte {
	t.Helper()
	return readFile(t, filepath.Join(eventsDir(t), name+".json"))
}

// eventsDir finds testdata/events from the test's working directory (its
// package's folder) by going up to the module's root, the folder of go.mod.
func eventsDir(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, "testdata", "events")
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test's folder: the module's root is not found")
		}
		dir = parent
	}
}

func readFile(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
