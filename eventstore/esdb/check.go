package esdb

import (
	"context"

	"github.com/fapiao/fapiao/eventstore"
)

var _ eventstore.Checker = (*Store)(nil)

// Check implements eventstore.Checker with what the server exposes: the
// server's files are its own, so the check is each stream read by itself
// against the global log (eventstore.CheckStreams). The quick check is
// that the server answers.
func (s *Store) Check(ctx context.Context, quick bool) (eventstore.CheckReport, error) {
	if quick {
		if err := s.WaitReady(ctx); err != nil {
			return eventstore.CheckReport{}, err
		}
		return eventstore.CheckReport{What: []string{"quick: the server answers"}}, nil
	}
	return eventstore.CheckStreams(ctx, s)
}
