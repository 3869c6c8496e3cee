package api

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"

	"github.com/labstack/echo/v4"

	"github.com/fapiao/fapiao/domain"
	"github.com/fapiao/fapiao/internal/jsonscan"
	"github.com/fapiao/fapiao/ledger"
)

// requestHashInput is what two requests under one Idempotency-Key must share
// to be the same request: method, concrete path and canonical body.
type requestHashInput struct {
	Method string          `json:"method"`
	Path   string          `json:"path"`
	Body   json.RawMessage `json:"body"`
}

// requestHash is ledger.RequestHashOf(requestHashInput{method, path, body})
// for a body in canonical form (eventstore.Canonical, as decodeStrict
// returns it): that hash is of the input's canonical JSON, which for a
// method and path JSON writes as they are (jsonscan.Plain) is the body
// between those two strings, so it is hashed without marshalling the input
// and parsing it again (docs/performance.md, the mix of 30 Nov). Any other
// method or path takes RequestHashOf itself. The hashes are stored with
// idempotency keys: TestRequestHashIsLedgers holds the two equal.
func requestHash(method, path string, body []byte) string {
	if !jsonscan.Plain(method) || !jsonscan.Plain(path) {
		return ledger.RequestHashOf(requestHashInput{Method: method, Path: path, Body: body})
	}
	var buf [512]byte // a usual command's input, on the stack
	b := append(buf[:0], `{"body":`...)
	b = append(b, body...)
	b = append(b, `,"method":"`...)
	b = append(b, method...)
	b = append(b, `","path":"`...)
	b = append(b, path...)
	b = append(b, `"}`...)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// execute runs cmd on the path's account for the caller and sets the
// Fapiao-Position header. body is the canonical request body (nil if none).
func (s *server) execute(c echo.Context, cmd domain.Command, body []byte) (ledger.Result, error) {
	return s.executeView(c, cmd, body, nil)
}

// executeView is execute answering with what view makes of the state the
// command left (ledger.Request.View) instead of a copy of the account:
// res.View is set and res.Account nil when view is not nil.
func (s *server) executeView(c echo.Context, cmd domain.Command, body []byte, view func(*domain.Account) any) (ledger.Result, error) {
	key, err := idempotencyKey(c)
	if err != nil {
		return ledger.Result{}, err
	}
	p, _ := principalOf(c)
	if body == nil {
		body = []byte("null")
	}
	r := c.Request()
	req := ledger.Request{
		AccountID:      c.Param("acc"),
		Command:        cmd,
		Actor:          p.Actor(),
		IdempotencyKey: key,
		RequestHash:    requestHash(r.Method, r.URL.Path, body),
		CorrelationID:  requestID(c),
		View:           view,
	}
	budget := writeKey{account: req.AccountID, staff: p.Role != domain.RoleCustomer}
	if err := s.checkWriteBudget(budget); err != nil {
		return ledger.Result{}, err
	}
	res, err := s.cfg.Ledger.Execute(r.Context(), req)
	if err != nil {
		return res, err
	}
	if !res.Replayed {
		s.writes.charge(budget, len(res.Records), s.clock.Now())
	}
	s.metrics.commandDone(res)
	if res.Replayed && len(res.Records) > 0 {
		// APP-6: a retry gets the first answer, so render the state the
		// command left then, not what later commands made of it.
		last := res.Records[len(res.Records)-1]
		acc, err := s.stateAt(r.Context(), req.AccountID, last.Revision)
		if err != nil {
			return res, err
		}
		if view != nil {
			res.View = view(acc)
		} else {
			res.Account = acc
		}
	}
	pos := res.Position
	if pos == 0 {
		// A no-op wrote nothing: what the caller may read is what is there now.
		pos = s.cfg.Projections.Position()
	}
	setPosition(c, pos)
	return res, nil
}

// role is the caller's role (for an invoice's actions).
func role(c echo.Context) domain.Role {
	p, _ := principalOf(c)
	return p.Role
}

// accountKnown reports whether the path's account has any events. A
// customer's own account always counts: it is theirs before its first
// event, and they see it empty.
func (s *server) accountKnown(c echo.Context) bool {
	if role(c) == domain.RoleCustomer {
		return true
	}
	_, ok := s.cfg.Projections.AccountVersion(c.Param("acc"))
	return ok
}

// eventOf returns the first event of type E among a command's events, to
// find what the command created (a new address's or invoice's ID).
func eventOf[E domain.Event](res ledger.Result) (E, bool) {
	for _, ev := range res.Events {
		if e, ok := ev.(E); ok {
			return e, true
		}
	}
	var zero E
	return zero, false
}

// stateAt folds the account's stream up to revision (included): the state
// a command left when it wrote that event.
func (s *server) stateAt(ctx context.Context, accountID string, revision uint64) (*domain.Account, error) {
	acc := domain.NewAccount(accountID)
	for r, err := range s.cfg.Store.ReadStream(ctx, ledger.StreamName(accountID), 0) {
		if err != nil {
			return nil, err
		}
		if r.Revision > revision {
			break
		}
		ev, err := domain.DecodeEvent(r.Type, r.Data)
		if err != nil {
			return nil, fmt.Errorf("api: decode %s at %s revision %d: %w", r.Type, r.Stream, r.Revision, err)
		}
		if err := acc.Fold(ev); err != nil {
			return nil, fmt.Errorf("api: fold %s at %s revision %d: %w", r.Type, r.Stream, r.Revision, err)
		}
	}
	return acc, nil
}
