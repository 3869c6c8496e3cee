package api

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/fapiao/fapiao/domain"
	"github.com/labstack/echo/v4"
)

type obj = map[string]any

// openAPIDocument builds the OpenAPI 3.1 document from operations and the
// schemas below.
func openAPIDocument() obj {
	paths := obj{}
	for _, op := range operations {
		item, _ := paths[op.path].(obj)
		if item == nil {
			item = obj{}
			paths[op.path] = item
		}
		item[strings.ToLower(op.method)] = op.document()
	}
	for _, item := range paths {
		if get, ok := item.(obj)["get"].(obj); ok {
			item.(obj)["head"] = headOf(get)
		}
	}
	paths["/healthz"] = obj{"get": opsOperation("Liveness", "Health")}
	paths["/readyz"] = obj{"get": opsOperation("Readiness: store reachable, projections caught up; 503 otherwise", "Ready")}
	paths["/openapi.json"] = obj{"get": obj{"summary": "This document", "operationId": "openapi", "tags": []string{"operations"}, "security": []any{},
		"responses": obj{"200": obj{"description": "OpenAPI 3.1", "content": obj{"application/json": obj{"schema": obj{"type": "object"}}}}}}}
	for _, path := range []string{"/healthz", "/readyz", "/openapi.json"} {
		paths[path].(obj)["head"] = headOf(paths[path].(obj)["get"].(obj))
	}
	return obj{
		"openapi": "3.1.0",
		"info": obj{"title": "fapiao", "version": "1.0.0",
			"description": "The fapiao invoicing ledger. Rules are named by their DOMAIN.md IDs. A customer naming another account gets 404; a role calling what it may not gets 403."},
		"servers":  []obj{{"url": "/"}},
		"security": []obj{{"bearer": []string{}}},
		"paths":    paths,
		"components": obj{
			"securitySchemes": obj{"bearer": obj{"type": "http", "scheme": "bearer"}},
			"schemas":         schemas(),
			"responses":       problemResponses(),
			"parameters": obj{
				"IdempotencyKey": obj{"name": "Idempotency-Key", "in": "header", "required": false,
					"description": "Retries with the same key and body return the first result (APP-6); another body is 409.",
					"schema":      obj{"type": "string", "maxLength": 255, "pattern": "^[\\x20-\\x7E]*$"}},
				"MinPosition": obj{"name": "Fapiao-Min-Position", "in": "header", "required": false,
					"description": "Wait (at most 5 s, then 503) until the read model reached this log position.",
					"schema":      obj{"type": "integer", "minimum": 0}},
			},
			"headers": obj{
				"FapiaoPosition": obj{"description": "The log position of the command's last event.", "schema": obj{"type": "integer"}},
			},
		},
	}
}

// headOf documents HEAD beside a GET (RFC 9110): the GET's parameters and
// statuses, with headers and no content.
func headOf(get obj) obj {
	head := obj{}
	for k, v := range get {
		head[k] = v
	}
	head["operationId"] = "head" + strings.TrimPrefix(get["operationId"].(string), "get")
	if !strings.HasPrefix(get["operationId"].(string), "get") {
		head["operationId"] = "head" + strings.ToUpper(get["operationId"].(string)[:1]) + get["operationId"].(string)[1:]
	}
	head["summary"] = "Headers of: " + get["summary"].(string)
	responses := obj{}
	for status := range get["responses"].(obj) {
		code, _ := strconv.Atoi(status)
		responses[status] = obj{"description": http.StatusText(code)}
	}
	head["responses"] = responses
	return head
}

var pathParam = regexp.MustCompile(`\{([a-z]+)\}`)

