package api

import (
	"context"
	"fmt"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/fapiao/fapiao/domain"
	"github.com/fapiao/fapiao/eventstore"
	"github.com/fapiao/fapiao/eventstore/transparency"
	"github.com/fapiao/fapiao/ledger"
)

// MIMECheckpoint is the media type of GET /v1/checkpoint: a signed note
// (golang.org/x/mod/sumdb/note), UTF-8 text.
const MIMECheckpoint = "text/plain; charset=utf-8"

// errNoCheckpoints answers the transparency routes of a server started
// without a signing key: 404, as for any resource this server does not
// have; nothing will change by retrying (so not 503).
var errNoCheckpoints = problem(http.StatusNotFound,
	"This server keeps no signed checkpoints: it was started without --signing-key (fapiao serve --signing-key FILE; fapiao keygen makes one).")

// getCheckpoint answers the latest signed checkpoint, signing a new one
// first if the log grew since (at most once a second).
func (s *server) getCheckpoint(c echo.Context) error {
	if s.cfg.Checkpoints == nil {
		return errNoCheckpoints
	}
	signed, err := s.cfg.Checkpoints.Latest()
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderCacheControl, "no-store")
	return c.Blob(http.StatusOK, MIMECheckpoint, signed)
}

// inclusionProof proves the event at ?position= is in the tree of ?size=
// leaves. A customer may ask only for their own account's events: any
// other position is 404, as another account is.
func (s *server) inclusionProof(c echo.Context) error {
	tree := s.cfg.Tree
	if tree == nil {
		return errNoCheckpoints
	}
	pos, err := wholeParam(c, "position", "a log position")
	if err != nil {
		return err
	}
	size, err := s.treeSizeParam(c, "size")
	if err != nil {
		return err
	}
	index, ok, err := tree.Index(pos)
	if err != nil {
		return err
	}
	if !ok {
		if role(c) == domain.RoleCustomer {
			return errNotFound
		}
		return problem(http.StatusNotFound, fmt.Sprintf("No event at position %d is in the tree (it holds %d events).", pos, tree.Size()))
	}
	r, err := s.recordAt(c.Request().Context(), tree, index)
	if err != nil {
		return err
	}
	if p, _ := principalOf(c); p.Role == domain.RoleCustomer && r.Stream != ledger.StreamName(p.AccountID) {
		return errNotFound
	}
	if index >= size {
		return badRequest("size", fmt.Sprintf("The event at position %d is leaf %d: size must be more than %d.", pos, index, index))
	}
	eventHash, err := transparency.RecordHash(r)
	if err != nil {
		return err
	}
	leaf, err := tree.Leaf(index)
	if err != nil {
		return err
	}
	if want, err := transparency.LeafHash(eventHash); err != nil || want != leaf {
		return errTreeMismatch(pos)
	}
	hashes, err := tree.ProveInclusion(index, size)
	if err != nil {
		return err
	}
	return answer(c, http.StatusOK, transparency.InclusionProof{
		Position: pos, Index: index, Size: size, EventHash: eventHash, LeafHash: leaf, Hashes: hashes,
	})
}

// consistencyProof proves the tree of ?to= leaves extends the tree of
// ?from=. It reveals only interior hashes of the tree, which any inclusion
// proof shows as well, so customers may ask for it too.
func (s *server) consistencyProof(c echo.Context) error {
	if s.cfg.Tree == nil {
		return errNoCheckpoints
	}
	from, err := s.treeSizeParam(c, "from")
	if err != nil {
		return err
	}
	to, err := s.treeSizeParam(c, "to")
	if err != nil {
		return err
	}
	if from > to {
		return badRequest("from", "from must not be more than to.")
	}
	hashes, err := s.cfg.Tree.ProveConsistency(from, to)
	if err != nil {
		return err
	}
	return answer(c, http.StatusOK, transparency.ConsistencyProof{From: from, To: to, Hashes: hashes})
}

// wholeParam reads a required query parameter, a whole number from 1.
func wholeParam(c echo.Context, name, what string) (uint64, error) {
	raw := c.QueryParam(name)
	n, err := strconv.ParseUint(raw, 10, 64)
	if raw == "" || err != nil || n == 0 {
		return 0, badRequest(name, fmt.Sprintf("%s is required: %s, a whole number from 1.", name, what))
	}
	return n, nil
}

// treeSizeParam reads a tree size: from 1 to the tree's current size (the
// sizes checkpoints are signed for).
func (s *server) treeSizeParam(c echo.Context, name string) (int64, error) {
	n, err := wholeParam(c, name, "a tree size (a checkpoint's size)")
	if err != nil {
		return 0, err
	}
	if have := s.cfg.Tree.Size(); n > uint64(have) {
		return 0, badRequest(name, fmt.Sprintf("%s %d is beyond the tree, which holds %d events: ask with the size of a checkpoint.", name, n, have))
	}
	return int64(n), nil
}

// recordReader is a store that reads one event by position (bolt): a
// proof then reads one record, not a chunk of the log.
type recordReader interface {
	ReadRecord(ctx context.Context, pos eventstore.Position) (eventstore.Record, bool, error)
}

// recordAt reads the event of leaf index from the store.
func (s *server) recordAt(ctx context.Context, tree *transparency.Tree, index int64) (eventstore.Record, error) {
	want, err := tree.Position(index)
	if err != nil {
		return eventstore.Record{}, err
	}
	if rr, ok := s.cfg.Store.(recordReader); ok {
		r, found, err := rr.ReadRecord(ctx, want)
		if err != nil {
			return eventstore.Record{}, err
		}
		if !found {
			return eventstore.Record{}, errTreeMismatch(want)
		}
		return r, nil
	}
	var after uint64
	if index > 0 {
		if after, err = tree.Position(index - 1); err != nil {
			return eventstore.Record{}, err
		}
	}
	for r, err := range s.cfg.Store.ReadAll(ctx, after) {
		if err != nil {
			return eventstore.Record{}, err
		}
		if r.Position != want {
			break
		}
		return r, nil
	}
	return eventstore.Record{}, errTreeMismatch(want)
}

// errTreeMismatch: the log no longer holds the event the tree was built
// from. That is damage or a rewrite, not something a retry fixes: 500, and
// `fapiao verify --checkpoint` says more.
func errTreeMismatch(pos uint64) *Problem {
	return problem(http.StatusInternalServerError,
		fmt.Sprintf("The log's event at position %d is not the one its Merkle tree holds: the log was damaged or rewritten. Run fapiao verify --checkpoint.", pos))
}
