package api_test

import (
	"encoding/json"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fapiao/fapiao/api"
)

var echoParam = regexp.MustCompile(`:([a-z]+)`)

// documentedOperations fetches /openapi.json and lists "METHOD /path" for
// every operation it documents.
func documentedOperations(t *testing.T) []string {
	t.Helper()
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	require.NoError(t, json.Unmarshal(servedDocument(t), &doc))
	require.Equal(t, "3.1.0", doc.OpenAPI)
	var ops []string
	for path, item := range doc.Paths {
		for method := range item {
			ops = append(ops, strings.ToUpper(method)+" "+path)
		}
	}
	slices.Sort(ops)
	return ops
}

// TestOpenAPIListsEveryRoute proves the document and the router agree: the
// set of (method, path) Echo serves, console aside, is the set documented.
func TestOpenAPIListsEveryRoute(t *testing.T) {
	e := api.New(api.Config{Logger: quiet, Tokens: &api.Tokens{}, Console: http.NotFoundHandler()})
	var served []string
	for _, r := range e.Routes() {
		if r.Path == "/console" || strings.HasPrefix(r.Path, "/console/") {
			continue
		}
		served = append(served, r.Method+" "+echoParam.ReplaceAllString(r.Path, "{$1}"))
	}
	slices.Sort(served)
	served = slices.Compact(served)
	require.Equal(t, documentedOperations(t), served)
}

// TestOpenAPIOperationsAreComplete checks each /v1 operation documents its
// parameters, its problem answers and, for commands, its body and the
// Fapiao-Position header.
func TestOpenAPIOperationsAreComplete(t *testing.T) {
	var doc struct {
		Paths map[string]map[string]struct {
			Parameters  []map[string]any          `json:"parameters"`
			RequestBody map[string]any            `json:"requestBody"`
			Responses   map[string]map[string]any `json:"responses"`
		} `json:"paths"`
		Components struct {
			Schemas map[string]any `json:"schemas"`
		} `json:"components"`
	}
	require.NoError(t, json.Unmarshal(servedDocument(t), &doc))
	refs := regexp.MustCompile(`"#/components/schemas/([A-Za-z]+)"`)
	for path, item := range doc.Paths {
		if !strings.HasPrefix(path, "/v1") {
			continue
		}
		for method, op := range item {
			name := method + " " + path
			names := map[string]bool{}
			for _, p := range op.Parameters {
				if n, ok := p["name"].(string); ok {
					names[n] = true
				} else if r, ok := p["$ref"].(string); ok {
					names[r] = true
				}
			}
			for _, m := range regexp.MustCompile(`\{([a-z]+)\}`).FindAllStringSubmatch(path, -1) {
				require.True(t, names[m[1]], "%s: path parameter %s", name, m[1])
			}
			for _, status := range []string{"400", "401", "403", "404"} {
				require.Contains(t, op.Responses, status, name)
			}
			if method != "get" && method != "head" {
				require.Contains(t, op.Responses, "409", name)
				require.Contains(t, op.Responses, "422", name)
				if method != "delete" {
					require.NotNil(t, op.RequestBody, "%s: request body", name)
				}
			}
			raw, _ := json.Marshal(op)
			for _, m := range refs.FindAllStringSubmatch(string(raw), -1) {
				require.Contains(t, doc.Components.Schemas, m[1], "%s refers to a missing schema", name)
			}
		}
	}
}

// TestOpenAPIOperationIDsAreUnique: OpenAPI 3 requires every operationId to
// be unique; GET …/invoices and GET …/invoices/{id} once shared one, which
// made the document invalid for code generators and validators.
func TestOpenAPIOperationIDsAreUnique(t *testing.T) {
	var doc struct {
		Paths map[string]map[string]struct {
			OperationID string `json:"operationId"`
		} `json:"paths"`
	}
	require.NoError(t, json.Unmarshal(servedDocument(t), &doc))
	seen := map[string]string{}
	for path, item := range doc.Paths {
		for method, op := range item {
			name := strings.ToUpper(method) + " " + path
			require.NotEmpty(t, op.OperationID, name)
			other, dup := seen[op.OperationID]
			require.False(t, dup, "operationId %q of %s is also %s's", op.OperationID, name, other)
			seen[op.OperationID] = name
		}
	}
}
