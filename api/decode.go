package api

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/fapiao/fapiao/domain"
	"github.com/fapiao/fapiao/eventstore"
)

// maxBody is the largest request body accepted (API.md: 413 above 1 MiB).
const maxBody = 1 << 20

// maxDepth bounds the nesting of a JSON body; no request of API.md needs more.
const maxDepth = 32

// readBody reads the request body, at most maxBody bytes. An empty body
// returns nil; a non-empty one must be declared application/json.
func readBody(c echo.Context) ([]byte, error) {
	r := c.Request()
	if r.ContentLength > maxBody {
		return nil, tooLarge()
	}
	raw, err := io.ReadAll(http.MaxBytesReader(c.Response(), r.Body, maxBody))
	if err != nil {
		var maxErr *http.MaxBytesError
		if errors.As(err, &maxErr) {
			return nil, tooLarge()
		}
		return nil, badRequest("", "The body could not be read.")
	}
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil, nil
	}
	mt, params, err := mime.ParseMediaType(r.Header.Get(echo.HeaderContentType))
	// JSON is UTF-8 (RFC 8259); a body declared in another charset would be
	// read wrongly, so it is refused rather than guessed at.
	if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") {
		err = errors.New("charset")
	}
	if err != nil || mt != echo.MIMEApplicationJSON {
		return nil, problem(http.StatusUnsupportedMediaType, "Send the body as Content-Type: application/json.")
	}
	return raw, nil
}

// decodeBody reads a required JSON object into dst strictly (decodeStrict).
// It returns the body in canonical form for the request hash.
func decodeBody(c echo.Context, dst any) ([]byte, error) {
	raw, err := readBody(c)
	if err != nil {
		return nil, err
	}
	if raw == nil {
		return nil, badRequest("", "A JSON body is required.")
	}
	return decodeStrict(raw, dst)
}

// decodeOptional is decodeBody for commands whose body may be left out; dst
// keeps its zero value then.
func decodeOptional(c echo.Context, dst any) ([]byte, error) {
	raw, err := readBody(c)
	if err != nil || raw == nil {
		return nil, err
	}
	return decodeStrict(raw, dst)
}

// strict are JSON v2's semantics, spelt out though most are its defaults:
// names match exactly (encoding/json let "AMOUNT" or "purchaſed_at" bind
// to amount and purchased_at), a name twice and invalid UTF-8 are refused,
// and so is any member dst does not have.
var strict = json.JoinOptions(
	json.MatchCaseInsensitiveNames(false),
	jsontext.AllowDuplicateNames(false),
	jsontext.AllowInvalidUTF8(false),
	json.RejectUnknownMembers(true),
)

// decodeStrict decodes raw, one JSON object, into dst with strict; every
// refusal is a 400 whose errors[].field comes from the error's JSON
// Pointer. It returns the body in canonical form.
//
// The answer is that of checkStructure, then Unmarshal: a body Unmarshal
// takes and plainObject vouches for needs no token-by-token check (most of
// the cost of decoding an application: docs/performance.md), and any other
// is checked by checkStructure too, so that a bad body gets the refusal
// that check gives.
func decodeStrict(raw []byte, dst any) ([]byte, error) {
	uerr := json.Unmarshal(raw, dst, strict)
	if uerr != nil || !plainObject(raw) {
		if err := checkStructure(raw); err != nil {
			return nil, err
		}
	}
	if uerr != nil {
		return nil, decodeProblem(raw, uerr)
	}
	canon, err := eventstore.Canonical(raw)
	if err != nil {
		return nil, badRequest("", "The body is not valid JSON.")
	}
	return canon, nil
}

// plainObject reports that raw, if it is valid JSON, passes checkStructure:
// it opens with an object, is printable ASCII (so it holds no U+FFFD) with
// no escapes, and its containers nest at most maxDepth deep. Syntax,
// duplicate names and the rest are Unmarshal's, which took raw already.
func plainObject(raw []byte) bool {
	i := 0
	for i < len(raw) && (raw[i] == ' ' || raw[i] == '\t' || raw[i] == '\n' || raw[i] == '\r') {
		i++
	}
	if i == len(raw) || raw[i] != '{' {
		return false
	}
	depth, inString := 0, false
	for _, c := range raw[i:] {
		switch {
		case c == '\\' || c > '~' || (c < ' ' && c != '\t' && c != '\n' && c != '\r'):
			return false
		case c == '"':
			inString = !inString
		case inString:
		case c == '{' || c == '[':
			if depth++; depth > maxDepth {
				return false
			}
		case c == '}' || c == ']':
			depth--
		}
	}
	return true
}

