package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/fapiao/fapiao/domain"
	"github.com/fapiao/fapiao/eventstore"
	"github.com/fapiao/fapiao/ledger"
)

// problemBase prefixes every problem type URI.
const problemBase = "https://fapiao.dev/problems/"

// Problem is an RFC 9457 problem detail. It is also an error, so handlers
// return it like any other and the one error handler renders it.
type Problem struct {
	Type   string              `json:"type"`
	Title  string              `json:"title"`
	Status int                 `json:"status"`
	Detail string              `json:"detail,omitempty"`
	Code   string              `json:"code,omitempty"`
	Errors []domain.FieldError `json:"errors,omitempty"`
	// RetryAfter, in seconds, becomes a Retry-After header (429, 503).
	RetryAfter int `json:"-"`
}

func (p *Problem) Error() string { return fmt.Sprintf("%d %s: %s", p.Status, p.Title, p.Detail) }

// problem builds a Problem whose type is named by slug.
func problem(status int, slug, detail string) *Problem {
	return &Problem{Type: problemBase + slug, Title: http.StatusText(status), Status: status, Detail: detail}
}

// badRequest is a 400 for one malformed input field.
func badRequest(field, message string) *Problem {
	p := problem(http.StatusBadRequest, "invalid-input", message)
	if field != "" {
		p.Errors = []domain.FieldError{{Field: field, Message: message}}
	}
	return p
}

var (
	errNotFound     = problem(http.StatusNotFound, "not-found", "There is no such resource.")
	errForbidden    = problem(http.StatusForbidden, "forbidden", "Your role may not do this.")
	errUnauthorized = problem(http.StatusUnauthorized, "unauthorized", "Send a valid token as Authorization: Bearer TOKEN.")
)

// ruleTitles names each kind of broken domain rule.
var ruleTitles = map[domain.Kind]struct {
	status int
	title  string
}{
	domain.FieldRule: {http.StatusBadRequest, "Invalid input"},
	domain.StateRule: {http.StatusUnprocessableEntity, "Not allowed in the current state"},
	domain.NotFound:  {http.StatusNotFound, "Not found"},
	domain.Conflict:  {http.StatusConflict, "Conflict"},
}

// problemFor maps any error a handler or middleware returns to the problem
// the client sees. It is the only place where errors become statuses.
func problemFor(err error) *Problem {
	var p *Problem
	if errors.As(err, &p) {
		return p
	}
	if re, ok := domain.AsRuleError(err); ok {
		k, known := ruleTitles[re.Kind]
		if !known {
			k = ruleTitles[domain.StateRule]
		}
		p := &Problem{Type: problemBase + re.Code, Title: k.title, Status: k.status, Detail: re.Message, Code: re.Code}
		p.Errors = re.Fields
		if len(p.Errors) == 0 && re.Field != "" {
			p.Errors = []domain.FieldError{{Field: re.Field, Message: re.Message}}
		}
		return p
	}
	switch {
	case errors.Is(err, eventstore.ErrCorrupt):
		// Before ErrConflict and ErrUnavailable: damage is neither a race
		// nor a passing outage, and retrying will not help.
		return problem(http.StatusInternalServerError, "store-damaged", "The event store is damaged; nothing was written. The server stopped taking changes until an operator checks the store (fapiao verify).")
	case errors.Is(err, ledger.ErrConflict):
		return problem(http.StatusConflict, "concurrent-write", "Another change to this account won the race; retry the request.")
	case errors.Is(err, eventstore.ErrUnavailable), errors.Is(err, eventstore.ErrClosed):
		p := problem(http.StatusServiceUnavailable, "unavailable", "The event store cannot be reached; nothing was written. Retry later.")
		p.RetryAfter = 1
		return p
	case errors.Is(err, context.DeadlineExceeded):
		p := problem(http.StatusServiceUnavailable, "timeout", "The request took too long; retry later.")
		p.RetryAfter = 1
		return p
	}
	var maxErr *http.MaxBytesError
	if errors.As(err, &maxErr) {
		return problem(http.StatusRequestEntityTooLarge, "body-too-large", "The body is over 1 MiB.")
	}
	var he *echo.HTTPError
	if errors.As(err, &he) {
		return httpErrorProblem(he)
	}
	return problem(http.StatusInternalServerError, "internal", "Something went wrong on our side.")
}

// httpErrorProblem renders Echo's own errors (unknown route, method not
// allowed, body too large) as problems.
func httpErrorProblem(he *echo.HTTPError) *Problem {
	slug := strings.ReplaceAll(strings.ToLower(http.StatusText(he.Code)), " ", "-")
	if slug == "" {
		slug = "http-" + strconv.Itoa(he.Code)
	}
	p := problem(he.Code, slug, "")
	switch he.Code {
	case http.StatusNotFound:
		p.Detail = "There is no such resource."
	case http.StatusMethodNotAllowed:
		p.Detail = "This resource does not answer that method."
	case http.StatusRequestEntityTooLarge:
		p.Type, p.Detail = problemBase+"body-too-large", "The body is over 1 MiB."
	default:
		if m, ok := he.Message.(string); ok {
			p.Detail = m
		}
	}
	if p.Title == "" {
		p.Title = "Error"
	}
	return p
}

// errorHandler is Echo's HTTPErrorHandler: every error answer is problem+json.
func (s *server) errorHandler(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	p := problemFor(err)
	if errors.Is(err, eventstore.ErrCorrupt) {
		s.damage.CompareAndSwap(nil, &err)
	}
	if p.Status >= 500 {
		s.log.ErrorContext(c.Request().Context(), "request failed",
			slog.String("request_id", requestID(c)), slog.String("route", c.Path()), slog.Any("error", err))
	}
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, "application/problem+json")
	if p.RetryAfter > 0 {
		h.Set("Retry-After", strconv.Itoa(p.RetryAfter))
	}
	if c.Request().Method == http.MethodHead {
		_ = c.NoContent(p.Status)
		return
	}
	body, _ := json.Marshal(p)
	_ = c.Blob(p.Status, "application/problem+json", body)
}
