package storeurl

import (
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestParseLocal: bolt:// names a file and log:// a directory; either
// path is cleaned, spelled back by String() and parsed again to itself.
func TestParseLocal(t *testing.T) {
	t.Parallel()
	tests := map[Backend][]struct {
		raw, path, str string
	}{
		Bolt: {
			{"bolt:///abs/path/fapiao.db", "/abs/path/fapiao.db", "bolt:///abs/path/fapiao.db"},
			{"bolt://./data/fapiao.db", "data/fapiao.db", "bolt://./data/fapiao.db"},
			{"BOLT://./data/fapiao.db", "data/fapiao.db", "bolt://./data/fapiao.db"},
			{"bolt://../shared/fapiao.db", "../shared/fapiao.db", "bolt://./../shared/fapiao.db"},
			{"bolt://./fapiao.db", "fapiao.db", "bolt://./fapiao.db"},
			{"bolt:///var/lib/../lib/fapiao/x.db", "/var/lib/fapiao/x.db", "bolt:///var/lib/fapiao/x.db"},
			{"bolt:////double/slash.db", "/double/slash.db", "bolt:///double/slash.db"},
			{"bolt:///tmp/my%20ledger%3F.db", "/tmp/my ledger?.db", "bolt:///tmp/my%20ledger%3F.db"},
			{"bolt:///数据/发票.db", "/数据/发票.db", "bolt:///%E6%95%B0%E6%8D%AE/%E5%8F%91%E7%A5%A8.db"},
		},
		Log: {
			{"log:///var/lib/fapiao/log", "/var/lib/fapiao/log", "log:///var/lib/fapiao/log"},
			{"log:///var/lib/fapiao/log/", "/var/lib/fapiao/log", "log:///var/lib/fapiao/log"},
			{"LOG://./data/log", "data/log", "log://./data/log"},
			{"log://../shared/log", "../shared/log", "log://./../shared/log"},
		},
	}
	for backend, cases := range tests {
		for _, tt := range cases {
			t.Run(tt.raw, func(t *testing.T) {
				u, err := Parse(tt.raw)
				if err != nil {
					t.Fatalf("Parse(%q): %v", tt.raw, err)
				}
				if u.Backend != backend || u.Scheme != string(backend) || u.Path != tt.path || u.Raw != tt.raw || len(u.Hosts) != 0 {
					t.Errorf("Parse(%q) = %+v, want %s path %q", tt.raw, u, backend, tt.path)
				}
				if got := u.String(); got != tt.str {
					t.Errorf("String() = %q, want %q", got, tt.str)
				}
				again, err := Parse(u.String())
				if err != nil || again.Path != u.Path {
					t.Errorf("Parse(String()) = %q, %v; want path %q", again.Path, err, u.Path)
				}
			})
		}
	}
}

func TestParseESDB(t *testing.T) {
	t.Parallel()
	tests := []struct {
		raw    string
		scheme string
		hosts  []string
		str    string
	}{
		{"esdb://localhost:2113?tls=false", "esdb", []string{"localhost:2113"}, ""},
		{"esdb://localhost", "esdb", []string{"localhost:2113"}, ""},
		{"esdb://127.0.0.1:1113/", "esdb", []string{"127.0.0.1:1113"}, ""},
		{"esdb+discover://cluster.example.com:2113", "esdb+discover", []string{"cluster.example.com:2113"}, ""},
		{"esdb://admin:changeit@db:2113?tls=true&tlsVerifyCert=false", "esdb", []string{"db:2113"},
			"esdb://admin:xxxxx@db:2113?tls=true&tlsVerifyCert=false"},
		{"esdb://admin@db:2113", "esdb", []string{"db:2113"}, ""},
		{"esdb://h1:2111,h2:2112,h3?tls=false&nodePreference=Follower", "esdb", []string{"h1:2111", "h2:2112", "h3:2113"}, ""},
		{"esdb://db:2113?TLS=false&maxDiscoverAttempts=3&keepAliveInterval=-1&defaultDeadline=5000&tlsCAFile=/etc/ca.crt",
			"esdb", []string{"db:2113"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.raw, func(t *testing.T) {
			u, err := Parse(tt.raw)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.raw, err)
			}
			if u.Backend != ESDB || u.Scheme != tt.scheme || u.Raw != tt.raw || u.Path != "" || !slices.Equal(u.Hosts, tt.hosts) {
				t.Errorf("Parse(%q) = %+v, want %s hosts %v", tt.raw, u, tt.scheme, tt.hosts)
			}
			want := tt.str
			if want == "" {
				want = tt.raw
			}
			if got := u.String(); got != want {
				t.Errorf("String() = %q, want %q", got, want)
			}
		})
	}
}

