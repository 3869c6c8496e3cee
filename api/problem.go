package api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"

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
	Type   string       `json:"type"`
	Title  string       `json:"title"`
	Status int          `json:"status"`
	Detail string       `json:"detail,omitempty"`
	Code   string       `json:"code,omitempty"`
	Errors []fieldError `json:"errors,omitempty"`
	// RetryAfter, in seconds, becomes a Retry-After header (429, 503).
	RetryAfter int `json:"-"`
}

// fieldError is one invalid input field of a problem's errors[].
type fieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

func (p *Problem) Error() string { return fmt.Sprintf("%d %s: %s", p.Status, p.Title, p.Detail) }

// problemKinds names the one problem type of each status that is not a
// broken rule (API.md: one URI per kind of problem, and a type never comes
// with two statuses). 400 is malformed input; a broken rule's 400 or 422
// has its own type (ruleType).
var problemKinds = map[int]string{
	http.StatusBadRequest:            "invalid-input",
	http.StatusUnauthorized:          "unauthorized",
	http.StatusForbidden:             "forbidden",
	http.StatusNotFound:              "not-found",
	http.StatusMethodNotAllowed:      "method-not-allowed",
	http.StatusConflict:              "conflict",
	http.StatusRequestEntityTooLarge: "too-large",
	http.StatusUnsupportedMediaType:  "unsupported-media-type",
	http.StatusTooManyRequests:       "rate-limited",
	http.StatusInternalServerError:   "internal",
	http.StatusServiceUnavailable:    "unavailable",
}

// problem builds the Problem of a status; its type is the status's kind
// (problemKinds), so the same type never comes with two statuses.
func problem(status int, detail string) *Problem {
	slug, ok := problemKinds[status]
	if !ok {
		slug = "http-" + strconv.Itoa(status)
	}
	title := http.StatusText(status)
	if title == "" {
		title = "Error"
	}
	return &Problem{Type: problemBase + slug, Title: title, Status: status, Detail: detail}
}

// badRequest is a 400 for one malformed input field.
func badRequest(field, message string) *Problem {
	p := problem(http.StatusBadRequest, message)
	if field != "" {
		p.Errors = []fieldError{{Field: field, Message: message}}
	}
	return p
}

// tooLarge is API.md's 413.
func tooLarge() *Problem { return problem(http.StatusRequestEntityTooLarge, "The body is over 1 MiB.") }

var (
	errNotFound     = problem(http.StatusNotFound, "There is no such resource.")
	errForbidden    = problem(http.StatusForbidden, "Your role may not do this.")
	errUnauthorized = problem(http.StatusUnauthorized, "Send a valid token as Authorization: Bearer TOKEN.")
)

// notFound is a 404 naming what is missing.
func notFound(detail string) *Problem { return problem(http.StatusNotFound, detail) }

// ruleType is the type of a broken rule: "…/problems/APP-1" when the state
// forbids (422), "…/problems/APP-2/field" when the input breaks it (400).
// Several rules have both a field part and a state part (APP-2: none
// picked, or one already reserved), and API.md wants one status per type.
func ruleType(code string, status int) string {
	if status == http.StatusBadRequest {
		return problemBase + code + "/field"
	}
	return problemBase + code
}

// ruleProblem is the problem of a broken rule: 400 for a field rule, 422
// for a state rule, with the rule's code.
func ruleProblem(kind domain.Kind, code, detail string, fields []fieldError) *Problem {
	status, title := http.StatusUnprocessableEntity, "Not allowed in the current state"
	if kind == domain.FieldRule {
		status, title = http.StatusBadRequest, "Invalid input"
	}
	return &Problem{Type: ruleType(code, status), Title: title, Status: status, Detail: detail, Code: code, Errors: fields}
}

// problemFor maps any error a handler or middleware returns to the problem
// the client sees. It is the only place where errors become statuses.
func problemFor(err error) *Problem {
	var p *Problem
	if errors.As(err, &p) {
		return p
	}
	if re, ok := domain.AsRuleError(err); ok {
		switch re.Kind {
		case domain.NotFound:
			// What the path names is missing: 404 is about the resource,
			// not a rule, so it has no code (API.md).
			return notFound(re.Message)
		case domain.Conflict:
			p := problem(http.StatusConflict, re.Message)
			p.Code = re.Code // APP-6: a key reused with another body
			return p
		}
		var fields []fieldError
		for _, f := range re.Fields {
			fields = append(fields, fieldError(f))
		}
		if len(fields) == 0 && re.Field != "" {
			fields = []fieldError{{Field: re.Field, Message: re.Message}}
		}
		return ruleProblem(re.Kind, re.Code, re.Message, fields)
	}
	switch {
	case errors.Is(err, eventstore.ErrCorrupt):
		// Before ErrConflict and ErrUnavailable: damage is neither a race
		// nor a passing outage, and retrying will not help.
		return problem(http.StatusInternalServerError, "The event store is damaged; nothing was written. The server stopped taking changes until an operator checks the store (fapiao verify).")
	case errors.Is(err, ledger.ErrConflict):
		return problem(http.StatusConflict, "Another change to this account won the race; retry the request.")
	case errors.Is(err, eventstore.ErrUnavailable), errors.Is(err, eventstore.ErrClosed):
		p := problem(http.StatusServiceUnavailable, "The event store cannot be reached; nothing was written. Retry later.")
		p.RetryAfter = 1
		return p
	case errors.Is(err, context.DeadlineExceeded):
		p := problem(http.StatusServiceUnavailable, "The request took too long; retry later.")
		p.RetryAfter = 1
		return p
	}
	var maxErr *http.MaxBytesError
	if errors.As(err, &maxErr) {
		return tooLarge()
	}
	var he *echo.HTTPError
	if errors.As(err, &he) {
		return httpErrorProblem(he)
	}
	return problem(http.StatusInternalServerError, "Something went wrong on our side.")
}

// httpErrorProblem renders Echo's own errors (unknown route, method not
// allowed, body too large) as problems.
func httpErrorProblem(he *echo.HTTPError) *Problem {
	p := problem(he.Code, "")
	switch he.Code {
	case http.StatusNotFound:
		p.Detail = "There is no such resource."
	case http.StatusMethodNotAllowed:
		p.Detail = "This resource does not answer that method."
	case http.StatusRequestEntityTooLarge:
		p.Detail = "The body is over 1 MiB."
	default:
		if m, ok := he.Message.(string); ok {
			p.Detail = m
		}
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
	// A readiness probe's 503 is its answer, not a failed request: a
	// probe polling a starting server would log an error a poll. (The
	// access line still records it.)
	if p.Status >= 500 && c.Path() != "/readyz" {
		s.log.ErrorContext(c.Request().Context(), "request failed",
			slog.String("request_id", requestID(c)), slog.String("route", c.Path()), slog.Any("error", err))
	}
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, "application/problem+json")
	if p.RetryAfter > 0 {
		h.Set("Retry-After", strconv.Itoa(p.RetryAfter))
	}
	body, _ := encode(p)
	// With its length, so that HEAD answers the same headers as GET
	// (net/http drops a HEAD's body).
	h.Set(echo.HeaderContentLength, strconv.Itoa(len(body)))
	_ = c.Blob(p.Status, "application/problem+json", body)
}
