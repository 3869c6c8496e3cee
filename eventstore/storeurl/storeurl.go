// Package storeurl turns the STORE addresses of the command line (API.md)
// into an open eventstore.Store:
//
//	bolt:///var/lib/fapiao/fapiao.db     embedded, absolute path
//	bolt://./data/fapiao.db              embedded, relative to the working directory
//	log:///var/lib/fapiao/log            embedded segmented log (a directory; eventstore/seglog)
//	log://./data/log                     the same, relative
//	esdb://localhost:2113?tls=false      EventStoreDB / KurrentDB, the client's own form
//	esdb+discover://cluster.example:2113 the same, with DNS discovery
//
// Parse is strict: a typo in a store address must fail loudly at start-up,
// not silently open an empty log somewhere else.
package storeurl

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/fapiao/fapiao/eventstore"
	"github.com/fapiao/fapiao/eventstore/bolt"
	"github.com/fapiao/fapiao/eventstore/esdb"
	"github.com/fapiao/fapiao/eventstore/seglog"
)

// Default is the store used when none is given.
const Default = "bolt://./data/fapiao.db"

// Backend names a kind of store.
type Backend string

// The backends a URL can name.
const (
	Bolt Backend = "bolt"
	Log  Backend = "log"
	ESDB Backend = "esdb"
)

// URL is a parsed store address.
type URL struct {
	// Backend is the kind of store.
	Backend Backend
	// Scheme is the scheme as written, lower-cased: bolt, log, esdb or esdb+discover.
	Scheme string
	// Path is the bolt file or the log directory (absolute, or relative to
	// the working directory, cleaned). Empty for esdb.
	Path string
	// Hosts are the esdb endpoints (host:port, the port defaulted to 2113),
	// one for a single node, several for gossip seeds. Empty for bolt.
	Hosts []string
	// Raw is the address as given; esdb.Open receives it unchanged so that
	// every option of the client's connection string keeps its meaning.
	Raw string
	// redacted is Raw with any password masked, for logs and errors.
	redacted string
}

// String returns the address with any password masked, safe to print.
func (u URL) String() string { return u.redacted }

// Error is a store address that cannot be used.
type Error struct {
	URL    string // the address, password masked
	Reason string
}

func (e *Error) Error() string { return fmt.Sprintf("store %q: %s", e.URL, e.Reason) }

// Parse checks a store address without touching the file system or the
// network.
func Parse(raw string) (URL, error) {
	scheme, rest, ok := splitScheme(raw)
	if !ok {
		return URL{}, &Error{URL: mask(raw), Reason: "missing scheme: write bolt:///abs/path.db, bolt://./rel/path.db, log:///abs/dir or esdb://host:2113"}
	}
	switch scheme {
	case "bolt":
		return parseBolt(raw, rest)
	case "log":
		return parseLocal(raw, rest, Log)
	case "esdb", "esdb+discover":
		return parseESDB(raw, scheme, rest)
	default:
		return URL{}, &Error{URL: mask(raw), Reason: fmt.Sprintf("unknown scheme %q: want bolt, log, esdb or esdb+discover", scheme)}
	}
}

// Open parses raw and opens the store it names, for reading and writing
// (fapiao serve, import, migrate's target). For bolt it creates the file's
// directory and the file, for log the directory; an existing file of zero bytes is refused (it is
// damage, not an empty store). For esdb it waits, within ctx, until the
// server answers, so that a wrong address or a server that is down fails
// here rather than at the first request.
func Open(ctx context.Context, raw string, opts ...Option) (eventstore.Store, error) {
	return open(ctx, raw, false, opts)
}

// Option changes how a store is opened.
type Option func(*options)

type options struct {
	streamPrefixes []string
}

// WithStreamPrefixes keeps a shared server's global log (esdb) to the
// streams whose names start with one of prefixes, so that other
// applications' streams stay out of it. An embedded store holds one
// application's streams and ignores it.
func WithStreamPrefixes(prefixes ...string) Option {
	return func(o *options) { o.streamPrefixes = append([]string(nil), prefixes...) }
}

// OpenReadOnly opens the store raw names for reading only (fapiao verify,
// export, replay, reconcile, migrate's source): it creates and changes
// nothing. A bolt path with no file, in a directory that does not exist,
// or an empty file, is an error naming the path.
func OpenReadOnly(ctx context.Context, raw string, opts ...Option) (eventstore.Store, error) {
	return open(ctx, raw, true, opts)
}

func open(ctx context.Context, raw string, readOnly bool, opts []Option) (eventstore.Store, error) {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	u, err := Parse(raw)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	switch u.Backend {
	case Bolt:
		if readOnly {
			if _, err := os.Stat(u.Path); errors.Is(err, fs.ErrNotExist) {
				return nil, fmt.Errorf("store %s: no store at %s (nothing was created): %w", u, u.Path, fs.ErrNotExist)
			} else if err != nil {
				return nil, fmt.Errorf("store %s: %w", u, err)
			}
		} else if dir := filepath.Dir(u.Path); dir != "" {
			if err := os.MkdirAll(dir, 0o750); err != nil {
				return nil, fmt.Errorf("store %s: create directory: %w", u, err)
			}
		}
		s, err := bolt.Open(u.Path, bolt.Options{ReadOnly: readOnly})
		if err != nil {
			return nil, err
		}
		return s, nil
	case Log:
		if readOnly {
			if _, err := os.Stat(u.Path); err != nil {
				return nil, fmt.Errorf("store %s: no store at %s (nothing was created): %w", u, u.Path, err)
			}
		}
		s, err := seglog.Open(u.Path, seglog.Options{ReadOnly: readOnly}) // creates the directory unless read-only
		if err != nil {
			return nil, err
		}
		return s, nil
	case ESDB:
		// Reading EventStoreDB creates nothing: one way for both.
		var esdbOpts []esdb.Option
		if o.streamPrefixes != nil {
			esdbOpts = append(esdbOpts, esdb.WithStreamPrefixes(o.streamPrefixes...))
		}
		s, err := esdb.Open(u.Raw, esdbOpts...)
		if err != nil {
			return nil, fmt.Errorf("store %s: %w", u, err)
		}
		if err := s.WaitReady(ctx); err != nil {
			return nil, errors.Join(fmt.Errorf("store %s: server not reachable: %w", u, err), s.Close())
		}
		return s, nil
	}
	return nil, fmt.Errorf("store %s: backend %q cannot be opened", u, u.Backend)
}
