package bench

import (
	"context"
	"os"
	"path/filepath"
	"slices"
)

// serveRun is a scenario's temporary directory for its `fapiao serve`
// children: the tokens file they read and, when the build takes --views,
// their views file. Always a views file of the bench's own: serve's
// default is beside the store, which would leave one in the replay cache
// and make the next cold start a restart.
type serveRun struct {
	exe, dir string
	tokens   string // the tokens file, written by writeTokens
	views    string // the views file; "" when exe's serve has no --views
}

// newServeRun makes the temporary directory of the scenario's serve
// children of exe; remove deletes it.
func newServeRun(scenario, exe string) (*serveRun, error) {
	dir, err := os.MkdirTemp("", "fapiao-bench-"+scenario+"-")
	if err != nil {
		return nil, err
	}
	r := &serveRun{exe: exe, dir: dir, tokens: filepath.Join(dir, "tokens.json")}
	if serveHasViews(exe) {
		r.views = filepath.Join(dir, "views.db")
	}
	return r, nil
}

// file is the path of a file of the scenario's own in the directory.
func (r *serveRun) file(name string) string { return filepath.Join(r.dir, name) }

func (r *serveRun) remove() { os.RemoveAll(r.dir) }

func (r *serveRun) writeTokens(entries []tokenEntry) error { return writeTokens(r.tokens, entries) }

// viewsMode is a result's Views: "on disk", or viewsUnsupported (every
// start rebuilds the read models in memory).
func (r *serveRun) viewsMode() string {
	if r.views == "" {
		return viewsUnsupported
	}
	return "on disk"
}

// start runs serve on store with the run's tokens and views file, and the
// extra flags.
func (r *serveRun) start(ctx context.Context, store string, extra ...string) (*server, error) {
	if r.views != "" {
		extra = append(slices.Clip(extra), "--views", viewsURL(r.views))
	}
	return startServer(ctx, r.exe, store, r.tokens, extra...)
}
