package storeurl

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// sharedCorpus is the seed corpus kept with the repository's shared test
// data rather than beside the package, so CI can run every fuzz seed of the
// project from one place. Go reads only the package's own testdata/fuzz, so
// the seeds are added explicitly.
const sharedCorpus = "../../testdata/fuzz/FuzzParse"

// addCorpus adds each file of dir, in the "go test fuzz v1" format with one
// string value, as a seed.
func addCorpus(f *testing.F, dir string) {
	f.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		f.Fatalf("seed corpus: %v", err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			f.Fatalf("seed corpus: %v", err)
		}
		header, value, ok := strings.Cut(strings.TrimSpace(string(b)), "\n")
		quoted, isString := strings.CutPrefix(value, "string(")
		if !ok || header != "go test fuzz v1" || !isString || !strings.HasSuffix(quoted, ")") {
			f.Fatalf("seed corpus %s: want \"go test fuzz v1\" and one string(...) line", e.Name())
		}
		s, err := strconv.Unquote(strings.TrimSuffix(quoted, ")"))
		if err != nil {
			f.Fatalf("seed corpus %s: %v", e.Name(), err)
		}
		f.Add(s)
	}
}

// FuzzParse checks that Parse never panics, that every error is an *Error,
// and that what it accepts is well formed: a clean, non-empty bolt path that
// String() spells back, or esdb hosts that survive a re-parse of the masked
// address.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"bolt:///abs/path/fapiao.db", "bolt://./data/fapiao.db", "bolt://../x.db",
		"bolt:///tmp/my%20db.db", "bolt://localhost/x.db", "bolt://", "bolt:x.db",
		"esdb://localhost:2113?tls=false", "esdb+discover://c.example:2113",
		"esdb://admin:changeit@h1:2113,h2:2114?tls=true&nodePreference=leader",
		"esdb://db:2113?tsl=false", "file:///x", "",
	} {
		f.Add(s)
	}
	addCorpus(f, sharedCorpus)
	f.Fuzz(func(t *testing.T, raw string) {
		u, err := Parse(raw)
		if err != nil {
			var perr *Error
			if !errors.As(err, &perr) {
				t.Fatalf("Parse(%q) error %T, want *Error", raw, err)
			}
			return
		}
		if u.Raw != raw {
			t.Fatalf("Raw = %q, want the input %q", u.Raw, raw)
		}
		switch u.Backend {
		case Bolt:
			if u.Path == "" || u.Path == "." || u.Path == "/" || filepath.Clean(u.Path) != u.Path || len(u.Hosts) != 0 {
				t.Fatalf("Parse(%q) accepted bolt path %q", raw, u.Path)
			}
			again, err := Parse(u.String())
			if err != nil || again.Path != u.Path {
				t.Fatalf("Parse(%q).String() = %q re-parses to %q, %v", raw, u.String(), again.Path, err)
			}
		case ESDB:
			if len(u.Hosts) == 0 || u.Path != "" {
				t.Fatalf("Parse(%q) accepted esdb %+v", raw, u)
			}
			again, err := Parse(u.String())
			if err != nil || strings.Join(again.Hosts, ",") != strings.Join(u.Hosts, ",") {
				t.Fatalf("masked %q re-parses to %v, %v; want hosts %v", u.String(), again.Hosts, err, u.Hosts)
			}
		default:
			t.Fatalf("Parse(%q) accepted backend %q", raw, u.Backend)
		}
	})
}
