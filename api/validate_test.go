package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"
	"github.com/pb33f/libopenapi-validator/config"
	verrors "github.com/pb33f/libopenapi-validator/errors"
	"github.com/stretchr/testify/require"

	"github.com/fapiao/fapiao/api"
)

// The contract check: every exchange of the black-box tests (testServer.do)
// is validated against the server's own /openapi.json with
// libopenapi-validator, the request and the answer.
var contract struct {
	once sync.Once
	mu   sync.Mutex // the validator's caches are not documented as safe for concurrent use
	v    validator.Validator
	err  error
}

// servedDocument is the /openapi.json a server answers.
func servedDocument(t testing.TB) []byte {
	t.Helper()
	srv := httptest.NewServer(api.New(api.Config{Logger: quiet, Tokens: &api.Tokens{}}))
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/openapi.json")
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return raw
}

// newContractValidator builds a validator of spec, formats asserted.
func newContractValidator(spec []byte) (validator.Validator, error) {
	doc, err := libopenapi.NewDocument(spec)
	if err != nil {
		return nil, err
	}
	v, errs := validator.NewValidator(doc, config.WithFormatAssertions())
	if len(errs) > 0 {
		return nil, fmt.Errorf("validator: %v", errs)
	}
	return v, nil
}

func contractValidator(t testing.TB) validator.Validator {
	t.Helper()
	contract.once.Do(func() { contract.v, contract.err = newContractValidator(servedDocument(t)) })
	require.NoError(t, contract.err)
	return contract.v
}

// exchangeViolations validates one exchange against v. A request the
// document does not allow must be refused (4xx): the server and the
// document agree on what is malformed. The answer must always be one the
// document describes, except where no operation can be found (unknown
// routes and methods, paths an attacker wrote), whose answer is a 401, 404
// or 405 problem.
func exchangeViolations(v validator.Validator, req *http.Request, body []byte, r response) []string {
	// The console (/console/) is not part of the API, and OPTIONS is
	// Echo's own answer (Allow), outside the document.
	if req.Method == http.MethodOptions || req.URL.Path == "/console" || strings.HasPrefix(req.URL.Path, "/console/") {
		return nil
	}
	vreq := req.Clone(req.Context())
	if req.URL.Opaque != "" {
		// testServer.raw writes the path verbatim as //host/path.
		u, err := url.Parse(req.URL.Scheme + ":" + req.URL.Opaque)
		if err != nil {
			return []string{err.Error()}
		}
		vreq.URL = u
	}
	vreq.Body = io.NopCloser(bytes.NewReader(body))
	vresp := &http.Response{StatusCode: r.Status, Header: r.Header, Body: io.NopCloser(bytes.NewReader(r.Body)), Request: vreq}

	contract.mu.Lock()
	reqOK, reqErrs := v.ValidateHttpRequestSync(vreq)
	vreq.Body = io.NopCloser(bytes.NewReader(body))
	respOK, respErrs := v.ValidateHttpResponse(vreq, vresp)
	contract.mu.Unlock()

	var out []string
	if !reqOK && r.Status < 400 {
		out = append(out, "the server accepted a request the document refuses: "+describe(reqErrs))
	}
	if !respOK {
		if noOperation(respErrs) && (r.Status == 401 || r.Status == 404 || r.Status == 405) {
			return out
		}
		out = append(out, "the answer is not one the document describes: "+describe(respErrs))
	}
	return out
}

func noOperation(errs []*verrors.ValidationError) bool {
	for _, e := range errs {
		if e.ValidationType != "path" && e.ValidationSubType != "missingOperation" && e.ValidationType != "paths" {
			return false
		}
	}
	return true
}

func describe(errs []*verrors.ValidationError) string {
	var b strings.Builder
	for _, e := range errs {
		fmt.Fprintf(&b, "\n  [%s/%s] %s: %s", e.ValidationType, e.ValidationSubType, e.Message, e.Reason)
		for _, se := range e.SchemaValidationErrors {
			fmt.Fprintf(&b, "\n    %s at %s (%s)", se.Reason, se.FieldPath, se.KeywordLocation)
		}
	}
	return b.String()
}

// TestValidatorCatchesARenamedField proves the contract check has teeth:
// in a copy of the document one answer field is renamed, and the same
// exchanges that pass the served document fail that copy.
func TestValidatorCatchesARenamedField(t *testing.T) {
	s := newTestServer(t)
	seed := s.seed()
	cases := []struct {
		schema, field, path, token string
	}{
		{"Invoice", "amount", "/v1/accounts/acc-1/invoices/" + seed.invoiceID, tokCustomer},
		{"Invoiceable", "total", "/v1/accounts/acc-1/invoiceable", tokCustomer},
		{"Address", "postal_code", "/v1/accounts/acc-1/addresses", tokCustomer},
		{"Problem", "status", "/v1/accounts/acc-1/invoices/00000000-0000-4000-8000-000000000009", tokCustomer},
	}
	for _, tc := range cases {
		t.Run(tc.schema+"."+tc.field, func(t *testing.T) {
			spec := renamedField(t, servedDocument(t), tc.schema, tc.field, tc.field+"_renamed")
			renamed, err := newContractValidator(spec)
			require.NoError(t, err)
			req, err := http.NewRequest(http.MethodGet, s.url+tc.path, nil)
			require.NoError(t, err)
			req.Header.Set("Authorization", "Bearer "+tc.token)
			r := s.do(req) // passes the served document (do checks it)
			violations := exchangeViolations(renamed, req, nil, r)
			require.NotEmpty(t, violations, "a document renaming %s.%s still accepts %s", tc.schema, tc.field, r.Body)
			require.Contains(t, strings.Join(violations, "\n"), "answer is not one the document describes")
		})
	}
}

// renamedField renames a property of a component schema, in its
// properties and its required list.
func renamedField(t *testing.T, spec []byte, schema, from, to string) []byte {
	t.Helper()
	var doc map[string]any
	require.NoError(t, json.Unmarshal(spec, &doc))
	sc := doc["components"].(map[string]any)["schemas"].(map[string]any)[schema].(map[string]any)
	props := sc["properties"].(map[string]any)
	require.Contains(t, props, from)
	props[to] = props[from]
	delete(props, from)
	req, _ := sc["required"].([]any)
	for i, name := range req {
		if name == from {
			req[i] = to
		}
	}
	out, err := json.Marshal(doc)
	require.NoError(t, err)
	return out
}