func TestParseRefuses(t *testing.T) {
	t.Parallel()
	tests := []struct {
		raw  string
		want string // a fragment of the message
	}{
		{"", "missing scheme"},
		{"./data/fapiao.db", "missing scheme"},
		{"/var/lib/fapiao.db", "missing scheme"},
		{"bolt:data/fapiao.db", "missing scheme"},
		{"file:///tmp/x.db", `unknown scheme "file"`},
		{"postgres://localhost/fapiao", `unknown scheme "postgres"`},
		{"bolt://", "empty path"},
		{"bolt:///", "empty path"},
		{"bolt://.", "empty path"},
		{"bolt://./", "empty path"},
		{"bolt://..", "empty path"},
		{"bolt:///tmp/", "names a directory"},
		{"bolt://./data/..", "names a directory"},
		{"bolt://localhost/tmp/x.db", `names host "localhost"`},
		{"bolt://data/fapiao.db", `bolt://./data/fapiao.db`},
		{"bolt://db.example.com:5432/x.db", "names host"},
		{"bolt://user:secret@/x.db", "no user or password"},
		{"bolt:///tmp/x.db?nosync=true", "no query"},
		{"bolt:///tmp/x.db#frag", "no query or fragment"},
		{"bolt:///tmp/x%zz.db", "percent-encoding"},
		{"bolt:///tmp/x%00.db", "NUL"},
		{"bolt:///tmp/my ledger.db", "percent-encode"},
		{"bolt:///tmp/x.db\n", "percent-encode"},
		{"log://", "empty path"},
		{"log:///", "empty path"},
		{"log:data", "missing scheme"},
		{"log://host/dir", `names host "host"`},
		{"log://u@x/dir", "no user or password"},
		{"log:///a?b", "no query or fragment"},
		{"esdb://", "no host"},
		{"esdb://?tls=false", "no host"},
		{"esdb://:2113", "empty host name"},
		{"esdb://db:http", "not a number"},
		{"esdb://db:0", "not a number"},
		{"esdb://db:65536", "not a number"},
		{"esdb://db:2113:1", "not a number"},
		{"esdb://[::1]:2113", "not allowed in a host name"},
		{"esdb://h1:2113,,h2", "empty host"},
		{"esdb://db:2113/stream", "no path"},
		{"esdb://db:2113#x", "no fragment"},
		{"esdb://:secret@db:2113", "empty user name"},
		{"esdb://db:2113?tsl=false", `unknown setting "tsl"`},
		{"esdb://db:2113?tls=nope", `setting "tls"`},
		{"esdb://db:2113?tls=", `setting "tls"`},
		{"esdb://db:2113?tls=false&TLS=true", "given twice"},
		{"esdb://db:2113?nodePreference=fastest", "want one of"},
		{"esdb://db:2113?maxDiscoverAttempts=0", "integer >= 1"},
		{"esdb://db:2113?keepAliveTimeout=-2", "integer >= -1"},
		{"esdb://db:2113?tls=%zz", "bad query"},
	}
	for _, tt := range tests {
		t.Run(tt.raw, func(t *testing.T) {
			u, err := Parse(tt.raw)
			if err == nil {
				t.Fatalf("Parse(%q) = %+v, want an error", tt.raw, u)
			}
			var perr *Error
			if !errors.As(err, &perr) {
				t.Fatalf("Parse(%q) error %T, want *Error", tt.raw, err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Parse(%q) = %q, want it to mention %q", tt.raw, err, tt.want)
			}
		})
	}
}

func TestParseErrorHidesPassword(t *testing.T) {
	t.Parallel()
	_, err := Parse("esdb://admin:hunter2@db:2113?tsl=false")
	if err == nil {
		t.Fatal("want an error for the unknown setting")
	}
	if strings.Contains(err.Error(), "hunter2") {
		t.Errorf("error %q shows the password", err)
	}
	if !strings.Contains(err.Error(), "admin:xxxxx@db") {
		t.Errorf("error %q does not name the (masked) address", err)
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
