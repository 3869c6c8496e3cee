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
func openViews(ctx context.Context, store eventstore.Store, storeURL, views string, log *slog.Logger) (*projections.Projections, error) {
	path, err := viewsPath(views, storeURL)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	id, err := projections.LogIdentity(ctx, store)
	if err != nil {
		return nil, err
	}
	_, statErr := os.Stat(path)
	p, err := projections.Open(path, projections.Options{Log: log, Identity: id})
	if err != nil {
		return nil, fmt.Errorf("opening the views: %w", err)
	}
	started := time.Now()
	if err := indexCheck(ctx, store, storeURL, p.Position()); err != nil {
		p.Close()
		if errors.Is(statErr, os.ErrNotExist) {
			os.Remove(path) // a damaged store leaves nothing behind
		}
		return nil, fmt.Errorf("refusing to serve: %w", err)
	}
	log.Info("index checked", "after", p.Position(), "took", time.Since(started).Round(time.Millisecond))
	return p, nil
}
