package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/fapiao/fapiao/projections"
)

// runViews is fapiao views rebuild: a new views file built from the log
// beside the old one, then renamed over it. A serve running on the old
// file notices the rename within a couple of seconds and switches to it.
func runViews(ctx context.Context, e *env, args []string) (err error) {
	var views string
	fs := newFlagSet(e, "views rebuild", "--store STORE [--views VIEWS]")
	store := storeFlag(fs)
	fs.StringVar(&views, "views", "", "the views `file` to rebuild (a path or bolt:///path; default: views.db beside a bolt store, ./data/views.db otherwise)")
	if len(args) > 0 && args[0] == "rebuild" {
		args = args[1:]
	} else if len(args) == 0 || !slices.Contains([]string{"-h", "-help", "--help"}, args[0]) {
		return usagef("want: fapiao views rebuild --store STORE [--views VIEWS]")
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	path, err := viewsPath(views, *store)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	s, err := openForJob(ctx, *store, "")
	if err != nil {
		return err
	}
	defer closeStore(s, &err)
	id, err := projections.LogIdentity(ctx, s)
	if err != nil {
		return err
	}
	started := time.Now()
	pos, err := projections.Rebuild(ctx, s, path, projections.Options{Identity: id})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "views rebuilt in %s at position %d in %s\n", path, pos, time.Since(started).Round(time.Millisecond))
	return nil
}
