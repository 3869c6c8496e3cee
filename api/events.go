package api

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/fapiao/fapiao/domain"
	"github.com/fapiao/fapiao/eventstore"
	"github.com/fapiao/fapiao/ledger"
)

// A page of events holds 100 by default, at most 1000.
const (
	eventsDefaultLimit = 100
	eventsMaxLimit     = 1000
)

// accountEvents answers the account's events in order, optionally only
// those that had happened by as_of (AUD-2, by business time). Like every
// list of events it pages by log position: from (inclusive) and limit,
// with next absent on the last page.
func (s *server) accountEvents(c echo.Context) error {
	// Given is not the same as zero: an as_of before the first event (the
	// zero time included) asks for none of them (AUD-2).
	var asOf time.Time
	raw := c.QueryParam("as_of")
	hasAsOf := raw != ""
	if hasAsOf {
		t, err := time.Parse(time.RFC3339Nano, raw)
		if err != nil {
			return badRequest("as_of", "as_of must be an RFC 3339 time, like 2026-10-05T12:00:00+08:00.")
		}
		asOf = t
	}
	from, limit, err := eventPageParams(c)
	if err != nil {
		return err
	}
	out := eventPageOut{Items: []eventstore.Record{}}
	acc, customer := c.Param("acc"), role(c) == domain.RoleCustomer
	for r, err := range s.cfg.Store.ReadStream(c.Request().Context(), ledger.StreamName(acc), 0) {
		if errors.Is(err, eventstore.ErrStreamNotFound) {
			if role(c) == domain.RoleCustomer {
				break
			}
			return errNotFound
		}
		if err != nil {
			return err
		}
		if r.Position < from {
			continue
		}
		if hasAsOf {
			m, err := eventstore.ParseMetadata(r.Metadata)
			if err != nil {
				return err
			}
			if m.OccurredAt.After(asOf) {
				continue // not break: a clock set back (--clock) may interleave times
			}
		}
		if len(out.Items) == limit {
			next := r.Position
			out.Next = &next
			break
		}
		if customer {
			if r, err = redactForCustomer(r, acc); err != nil {
				return err
			}
		}
		out.Items = append(out.Items, r)
	}
	return answer(c, http.StatusOK, out)
}

// eventPageParams reads a page of events' ?from= and ?limit=.
func eventPageParams(c echo.Context) (from uint64, limit int, err error) {
	if from, err = fromParam(c); err != nil {
		return 0, 0, err
	}
	limit, err = limitParam(c, eventsDefaultLimit, eventsMaxLimit)
	return from, limit, err
}

// fromParam reads ?from=, a log position (inclusive); 0 when absent.
func fromParam(c echo.Context) (uint64, error) {
	raw := c.QueryParam("from")
	if raw == "" {
		return 0, nil
	}
	n, err := strconv.ParseUint(raw, 10, 64)
	if err != nil {
		return 0, badRequest("from", "from must be a log position, a whole number.")
	}
	return n, nil
}

// globalEvents answers a page of the global log from position from
// (inclusive), for auditors.
func (s *server) globalEvents(c echo.Context) error {
	from, limit, err := eventPageParams(c)
	if err != nil {
		return err
	}
	after := eventstore.Start
	if from > 0 {
		after = from - 1
	}
	out := eventPageOut{Items: make([]eventstore.Record, 0, min(limit, 128))}
	for r, err := range s.cfg.Store.ReadAll(c.Request().Context(), after) {
		if err != nil {
			return err
		}
		if len(out.Items) == limit {
			next := r.Position
			out.Next = &next
			break
		}
		out.Items = append(out.Items, r)
	}
	return answer(c, http.StatusOK, out)
}
