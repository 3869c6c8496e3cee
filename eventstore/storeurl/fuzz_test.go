package storeurl

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
)

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