// checkStructure reads the body's tokens once: it must be one JSON object,
// nested at most maxDepth deep, with no U+FFFD in any string. Syntax,
// duplicate names and invalid UTF-8 are the tokenizer's own refusals.
func checkStructure(raw []byte) error {
	dec := jsontext.NewDecoder(bytes.NewReader(raw), strict)
	for {
		tok, err := dec.ReadToken()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return decodeProblem(raw, err)
		}
		// The JSON Pointer is made only for an answer that names a field:
		// made for every token, it was most of this check's cost.
		kind, depth := tok.Kind(), dec.StackDepth()
		if _, n := dec.StackIndex(depth); depth == 1 && n == 0 && kind != '{' { // a top-level container just opened
			return badRequest("", "The body must be a JSON object.")
		}
		if depth > maxDepth {
			return badRequest(fieldOf(dec.StackPointer()), "The body is nested too deeply.")
		}
		if kind == '"' {
			if s := tok.String(); strings.ContainsRune(s, utf8.RuneError) {
				return checkString(fieldOf(dec.StackPointer()), s)
			}
		}
	}
}

// checkString refuses U+FFFD in a decoded string: it is what a lone
// surrogate escape (\ud800) decodes to, and never part of a real name.
func checkString(field, s string) error {
	if strings.ContainsRune(s, utf8.RuneError) {
		return badRequest(field, fmt.Sprintf("%s holds an invalid character (a lone surrogate or U+FFFD).", orBody(field)))
	}
	return nil
}

// fieldOf writes a JSON Pointer (RFC 6901) as errors[].field names fields
// everywhere, the domain's rules included: /lines/0/amount is
// lines[0].amount.
func fieldOf(p jsontext.Pointer) string {
	var b strings.Builder
	for tok := range p.Tokens() {
		if _, err := strconv.ParseUint(tok, 10, 64); err == nil && b.Len() > 0 {
			b.WriteString("[" + tok + "]")
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(tok)
	}
	return b.String()
}

// decodeProblem turns a JSON v2 error into a 400 naming the field by the
// error's JSON Pointer. It reads the error's kind and sentinel, never its
// text.
func decodeProblem(raw []byte, err error) *Problem {
	var se *jsontext.SyntacticError
	if errors.As(err, &se) {
		field := fieldOf(se.JSONPointer)
		switch {
		case errors.Is(se.Err, jsontext.ErrDuplicateName):
			return badRequest(field, fmt.Sprintf("The key %q appears twice.", se.JSONPointer.LastToken()))
		case !utf8.Valid(raw):
			return badRequest(field, "The body is not valid UTF-8.")
		}
		return badRequest(field, "The body is not valid JSON.")
	}
	var sem *json.SemanticError
	if errors.As(err, &sem) {
		field := fieldOf(sem.JSONPointer)
		switch {
		case errors.Is(sem.Err, json.ErrUnknownName):
			return badRequest(field, fmt.Sprintf("Unknown field %q.", sem.JSONPointer.LastToken()))
		case sem.GoType == moneyType && sem.Err != nil:
			// The amount's own decoder says what is wrong in its words.
			return badRequest(field, fmt.Sprintf("%s: %v", orBody(field), sem.Err))
		case sem.GoType == uuidType && sem.JSONKind == '"':
			return badRequest(field, fmt.Sprintf("%s must be a UUID.", orBody(field)))
		case sem.GoType != nil:
			return badRequest(field, fmt.Sprintf("%s must be a JSON %s.", orBody(field), jsonKind(sem.GoType)))
		}
		return badRequest(field, "The body is not valid JSON.")
	}
	return badRequest("", "The body is not valid JSON.")
}

var (
	moneyType = reflect.TypeFor[domain.Money]()
	uuidType  = reflect.TypeFor[uuid.UUID]()
)

func orBody(field string) string {
	if field == "" {
		return "The body"
	}
	return field
}

// jsonKind names the JSON kind a Go type is read from.
func jsonKind(t reflect.Type) string {
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case t == moneyType, t == uuidType, t.Kind() == reflect.String:
		return "string"
	case t.Kind() == reflect.Bool:
		return "boolean"
	case t.Kind() == reflect.Slice, t.Kind() == reflect.Array:
		return "array"
	case t.Kind() >= reflect.Int && t.Kind() <= reflect.Float64:
		return "number"
	default:
		return "object"
	}
}