func (op opDoc) document() obj {
	params := []any{}
	for _, m := range pathParam.FindAllStringSubmatch(op.path, -1) {
		params = append(params, pathParameter(m[1]))
	}
	for _, q := range op.query {
		params = append(params, obj{"name": q.name, "in": "query", "required": q.required, "description": q.description, "schema": querySchema(q)})
	}
	for _, h := range op.header {
		params = append(params, obj{"name": h.name, "in": "header", "required": h.required, "description": h.description, "schema": querySchema(h)})
	}
	command := op.method != http.MethodGet
	if command {
		params = append(params, ref("parameters", "IdempotencyKey"))
	} else {
		params = append(params, ref("parameters", "MinPosition"))
	}
	doc := obj{
		"summary":     op.summary,
		"description": "Roles: " + op.roles + ".",
		"operationId": operationID(op),
		"tags":        []string{tagOf(op.path)},
		"parameters":  params,
	}
	if op.body != "" {
		doc["requestBody"] = obj{"required": !op.bodyOptional,
			"content": obj{"application/json": obj{"schema": ref("schemas", op.body)}}}
	}
	responses := obj{}
	for _, status := range append([]int{op.status}, op.also...) {
		r := obj{"description": http.StatusText(status)}
		switch {
		case op.media != "":
			r["content"] = obj{op.media: obj{"schema": obj{"type": "string"}}}
		case op.resp != "":
			r["content"] = obj{"application/json": obj{"schema": ref("schemas", op.resp)}}
		}
		if command {
			r["headers"] = obj{"Fapiao-Position": ref("headers", "FapiaoPosition")}
		}
		responses[strconv.Itoa(status)] = r
	}
	errs := []int{400, 401, 403, 404, 429, 500, 503}
	if command {
		errs = append(errs, 409, 413, 415, 422)
	}
	for _, status := range errs {
		responses[strconv.Itoa(status)] = ref("responses", problemName(status))
	}
	doc["responses"] = responses
	return doc
}

func pathParameter(name string) obj {
	p := obj{"name": name, "in": "path", "required": true}
	switch name {
	case "acc":
		p["description"] = "Account ID"
		p["schema"] = accountIDSchema()
	case "month":
		p["description"] = "YYYY-MM"
		p["schema"] = monthSchema()
	default:
		p["schema"] = obj{"type": "string", "format": "uuid"}
	}
	return p
}

func querySchema(q queryDoc) obj {
	switch q.typ {
	case "limit":
		return obj{"type": "integer", "minimum": 1, "maximum": q.max, "default": q.def}
	case "integer":
		return obj{"type": "integer", "minimum": 0}
	case "date-time":
		return obj{"type": "string", "format": "date-time"}
	case "month":
		return monthSchema()
	case "account-id":
		return accountIDSchema()
	case "invoice-status":
		return enumOf(domain.InvoiceStatuses())
	}
	return obj{"type": "string"}
}

func operationID(op opDoc) string {
	var b strings.Builder
	b.WriteString(strings.ToLower(op.method))
	parts := strings.Split(op.path, "/")[2:]
	for _, part := range parts {
		if strings.HasPrefix(part, "{") {
			continue
		}
		for _, w := range strings.Split(part, "-") {
			b.WriteString(strings.ToUpper(w[:1]) + w[1:])
		}
	}
	// An item path ends in its ID: without a suffix GET …/invoices/{id}
	// would share the collection's ID, which OpenAPI forbids.
	if last := parts[len(parts)-1]; strings.HasPrefix(last, "{") && last != "{acc}" {
		b.WriteString("ById")
	}
	return b.String()
}

func tagOf(path string) string {
	switch {
	case strings.Contains(path, "/invoices"):
		return "invoices"
	case strings.Contains(path, "/title"):
		return "titles"
	case strings.Contains(path, "/addresses"):
		return "addresses"
	case strings.HasPrefix(path, "/v1/checkpoint"), strings.HasPrefix(path, "/v1/proofs"):
		return "transparency"
	case strings.Contains(path, "/events"), strings.Contains(path, "/reconciliation"):
		return "audit"
	}
	return "statements"
}

func opsOperation(summary, schema string) obj {
	return obj{"summary": summary, "operationId": strings.ToLower(schema), "tags": []string{"operations"}, "security": []any{},
		"responses": obj{
			"200": obj{"description": "OK", "content": obj{"application/json": obj{"schema": schemaRef(schema)}}},
			"503": ref("responses", problemName(503)),
		}}
}

func ref(kind, name string) obj { return obj{"$ref": "#/components/" + kind + "/" + name} }

func problemName(status int) string {
	return "Problem" + strconv.Itoa(status)
}

func problemResponses() obj {
	out := obj{}
	for _, status := range []int{400, 401, 403, 404, 409, 413, 415, 422, 429, 500, 503} {
		out[problemName(status)] = obj{
			"description": http.StatusText(status) + " (RFC 9457 problem)",
			"content":     obj{"application/problem+json": obj{"schema": ref("schemas", "Problem")}},
		}
	}
	return out
}

var (
	openAPIOnce sync.Once
	openAPIJSON []byte
)

// openAPI serves the document, built once.
func (s *server) openAPI(c echo.Context) error {
	openAPIOnce.Do(func() {
		var err error
		openAPIJSON, err = json.MarshalIndent(openAPIDocument(), "", "  ")
		if err != nil {
			panic(err) // the document is built from literals: this is a bug
		}
	})
	return blob(c, http.StatusOK, openAPIJSON)
}
