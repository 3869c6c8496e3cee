package api_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// hostileStatement is a statement body whose first line's amount is
// replaced by amount, written verbatim (it may not be a JSON string).
func hostileStatement(amount string) string {
	return `{"month": "2026-08", "lines": [{"line_id": "a", "product": "p", "billing_mode": "prepaid",
 "purchased_at": "2026-08-01", "channel": "kingsoft", "amount": ` + amount + `, "voucher": "0.00", "coupon": "0.00", "gift_balance": "0.00"}]}`
}

// hostileTitle is a title body with name written verbatim.
func hostileTitle(name string) string {
	return `{"type": "vat_general", "holder": "individual", "name": ` + name + `}`
}

// hostileAddress is an address body with recipient written verbatim.
func hostileAddress(recipient string) string {
	return `{"recipient": ` + recipient + `, "phone": "13800138000", "province": "Beijing", "city": "Beijing",
 "street": "1 Zhongguancun Street", "postal_code": "100080"}`
}

// TestHostileInput sends what an attacker or a broken client would, end to
// end over a loopback server: every answer must be a 4xx problem+json, and
// nothing may be written to the log.
func TestHostileInput(t *testing.T) {
	s := newTestServer(t)
	seed := s.seed()
	const (
		statements = "/v1/accounts/acc-1/statements"
		title      = "/v1/accounts/acc-2/title" // acc-2 has no title yet: a valid one would be accepted
		addresses  = "/v1/accounts/acc-1/addresses"
	)
	tokenFor := map[string]string{statements: tokBilling, title: tokCustomer2, addresses: tokCustomer}
	long := strings.Repeat("字", 10_000)
	deep := strings.Repeat(`{"a":`, 10_000) + "1" + strings.Repeat("}", 10_000)
	deepArray := `{"statements": ` + strings.Repeat("[", 10_000) + strings.Repeat("]", 10_000) + `}`
	inv := "/v1/accounts/acc-1/invoices/" + seed.invoiceID

	cases := []struct {
		name, method, path, token string
		body                      string
		contentType               string
		code                      string // when set: 400 with this rule code
	}{
		{name: "truncated JSON", path: title, body: `{"type": "vat_general", "holder": `},
		{name: "not JSON at all", path: title, body: `<xml/>`},
		{name: "JSON null", path: title, body: `null`},
		{name: "JSON string", path: title, body: `"hello"`},
		{name: "name is a number", path: title, body: hostileTitle(`7`)},
		{name: "name is an object", path: title, body: hostileTitle(`{"first": "Zhang"}`)},
		{name: "name is null", path: title, body: hostileTitle(`null`)},
		{name: "unknown field", path: title, body: `{"type": "vat_general", "holder": "individual", "name": "x", "admin": true}`},
		{name: "duplicate key", path: title, body: `{"type": "vat_general", "holder": "individual", "holder": "company", "name": "x"}`},
		{name: "duplicate key, nested", path: statements, body: strings.Replace(hostileStatement(`"1.00"`), `"product": "p"`, `"product": "p", "product": "q"`, 1)},
		{name: "amount with exponent", path: statements, body: hostileStatement(`"1e3"`)},
		{name: "amount as a JSON number", path: statements, body: hostileStatement(`100.00`)},
		{name: "amount with three decimals", path: statements, body: hostileStatement(`"1.005"`)},
		{name: "negative amount", path: statements, body: hostileStatement(`"-1.00"`)},
		{name: "40-digit amount", path: statements, body: hostileStatement(`"` + strings.Repeat("9", 40) + `"`)},
		{name: "amount with spaces", path: statements, body: hostileStatement(`" 1.00"`)},
		{name: "amount NaN", path: statements, body: hostileStatement(`"NaN"`)},
		{name: "amount Infinity", path: statements, body: hostileStatement(`"Infinity"`)},
		{name: "amount with a plus", path: statements, body: hostileStatement(`"+1.00"`)},
		{name: "amount hexadecimal", path: statements, body: hostileStatement(`"0x10"`)},
		{name: "amount with full-width digits", path: statements, body: hostileStatement(`"１.00"`)},
		{name: "NUL in a name", path: title, body: hostileTitle(`"Zhang\u0000San"`)},
		{name: "bell in a name", path: title, body: hostileTitle(`"Zhang\u0007San"`)},
		{name: "newline in a name", path: title, body: hostileTitle(`"Zhang\nSan"`)},
		{name: "escape sequence in a name", path: title, body: hostileTitle(`"\u001b[31mZhang"`)},
		{name: "DEL in a name", path: title, body: hostileTitle(`"Zhang\u007fSan"`)},
		{name: "C1 control in a name", path: title, body: hostileTitle(`"Zhang\u0085San"`)},
		{name: "right-to-left override in a name", path: title, body: hostileTitle(`"Zhang\u202eSan"`)},
		{name: "bidi isolate in a recipient", path: addresses, body: hostileAddress(`"Zhang\u2067San"`)},
		{name: "zero-width space in a name", path: title, body: hostileTitle(`"Zhang\u200bSan"`)},
		{name: "lone surrogate in a name", path: title, body: hostileTitle(`"Zhang\ud800San"`)},
		{name: "10k-character name", path: title, body: hostileTitle(`"` + long + `"`)},
		{name: "10k-character recipient", path: addresses, body: hostileAddress(`"` + long + `"`)},
		{name: "blank name", path: title, body: hostileTitle(`"   "`)},
		{name: "deeply nested object", path: title, body: deep},
		{name: "deeply nested array", path: "/v1/accounts/acc-1/invoices", token: tokCustomer, body: deepArray},
		{name: "non-UTF-8 bytes in a name", path: title, body: hostileTitle("\"Zhang\xff\xfeSan\"")},
		{name: "non-UTF-8 bytes outside strings", path: title, body: "{\xff}"},
		{name: "byte order mark", path: title, body: "\ufeff" + hostileTitle(`"x"`)},
		{name: "text/plain", path: title, body: hostileTitle(`"x"`), contentType: "text/plain"},
		{name: "form encoded", path: title, body: "type=vat_general", contentType: "application/x-www-form-urlencoded"},
		{name: "JSON with a foreign charset", path: title, body: hostileTitle(`"x"`), contentType: "application/json; charset=utf-16"},
		{name: "no content type", path: title, body: hostileTitle(`"x"`), contentType: "-"},
		{name: "dot-dot in the account", method: "GET", path: "/v1/accounts/../invoices", token: tokFinance},
		{name: "dot-dot to another tenant", method: "GET", path: "/v1/accounts/acc-1/../acc-2/title", token: tokCustomer},
		{name: "encoded slash in the account", method: "GET", path: "/v1/accounts/acc-2%2F..%2Facc-1/title", token: tokCustomer2},
		{name: "encoded slash in a command's account", path: "/v1/accounts/acc-1%2Fx/addresses", token: tokCustomer, body: hostileAddress(`"x"`)},
		{name: "encoded dot-dot in the invoice", method: "GET", path: "/v1/accounts/acc-1/invoices/%2E%2E%2F" + seed.invoiceID, token: tokCustomer},
		{name: "overlong account", method: "GET", path: "/v1/accounts/" + strings.Repeat("a", 5000) + "/title", token: tokFinance},
		{name: "overlong invoice ID", path: "/v1/accounts/acc-1/invoices/" + strings.Repeat("9", 5000) + "/cancel", token: tokCustomer},
		{name: "UUID with braces", path: "/v1/accounts/acc-1/invoices/{" + seed.invoiceID + "}/cancel", token: tokCustomer},
		{name: "UUID as URN", method: "GET", path: "/v1/accounts/acc-1/invoices/urn:uuid:" + seed.invoiceID, token: tokCustomer},
		{name: "non-UTF-8 account", method: "GET", path: "/v1/accounts/acc%FF/title", token: tokFinance},
		{name: "NUL in the account", method: "GET", path: "/v1/accounts/acc-1%00/title", token: tokFinance},
		{name: "unknown statement month form", path: "/v1/accounts/acc-1/invoices", token: tokCustomer,
			body: `{"statements": ["2026-9"], "address_id": "` + seed.addressID + `", "agree": true}`},
		{name: "address ID not a UUID", path: "/v1/accounts/acc-1/invoices", token: tokCustomer,
			body: `{"statements": ["2026-10"], "address_id": "../` + seed.addressID + `", "agree": true}`},
		{name: "agree as a string", path: "/v1/accounts/acc-1/invoices", token: tokCustomer,
			body: `{"statements": ["2026-10"], "address_id": "` + seed.addressID + `", "agree": "true"}`},
		{name: "cancel with unknown field", path: inv + "/cancel", token: tokCustomer, body: `{"ticket": "t", "force": true}`},
		// Names that print as nothing or as something else (TITLE-1, ADDR-1).
		{name: "soft hyphen in a name", path: title, body: hostileTitle(`"Zhang\u00adSan"`), code: "TITLE-1"},
		{name: "word joiner in a name", path: title, body: hostileTitle(`"Zhang\u2060San"`), code: "TITLE-1"},
		{name: "zero-width joiner in a name", path: title, body: hostileTitle(`"Zhang\u200dSan"`), code: "TITLE-1"},
		{name: "tag characters in a name", path: title, body: hostileTitle(`"Zhang\udb40\udc41\udb40\udc7f"`), code: "TITLE-1"},
		{name: "private-use character in a name", path: title, body: hostileTitle(`"Zhang\ue000"`), code: "TITLE-1"},
		{name: "unassigned code point in a name", path: title, body: hostileTitle(`"Zhang\ud8bf\udffd"`), code: "TITLE-1"},
		{name: "name of hangul fillers", path: title, body: hostileTitle(`"\u3164\u3164"`), code: "TITLE-1"},
		{name: "name of halfwidth hangul fillers", path: title, body: hostileTitle(`"\uffa0"`), code: "TITLE-1"},
		{name: "name of braille blanks", path: title, body: hostileTitle(`"\u2800\u2800"`), code: "TITLE-1"},
		{name: "name of fillers and spaces", path: title, body: hostileTitle(`" \u3164 \u2800 "`), code: "TITLE-1"},
		{name: "soft hyphen in a recipient", path: addresses, body: hostileAddress(`"Li\u00adSi"`), code: "ADDR-1"},
		{name: "recipient of hangul fillers", path: addresses, body: hostileAddress(`"\u3164"`), code: "ADDR-1"},
		{name: "tag characters in a recipient", path: addresses, body: hostileAddress(`"Li Si\udb40\udc20"`), code: "ADDR-1"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := s.store.LastPosition()
			method := tc.method
			if method == "" {
				method = "POST"
			}
			token := tc.token
			if token == "" {
				token = tokenFor[tc.path]
			}
			r := s.raw(method, tc.path, token, tc.body, tc.contentType)
			require.GreaterOrEqual(t, r.Status, 400, "%s", r.Body)
			require.Less(t, r.Status, 500, "%s", r.Body)
			requireProblem(t, r, r.Status)
			if tc.code != "" {
				require.Equal(t, http.StatusBadRequest, r.Status, "%s", r.Body)
				require.Equal(t, tc.code, r.JSON(t)["code"], "%s", r.Body)
			}
			require.Equal(t, before, s.store.LastPosition(), "nothing written")
		})
	}
	// The same endpoints accept well-formed bodies: the refusals above were
	// for the hostile part, not for the endpoint.
	s.must(201, "POST", title, tokCustomer2, hostileTitle(`"Zhang San 张三"`))
	s.must(201, "POST", addresses, tokCustomer, hostileAddress(`"Li Si"`))
	s.must(201, "POST", statements, tokBilling, hostileStatement(`"1000000000000000.00"`))
}

