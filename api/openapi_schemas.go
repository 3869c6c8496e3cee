package api

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
func base64Hash() obj {
	return obj{"type": "string", "format": "byte", "minLength": 44, "maxLength": 44}
}
func monthSchema() obj { return strPattern("^[0-9]{4}-(0[1-9]|1[0-2])$") }
func invoiceStatuses() []string {
	return []string{"under_review", "issuing", "issued", "return_requested", "paper_received", "rejected", "cancelled", "voided", "red_flushed"}
}

var titleProps = obj{
	"type":               strEnum("vat_general", "vat_special"),
	"holder":             strEnum("company", "individual"),
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
	return with(with(einvoiceSchemas(), deficitSchemas()), obj{
		"Money": obj{"type": "string", "pattern": "^(0|[1-9][0-9]{0,15})(\\.[0-9]{1,2})?$", "description": "CNY, a string with two decimals", "examples": []string{"1234.50"}},
		"Problem": obj{"type": "object", "required": []string{"type", "title", "status"}, "properties": obj{
			"type": obj{"type": "string", "format": "uri"}, "title": str(), "status": obj{"type": "integer"}, "detail": str(),
			"code":   obj{"type": "string", "description": "the DOMAIN.md rule ID"},
			"errors": arrayOf(object([]string{"field", "message"}, obj{"field": str(), "message": str()})),
		}},
		"Empty":       object(nil, obj{}),
		"Invoiceable": responseObject(with(balanceParts, obj{"total": money(), "deficit": obj{"$ref": "#/components/schemas/Money", "description": "what the account's invoices owe after refunds (DEF-3); total is zero while it is above zero"}})),
		"StatementLine": object([]string{"line_id", "product", "billing_mode", "purchased_at", "channel", "amount", "voucher", "coupon", "gift_balance"}, obj{
			"line_id": str(), "product": str(), "billing_mode": strEnum("prepaid", "postpaid", "other"),
			"purchased_at": obj{"type": "string", "format": "date"}, "channel": strEnum("kingsoft", "marketplace_self", "marketplace_merchant"),
			"merchant": str(), "amount": money(), "voucher": money(), "coupon": money(), "gift_balance": money(),
		}),
		"StatementInput": object([]string{"month", "lines"}, obj{"month": monthSchema(), "lines": arrayOf(schemaRef("StatementLine"))}),
		"StatementItem": responseObject(with(with(balanceParts, statementDeficitProps()), obj{
			"month": monthSchema(), "status": strEnum("available", "reserved", "invoiced", "offset"), "invoiceable": money(), "invoice_id": nullable(uuidSchema()),
		})),
		"Statement": responseObject(with(with(balanceParts, statementDeficitProps()), obj{
			"month": monthSchema(), "status": strEnum("available", "reserved", "invoiced", "offset"), "invoiceable": money(), "invoice_id": nullable(uuidSchema()),
			"posted_at": dateTime(), "lines": arrayOf(schemaRef("StatementLine")),
		})),
		"StatementList": listOfSchema("StatementItem"),
		"TitleInput":    object([]string{"type", "holder", "name"}, titleProps),
		"Title": responseObject(with(titleProps, obj{
			"id": uuidSchema(), "status": strEnum("pending_review", "approved", "rejected", "cleared"), "reason": str(), "submitted_at": dateTime(),
		})),
		"Reason":       object([]string{"reason"}, obj{"reason": str()}),
		"ClearTitle":   object([]string{"reason", "ticket"}, obj{"reason": str(), "ticket": str()}),
		"AddressInput": object([]string{"recipient", "phone", "province", "city", "street", "postal_code"}, with(addressProps, obj{"default": boolean()})),
		"Address":      responseObject(with(addressProps, obj{"id": uuidSchema(), "default": boolean()})),
		"AddressList":  listOfSchema("Address"),
		"InvoiceRequest": object([]string{"statements", "agree"}, obj{
			"statements": arrayOf(monthSchema()), "agree": boolean(),
			"medium":     obj{"type": "string", "enum": []string{"paper", "electronic"}, "default": "paper", "description": "EINV-1"},
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
		"Invoice": obj{"type": "object", "required": []string{"id", "account_id", "status", "medium", "amount", "statements", "title", "requested_at", "actions"}, "properties": with(invoiceDeficitProps(), obj{
			"id": uuidSchema(), "account_id": str(), "status": strEnum(invoiceStatuses()...), "amount": money(),
			"kingsoft": money(), "marketplace": money(), "statements": arrayOf(monthSchema()),
			"title": responseObject(titleProps), "address": responseObject(addressProps), "requested_at": dateTime(),
			"medium": strEnum("paper", "electronic"), "emails": arrayOf(str()), "delivered_to": arrayOf(str()),
			"exchange_failure": responseObject(obj{"reason": str(), "code": str(), "at": dateTime()}),
			"sla_due":          obj{"type": "string", "format": "date"}, "exchange_of": uuidSchema(),
			"invoice_code": str(), "invoice_number": str(), "issued_on": obj{"type": "string", "format": "date"}, "issuer": str(),
			"tax_rate": str(), "net_amount": money(), "tax_amount": money(),
			"shipment": responseObject(obj{"courier": str(), "tracking_number": str(), "shipped_at": dateTime(), "late": boolean()}),
			"return": responseObject(obj{
				"reason": str(), "certified": obj{"type": "boolean", "description": "required for a vat_special invoice (RETURN-2)"}, "red_letter_form_number": str(), "exchange": boolean(), "address_id": uuidSchema(),
				"requested_at": dateTime(), "paper_complete": boolean(), "paper_note": str(), "rejected_reason": str(),
				"red_invoice_code": str(), "red_invoice_number": str(), "red_confirmation_id": uuidSchema(), "exchange_invoice_id": uuidSchema(),
			}),
			"reject_reason": str(), "cancelled_by": str(), "updated_at": dateTime(),
			"actions": arrayOf(strEnum("cancel", "approve", "reject", "issue", "ship", "return", "paper_received", "reject_return", "void", "red_flush", "red_flush_part", "confirmation")),
		})},
		"InvoiceList": obj{"type": "object", "required": []string{"items"}, "properties": obj{"items": arrayOf(schemaRef("Invoice")), "next_cursor": str()}},
		"Event": obj{"type": "object", "required": []string{"position", "stream", "revision", "id", "type", "data", "metadata"}, "properties": obj{
			"position": obj{"type": "integer"}, "stream": str(), "revision": obj{"type": "integer"}, "id": uuidSchema(), "type": str(),
			"data": obj{"type": "object"}, "metadata": obj{"type": "object", "properties": obj{
				"occurred_at": dateTime(), "actor": responseObject(obj{"role": str(), "id": str()}), "correlation_id": str(), "causation_id": str(),
				"idempotency_key": str(), "request_hash": str(), "schema_version": obj{"type": "integer"}, "prev_hash": str(), "hash": str(),
			}},
		}},
		"EventList": obj{"type": "object", "required": []string{"items"}, "properties": obj{"items": arrayOf(schemaRef("Event")), "next": obj{"type": "integer", "description": "from of the next page; absent on the last"}}},
		"InclusionProof": obj{"type": "object", "description": "RFC 6962 inclusion proof (golang.org/x/mod/sumdb/tlog): leaf_hash = SHA-256(0x00 ‖ the 32 bytes of event_hash); hashes, base64, lead from it to the root of the checkpoint of this size.",
			"required": []string{"position", "index", "size", "event_hash", "leaf_hash", "hashes"}, "properties": obj{
				"position": obj{"type": "integer"}, "index": obj{"type": "integer", "description": "the leaf: the event's place in the log, from 0"},
				"size": obj{"type": "integer"}, "event_hash": strPattern("^[0-9a-f]{64}$"), "leaf_hash": base64Hash(), "hashes": arrayOf(base64Hash()),
			}},
		"ConsistencyProof": obj{"type": "object", "description": "RFC 6962 consistency proof (golang.org/x/mod/sumdb/tlog): the tree of to events extends the tree of from.",
			"required": []string{"from", "to", "hashes"}, "properties": obj{
				"from": obj{"type": "integer"}, "to": obj{"type": "integer"}, "hashes": arrayOf(base64Hash()),
			}},
		"Reconciliation": obj{"type": "object", "description": "REC-1..3", "properties": obj{"month": monthSchema(), "as_of": dateTime(), "position": obj{"type": "integer"}, "ok": boolean(), "problems": arrayOf(obj{"type": "object"}), "accounts": arrayOf(obj{"type": "object"}), "tax": obj{"type": "object"}, "sla": obj{"type": "object"}}},
	})
}
