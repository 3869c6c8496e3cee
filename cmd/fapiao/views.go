package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/fapiao/fapiao/eventstore"
	"github.com/fapiao/fapiao/eventstore/storeurl"
	"github.com/fapiao/fapiao/projections"
)

// viewsPath is the views file of --views: a plain path or bolt:///path
// (bolt://./rel for a relative one); empty for the default, views.db
// beside an embedded store (bolt file or log directory), ./data/views.db
// for EventStoreDB.
func viewsPath(views, store string) (string, error) {
	if views != "" {
		if rest, ok := strings.CutPrefix(views, "bolt://"); ok {
			views = rest
		} else if strings.Contains(views, "://") {
			return "", usagef("--views %q: want a file path or bolt:///path", views)
		}
		if views == "" {
			return "", usagef("--views: the URL names no file")
		}
		return views, nil
	}
	u, err := storeurl.Parse(store)
	if err == nil && (u.Backend == storeurl.Bolt || u.Backend == storeurl.Log) {
		return filepath.Join(filepath.Dir(filepath.Clean(u.Path)), "views.db"), nil
	}
	return filepath.Join("data", "views.db"), nil
}

// openViews opens the views file for store's log (rebuilt by
// projections.Run if it cannot be used as it is), then checks the store's
// index for what the log gained after the views' position: on a restart
// the index the last run already served is not walked again.
//
// A first start (position 0) walks the whole index, and its rebuild reads
// the whole log: the walk then runs beside the rebuild (they read
// different buckets), and checked waits for it. serve starts Run, then
// calls checked before it serves anything; on damage checked stops the
// rebuild (stop), closes the views and removes a file this start created,
// so that a damaged store is left as it was. On a restart the check is
// done before openViews returns and checked returns nil.
func openViews(ctx context.Context, store eventstore.Store, storeURL, views string, log *slog.Logger) (p *projections.Projections, checked func(stop func()) error, err error) {
	path, err := viewsPath(views, storeURL)
	if err != nil {
		return nil, nil, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, nil, err
	}
	id, err := projections.LogIdentity(ctx, store)
	if err != nil {
		return nil, nil, err
	}
	_, statErr := os.Stat(path)
	created := errors.Is(statErr, os.ErrNotExist)
	p, err = projections.Open(path, projections.Options{Log: log, Identity: id})
	if err != nil {
		return nil, nil, fmt.Errorf("opening the views: %w", err)
	}
	from := p.Position()
	check := func() error {
		started := time.Now()
		if err := indexCheck(ctx, store, storeURL, from); err != nil {
			return fmt.Errorf("refusing to serve: %w", err)
		}
		log.Info("index checked", "after", from, "took", time.Since(started).Round(time.Millisecond))
		return nil
	}
	refuse := func(err error) error {
		p.Close()
		if created {
			os.Remove(path) // a damaged store leaves nothing behind
		}
		return err
	}
	if from != eventstore.Start {
		if err := check(); err != nil {
			return nil, nil, refuse(err)
		}
		return p, func(func()) error { return nil }, nil
	}
	done := make(chan error, 1)
	go func() { done <- check() }()
	return p, func(stop func()) error {
		if err := <-done; err != nil {
			stop() // the rebuild's own file is gone once it has stopped
			return refuse(err)
		}
		return nil
	}, nil
}