// raw sends body verbatim with contentType ("" means application/json, "-"
// none) to a path written verbatim, escapes and all.
func (s *testServer) raw(method, path, token, body, contentType string) response {
	s.t.Helper()
	req, err := http.NewRequest(method, s.url+"/", strings.NewReader(body))
	require.NoError(s.t, err)
	// Opaque keeps the path exactly as written: no cleaning, no re-escaping.
	req.URL.Opaque = "//" + req.URL.Host + path
	switch contentType {
	case "":
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
	case "-":
	default:
		req.Header.Set("Content-Type", contentType)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return s.do(req)
}

// TestStrictDecodingJSONv2 holds the request decoder to JSON v2's
// semantics: names match exactly, so a name in another case or spelt with
// a look-alike letter is an unknown member, not a second chance at a known
// one; a name twice and invalid UTF-8 are refused. Each is a 400 naming
// the field by where the error was (its JSON Pointer), and nothing is
// written.
func TestStrictDecodingJSONv2(t *testing.T) {
	s := newTestServer(t)
	seed := s.seed()
	const statements = "/v1/accounts/acc-1/statements"
	inv := "/v1/accounts/acc-1/invoices/" + seed.invoiceID
	line := func(extra string) string {
		return `{"month": "2026-08", "lines": [{"line_id": "a", "product": "p", "billing_mode": "prepaid", "purchased_at": "2026-08-01",
 "channel": "kingsoft", "voucher": "0.00", "coupon": "0.00", "gift_balance": "0.00", ` + extra + `}]}`
	}
	cases := []struct {
		name, path, token, body, field string
	}{
		{"a name in upper case beside its own", statements, tokBilling, line(`"amount": "10.00", "AMOUNT": "99999.00"`), "lines[0].AMOUNT"},
		{"a name in another case alone", statements, tokBilling, line(`"Amount": "10.00"`), "lines[0].Amount"},
		{"a name with a long s", statements, tokBilling,
			strings.Replace(line(`"amount": "10.00"`), `"purchased_at"`, `"purchaſed_at"`, 1), "lines[0].purchaſed_at"},
		{"a name twice", statements, tokBilling, line(`"amount": "10.00", "amount": "99999.00"`), "lines[0].amount"},
		{"reason and Reason", inv + "/reject", tokFinance, `{"reason": "a", "Reason": "b"}`, "Reason"},
		{"Kelvin sign for k", "/v1/accounts/acc-1/title", tokCustomer,
			`{"type": "vat_general", "holder": "individual", "name": "x", "ban\u212a_name": "y"}`, "ban\u212a_name"},
		{"invalid UTF-8 in a value", inv + "/reject", tokFinance, "{\"reason\": \"a\xff\"}", "reason"},
		{"an amount that is not one", statements, tokBilling, line(`"amount": "1.005"`), "lines[0].amount"},
		{"a UUID that is not one", "/v1/accounts/acc-1/invoices", tokCustomer,
			`{"statements": ["2026-10"], "address_id": "not-a-uuid", "agree": true}`, "address_id"},
		{"a number for a string", inv + "/reject", tokFinance, `{"reason": 7}`, "reason"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := s.store.LastPosition()
			r := s.raw("POST", tc.path, tc.token, tc.body, "")
			p := requireProblem(t, r, http.StatusBadRequest)
			errs, _ := p["errors"].([]any)
			require.NotEmpty(t, errs, "errors[]: %s", r.Body)
			require.Equal(t, tc.field, errs[0].(map[string]any)["field"], "%s", r.Body)
			require.Equal(t, before, s.store.LastPosition(), "nothing written")
		})
	}
}
