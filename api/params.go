package api

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/fapiao/fapiao/domain"
)

// uuidParam reads a path parameter that must be a UUID in its canonical,
// hyphenated form. A malformed one is 404: no resource has that name.
func uuidParam(c echo.Context, name string) (uuid.UUID, error) {
	s := c.Param(name)
	id, err := uuid.Parse(s)
	if err != nil || len(s) != 36 {
		return uuid.Nil, errNotFound
	}
	return id, nil
}

// idempotencyKey reads the Idempotency-Key header (APP-6): at most 255
// printable ASCII characters. Absent means the command is not keyed.
func idempotencyKey(c echo.Context) (string, error) {
	k := c.Request().Header.Get("Idempotency-Key")
	if len(k) > 255 {
		return "", badRequest("Idempotency-Key", "The Idempotency-Key header holds at most 255 characters.")
	}
	if !domain.PrintableASCII(k) {
		return "", badRequest("Idempotency-Key", "The Idempotency-Key header holds printable ASCII characters only.")
	}
	return k, nil
}

// queryParam is c.QueryParam(name): the first value of name in the query,
// as url.ParseQuery reads it. A plain query (a few pairs, no escape, no
// '+', no ';') is read in place: Echo parses the whole query into a map
// on a request's first QueryParam, ≈ 2 % of a page's CPU
// (docs/performance.md, "The mix, 30 Nov, fourth round"); any other is
// Echo's. TestQueryParamIsEchos holds the two equal.
func queryParam(c echo.Context, name string) string {
	q := c.Request().URL.RawQuery
	if q == "" {
		return ""
	}
	if len(q) > 512 || strings.ContainsAny(q, "%+;") || strings.Count(q, "&") >= 8 {
		return c.QueryParam(name)
	}
	for q != "" {
		var pair string
		pair, q, _ = strings.Cut(q, "&")
		if k, v, _ := strings.Cut(pair, "="); k == name {
			return v
		}
	}
	return ""
}

// limitParam reads ?limit=: def when absent, else from 1 to max, the
// bounds the OpenAPI document states (limitDoc).
func limitParam(c echo.Context, def, max int) (int, error) {
	s := queryParam(c, "limit")
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > max {
		return 0, badRequest("limit", fmt.Sprintf("limit must be a whole number from 1 to %d.", max))
	}
	return n, nil
}

// invoiceStatusParam reads ?status= for invoice lists.
func invoiceStatusParam(c echo.Context) (domain.InvoiceStatus, error) {
	s := domain.InvoiceStatus(queryParam(c, "status"))
	if s == "" || s.Known() {
		return s, nil
	}
	return "", badRequest("status", "status must be one of the lifecycle states of an invoice.")
}

// statementStatusParam reads ?status= for statement lists.
func statementStatusParam(c echo.Context) (domain.StatementStatus, error) {
	s := domain.StatementStatus(queryParam(c, "status"))
	if s == "" || s.Known() {
		return s, nil
	}
	return "", badRequest("status", "status must be one of "+strings.Join(domain.Names(domain.StatementStatuses()), ", ")+".")
}

// setLocation names what a 201 created: the path's account, then parts.
func setLocation(c echo.Context, parts ...string) {
	loc := "/v1/accounts/" + url.PathEscape(c.Param("acc"))
	for _, p := range parts {
		loc += "/" + url.PathEscape(p)
	}
	c.Response().Header().Set(echo.HeaderLocation, loc)
}

// setPosition answers a command with the log position it reached.
func setPosition(c echo.Context, pos uint64) {
	c.Response().Header().Set(HeaderPosition, strconv.FormatUint(pos, 10))
}

// Header names of the read-your-writes protocol (API.md).
const (
	HeaderPosition    = "Fapiao-Position"
	HeaderMinPosition = "Fapiao-Min-Position"
)
