package api

import (
	"slices"

	"github.com/fapiao/fapiao/domain"
)

// Schema helpers keep the component list readable.
func object(required []string, props obj) obj {
	o := obj{"type": "object", "properties": props, "additionalProperties": false}
	if len(required) > 0 {
		o["required"] = required
	}
	return o
}

func str() obj                     { return obj{"type": "string"} }
func strEnum(values ...string) obj { return obj{"type": "string", "enum": values} }
func strPattern(p string) obj      { return obj{"type": "string", "pattern": p} }
func dateTime() obj                { return obj{"type": "string", "format": "date-time"} }
func uuidSchema() obj              { return obj{"type": "string", "format": "uuid"} }
func boolean() obj                 { return obj{"type": "boolean"} }
func arrayOf(items obj) obj        { return obj{"type": "array", "items": items} }
func schemaRef(name string) obj    { return ref("schemas", name) }
func nullable(o obj) obj           { return obj{"oneOf": []any{o, obj{"type": "null"}}} }
func money() obj                   { return schemaRef("Money") }
func listOfSchema(item string) obj {
	return object([]string{"items"}, obj{"items": arrayOf(schemaRef(item))})
}
func responseObject(props obj) obj { return obj{"type": "object", "properties": props} }

// strictObject is an answer's object schema: every property but the optional
// ones is required (the server always sends it) and no other member may
// appear, so a renamed or dropped field fails the validation every
// black-box test runs (validate_test.go).
func strictObject(props obj, optional ...string) obj {
	var required []string
	for name := range props {
		if !slices.Contains(optional, name) {
			required = append(required, name)
		}
	}
	slices.Sort(required)
	return object(required, props)
}

// titleOptional and addressOptional are the fields a title or an address
// may leave out (omitempty in wire.go).
var (
	titleOptional   = []string{"taxpayer_id", "registered_address", "registered_phone", "bank_name", "bank_account"}
	addressOptional = []string{"district"}
)

func base64Hash() obj {
	return obj{"type": "string", "format": "byte", "minLength": 44, "maxLength": 44}
}
func monthSchema() obj     { return strPattern(domain.MonthPattern) }
func accountIDSchema() obj { return strPattern(domain.AccountIDPattern) }

// enumOf is the string schema of one of package domain's enum lists.
func enumOf[T ~string](values []T) obj { return strEnum(domain.Names(values)...) }

var titleProps = obj{
	"type":               enumOf(domain.TitleTypes()),
	"holder":             enumOf(domain.Holders()),
	"name":               str(),
	"taxpayer_id":        str(),
	"registered_address": str(),
	"registered_phone":   str(),
	"bank_name":          str(),
	"bank_account":       str(),
}

var addressProps = obj{
	"recipient":   str(),
	"phone":       str(),
	"province":    str(),
	"city":        str(),
	"district":    str(),
	"street":      str(),
	"postal_code": strPattern("^[0-9]{6}$"),
}

func with(base obj, extra obj) obj {
	out := obj{}
	for k, v := range base {
		out[k] = v
	}
	for k, v := range extra {
		out[k] = v
	}
	return out
}

