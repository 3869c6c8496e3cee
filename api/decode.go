package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

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

// decodeBody reads a required JSON object into dst strictly: unknown
// fields, duplicate keys, trailing data and wrong types are refused. It
// returns the body in canonical form for the request hash.
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

func decodeStrict(raw []byte, dst any) ([]byte, error) {
	if err := checkStructure(raw); err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return nil, decodeProblem(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, badRequest("", "The body holds data after its JSON value.")
	}
	canon, err := eventstore.Canonical(raw)
	if err != nil {
		return nil, badRequest("", "The body is not valid JSON.")
	}
	return canon, nil
}

// checkStructure walks the body's tokens: it must be one JSON object, with
// no key twice in any object, nested at most maxDepth deep. encoding/json
// would silently keep the last of two equal keys.
func checkStructure(raw []byte) error {
	// encoding/json silently turns invalid UTF-8 into U+FFFD: refuse it
	// here, before a mangled name is written for ever.
	if !utf8.Valid(raw) {
		return badRequest("", "The body is not valid UTF-8.")
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return badRequest("", "The body is not valid JSON.")
	}
	if tok != json.Delim('{') {
		return badRequest("", "The body must be a JSON object.")
	}
	if err := walkObject(dec, "", 1); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return badRequest("", "The body holds data after its JSON value.")
	}
	return nil
}

func walkObject(dec *json.Decoder, path string, depth int) error {
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return badRequest("", "The body is not valid JSON.")
		}
		key, _ := tok.(string)
		field := joinField(path, key)
		if err := checkString(field, key); err != nil {
			return err
		}
		if seen[key] {
			return badRequest(field, fmt.Sprintf("The key %q appears twice.", key))
		}
		seen[key] = true
		if err := walkValue(dec, field, depth); err != nil {
			return err
		}
	}
	if _, err := dec.Token(); err != nil { // the closing brace
		return badRequest("", "The body is not valid JSON.")
	}
	return nil
}

func walkValue(dec *json.Decoder, path string, depth int) error {
	tok, err := dec.Token()
	if err != nil {
		return badRequest("", "The body is not valid JSON.")
	}
	if str, ok := tok.(string); ok {
		return checkString(path, str)
	}
	d, ok := tok.(json.Delim)
	if !ok {
		return nil
	}
	if depth >= maxDepth {
		return badRequest(path, "The body is nested too deeply.")
	}
	if d == '{' {
		return walkObject(dec, path, depth+1)
	}
	for i := 0; dec.More(); i++ {
		if err := walkValue(dec, fmt.Sprintf("%s[%d]", path, i), depth+1); err != nil {
			return err
		}
	}
	if _, err := dec.Token(); err != nil { // the closing bracket
		return badRequest("", "The body is not valid JSON.")
	}
	return nil
}

// checkString refuses U+FFFD in a decoded string: it is what a lone
// surrogate escape (\ud800) decodes to, and never part of a real name.
func checkString(field, s string) error {
	if strings.ContainsRune(s, utf8.RuneError) {
		return badRequest(field, fmt.Sprintf("%s holds an invalid character (a lone surrogate or U+FFFD).", orBody(field)))
	}
	return nil
}

func joinField(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// decodeProblem turns a json.Decoder error into a 400 naming the field.
func decodeProblem(err error) *Problem {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		field := te.Field
		return badRequest(field, fmt.Sprintf("%s must be a JSON %s.", orBody(field), jsonKind(te.Type.String())))
	}
	msg := err.Error()
	if name, ok := strings.CutPrefix(msg, "json: unknown field "); ok {
		name = strings.Trim(name, `"`)
		return badRequest(name, fmt.Sprintf("Unknown field %q.", name))
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return badRequest("", "The body is not valid JSON.")
	}
	// Errors of custom decoders (amounts) say what is wrong in their own words.
	return badRequest("", strings.TrimPrefix(msg, "json: "))
}

func orBody(field string) string {
	if field == "" {
		return "The body"
	}
	return field
}

func jsonKind(goType string) string {
	switch {
	case goType == "string", strings.HasSuffix(goType, "Money"), strings.HasSuffix(goType, "UUID"):
		return "string"
	case goType == "bool":
		return "boolean"
	case strings.HasPrefix(goType, "[]"):
		return "array"
	case strings.HasPrefix(goType, "int"), strings.HasPrefix(goType, "uint"), strings.HasPrefix(goType, "float"):
		return "number"
	default:
		return "object"
	}
}