func schemas() obj {
	balanceParts := obj{"kingsoft": money(), "marketplace": money(), "merchant": money(), "offline": money(), "deductions": money()}
	taxLine := strictObject(obj{"count": obj{"type": "integer", "minimum": 0}, "amount": money(), "net": money(), "tax": money()})
	slaItem := strictObject(obj{
		"account": str(), "invoice_id": uuidSchema(), "status": enumOf(domain.InvoiceStatuses()), "requested_at": dateTime(),
		"sla_due": obj{"type": "string", "format": "date"}, "shipped_at": dateTime(), "return_requested_at": dateTime(),
	}, "sla_due", "shipped_at", "return_requested_at")
	recProblem := strictObject(obj{"code": str(), "account": str(), "detail": str()}, "account")
	return with(with(einvoiceSchemas(), deficitSchemas()), obj{
		"Money": obj{"type": "string", "pattern": "^(0|[1-9][0-9]{0,15})(\\.[0-9]{1,2})?$", "description": "CNY, a string with two decimals", "examples": []string{"1234.50"}},
		"Problem": strictObject(obj{
			"type":  obj{"type": "string", "format": "uri", "description": "one URI per kind of problem: …/problems/<RULE-ID> (422) and …/problems/<RULE-ID>/field (400) for a broken rule"},
			"title": str(), "status": obj{"type": "integer"}, "detail": str(),
			"code":   obj{"type": "string", "description": "the DOMAIN.md rule ID"},
			"errors": arrayOf(object([]string{"field", "message"}, obj{"field": str(), "message": str()})),
		}, "detail", "code", "errors"),
		"Health":      strictObject(obj{"status": strEnum("ok")}),
		"Ready":       strictObject(obj{"status": strEnum("ready"), "position": obj{"type": "integer", "minimum": 0, "description": "the operations listener's /readyz only"}}, "position"),
		"Empty":       object(nil, obj{}),
		"Invoiceable": strictObject(with(balanceParts, obj{"total": money(), "deficit": obj{"$ref": "#/components/schemas/Money", "description": "what the account's invoices owe after refunds (DEF-3); total is zero while it is above zero"}})),
		"StatementLine": object([]string{"line_id", "product", "billing_mode", "purchased_at", "channel", "amount", "voucher", "coupon", "gift_balance"}, obj{
			"line_id": str(), "product": str(), "billing_mode": enumOf(domain.BillingModes()),
			"purchased_at": obj{"type": "string", "format": "date"}, "channel": enumOf(domain.Channels()),
			"merchant": str(), "amount": money(), "voucher": money(), "coupon": money(), "gift_balance": money(),
		}),
		"StatementInput": object([]string{"month", "lines"}, obj{"month": monthSchema(), "lines": arrayOf(schemaRef("StatementLine"))}),
		"StatementItem": strictObject(with(with(balanceParts, statementDeficitProps()), obj{
			"month": monthSchema(), "status": enumOf(domain.StatementStatuses()), "invoiceable": money(), "invoice_id": nullable(uuidSchema()),
		})),
		"Statement": strictObject(with(with(balanceParts, statementDeficitProps()), obj{
			"month": monthSchema(), "status": enumOf(domain.StatementStatuses()), "invoiceable": money(), "invoice_id": nullable(uuidSchema()),
			"posted_at": dateTime(), "lines": arrayOf(schemaRef("StatementLine")),
		})),
		"StatementList": listOfSchema("StatementItem"),
		"TitleInput":    object([]string{"type", "holder", "name"}, titleProps),
		"Title": strictObject(with(titleProps, obj{
			"id": uuidSchema(), "status": enumOf(domain.TitleStatuses()), "reason": str(), "submitted_at": dateTime(),
		}), append([]string{"reason"}, titleOptional...)...),
		"Reason":       object([]string{"reason"}, obj{"reason": str()}),
		"ClearTitle":   object([]string{"reason", "ticket"}, obj{"reason": str(), "ticket": str()}),
		"AddressInput": object([]string{"recipient", "phone", "province", "city", "street", "postal_code"}, with(addressProps, obj{"default": boolean()})),
		"Address":      strictObject(with(addressProps, obj{"id": uuidSchema(), "default": boolean()}), addressOptional...),
		"AddressList":  listOfSchema("Address"),
		"InvoiceRequest": object([]string{"statements", "agree"}, obj{
			"statements": arrayOf(monthSchema()), "agree": boolean(),
			"medium":     obj{"type": "string", "enum": domain.Names(domain.Media()), "default": "paper", "description": "EINV-1"},
			"address_id": obj{"type": "string", "format": "uuid", "description": "paper: required; electronic: not allowed (EINV-1)"},
			"emails":     obj{"type": "array", "items": obj{"type": "string", "format": "email", "maxLength": 254}, "minItems": 1, "maxItems": 3, "description": "electronic only: 1-3 bare addresses (EINV-1)"},
		}),
		"Cancel": object(nil, obj{"ticket": str()}),
		"Issue": object([]string{"invoice_number", "issued_on"}, obj{
			"invoice_code":   obj{"type": "string", "pattern": "^([0-9]{10}|[0-9]{12})$", "description": "paper only (ISSUE-1); an electronic invoice has none (EINV-2)"},
			"invoice_number": obj{"type": "string", "pattern": "^([0-9]{8}|[0-9]{20})$", "description": "paper: 8 digits; electronic: 20 digits starting with the issue year's last two (EINV-2)"},
			"issued_on":      obj{"type": "string", "format": "date"}, "tax_rate": obj{"type": "string", "examples": []string{"0.06"}},
		}),
		"Ship": object([]string{"courier", "tracking_number"}, obj{"courier": str(), "tracking_number": str()}),
		"ReturnRequest": object([]string{"reason"}, obj{
			"reason": str(), "certified": obj{"type": "boolean", "description": "required for a vat_special invoice (RETURN-2)"}, "red_letter_form_number": str(), "exchange": boolean(), "address_id": uuidSchema(),
		}),
		"PaperReceived": object([]string{"complete"}, obj{"complete": boolean(), "note": str()}),
		"RedFlush": object([]string{"red_invoice_number"}, obj{
			"red_invoice_code": obj{"type": "string", "description": "paper only"}, "red_invoice_number": obj{"type": "string", "description": "paper: 8 digits; electronic: 20 digits (EINV-2)"},
			"issued_on":              obj{"type": "string", "format": "date", "description": "electronic: the red invoice's date, today when absent"},
			"confirmation_id":        obj{"type": "string", "format": "uuid", "description": "electronic: the confirmed or not_required red-letter confirmation (RED-5)"},
			"amount":                 obj{"$ref": "#/components/schemas/Money", "description": "paper: a part of an issued invoice, at most what it owes (DEF-5); absent for the whole rest"},
			"red_letter_form_number": obj{"type": "string", "description": "paper, partial: the red-letter information form number (红字信息表, DEF-5)"},
		}),
		"Invoice": strictObject(with(invoiceDeficitProps(), obj{
			"id": uuidSchema(), "account_id": str(), "status": enumOf(domain.InvoiceStatuses()), "amount": money(),
			"kingsoft": money(), "marketplace": money(), "statements": arrayOf(monthSchema()),
			"title": strictObject(titleProps, titleOptional...), "address": strictObject(addressProps, addressOptional...), "requested_at": dateTime(),
			"medium": enumOf(domain.Media()), "emails": arrayOf(str()), "delivered_to": arrayOf(str()),
			"exchange_failure": strictObject(obj{"reason": str(), "code": str(), "at": dateTime()}),
			"sla_due":          obj{"type": "string", "format": "date"}, "exchange_of": uuidSchema(),
			"invoice_code": str(), "invoice_number": str(), "issued_on": obj{"type": "string", "format": "date"}, "issuer": str(),
			"tax_rate": str(), "net_amount": money(), "tax_amount": money(),
			"shipment": strictObject(obj{"courier": str(), "tracking_number": str(), "shipped_at": dateTime(), "late": boolean()}),
			"return": strictObject(obj{
				"reason": str(), "certified": obj{"type": "boolean", "description": "required for a vat_special invoice (RETURN-2)"}, "red_letter_form_number": str(), "exchange": boolean(), "address_id": uuidSchema(),
				"requested_at": dateTime(), "paper_complete": boolean(), "paper_note": str(), "rejected_reason": str(),
				"red_invoice_code": str(), "red_invoice_number": str(), "red_confirmation_id": uuidSchema(), "exchange_invoice_id": uuidSchema(),
			}, "red_letter_form_number", "address_id", "paper_complete", "paper_note", "rejected_reason", "red_invoice_code",
				"red_invoice_number", "red_confirmation_id", "exchange_invoice_id"),
			"reject_reason": str(), "cancelled_by": str(), "updated_at": dateTime(),
			"actions": arrayOf(strEnum(domain.InvoiceActions()...)),
		}), "address", "emails", "sla_due", "exchange_of", "invoice_code", "invoice_number", "issued_on", "issuer", "tax_rate",
			"net_amount", "tax_amount", "shipment", "delivered_to", "return", "exchange_failure", "deficit", "red_flushed_amount",
			"reject_reason", "cancelled_by", "raised", "offset_amount", "deficit_since", "partial_red_flushes"),
		"InvoiceList": strictObject(obj{"items": arrayOf(schemaRef("Invoice")), "next_cursor": str()}, "next_cursor"),
		"Event": strictObject(obj{
			"position": obj{"type": "integer"}, "stream": str(), "revision": obj{"type": "integer"}, "id": uuidSchema(), "type": str(),
			"data": obj{"type": "object", "description": "the event's canonical JSON, as hash-chained in the log"},
			"metadata": strictObject(obj{
				"occurred_at": dateTime(), "actor": strictObject(obj{"role": str(), "id": str()}), "correlation_id": str(), "causation_id": str(),
				"idempotency_key": str(), "request_hash": str(), "schema_version": obj{"type": "integer"}, "prev_hash": str(), "hash": str(),
			}, "correlation_id", "causation_id", "idempotency_key", "request_hash"),
		}),
		"EventList": strictObject(obj{"items": arrayOf(schemaRef("Event")), "next": obj{"type": "integer", "description": "from of the next page; absent on the last"}}, "next"),
		"InclusionProof": obj{"type": "object", "description": "RFC 6962 inclusion proof (golang.org/x/mod/sumdb/tlog): leaf_hash = SHA-256(0x00 ‖ the 32 bytes of event_hash); hashes, base64, lead from it to the root of the checkpoint of this size.",
			"required": []string{"position", "index", "size", "event_hash", "leaf_hash", "hashes"}, "properties": obj{
				"position": obj{"type": "integer"}, "index": obj{"type": "integer", "description": "the leaf: the event's place in the log, from 0"},
				"size": obj{"type": "integer"}, "event_hash": strPattern("^[0-9a-f]{64}$"), "leaf_hash": base64Hash(), "hashes": arrayOf(base64Hash()),
			}},
		"ConsistencyProof": obj{"type": "object", "description": "RFC 6962 consistency proof (golang.org/x/mod/sumdb/tlog): the tree of to events extends the tree of from.",
			"required": []string{"from", "to", "hashes"}, "properties": obj{
				"from": obj{"type": "integer"}, "to": obj{"type": "integer"}, "hashes": arrayOf(base64Hash()),
			}},
		"Reconciliation": strictObject(obj{
			"month": monthSchema(), "as_of": dateTime(), "position": obj{"type": "integer", "minimum": 0}, "ok": boolean(),
			"problems": arrayOf(recProblem),
			"accounts": arrayOf(strictObject(obj{
				"account": str(), "statements": money(), "available": money(), "reserved": money(), "invoiced": money(), "ok": boolean(),
				"problems": arrayOf(recProblem), "statement": schemaRef("StatementItem"),
			}, "statement")),
			"tax": strictObject(obj{"issued": taxLine, "voided": taxLine, "red_flushed": taxLine, "net": taxLine}),
			"sla": strictObject(obj{"late": arrayOf(slaItem), "waiting_for_paper": arrayOf(slaItem)}),
		}),
	})
}
