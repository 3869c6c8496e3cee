package api

import "github.com/fapiao/fapiao/domain"

// deficitSchemas are the OpenAPI schemas of refunds after invoicing:
// adjustments (DEF-1) and what the statement and balance show of them.
func deficitSchemas() obj {
	adjustment := obj{
		"adjustment_id": obj{"type": "string", "maxLength": 64, "description": "billing's own ID: the same adjustment posted again is a no-op, another body under it is 409 (DEF-1)"},
		"bucket":        enumOf(domain.InvoiceableBuckets()),
		"amount":        obj{"$ref": "#/components/schemas/Money", "description": "taken off: above zero, at most what is left in the bucket (DEF-1)"},
		"reason":        str(), "reference": str(),
	}
	return obj{
		"AdjustmentInput": object([]string{"adjustment_id", "bucket", "amount", "reason"}, adjustment),
		"Adjustment": strictObject(with(adjustment, obj{
			"month": monthSchema(), "adjusted_at": dateTime(),
			"statement":   schemaRef("StatementItem"),
			"invoiceable": schemaRef("Invoiceable"),
		}), "reference"),
		"AdjustmentList": listOfSchema("AdjustmentItem"),
		"AdjustmentItem": strictObject(with(adjustment, obj{"month": monthSchema(), "adjusted_at": dateTime()}), "reference"),
	}
}

// statementDeficitProps are what a statement shows of refunds after
// invoicing: adjusted (DEF-1), offset (DEF-3) and its available part.
func statementDeficitProps() obj {
	return obj{
		"adjusted":  obj{"$ref": "#/components/schemas/Money", "description": "taken off by adjustments (DEF-1); invoiceable is after them"},
		"offset":    obj{"$ref": "#/components/schemas/Money", "description": "used to clear deficits (DEF-3), shown beside invoiceable"},
		"available": obj{"$ref": "#/components/schemas/Money", "description": "the part in the invoiceable balance (BAL-2)"},
	}
}

// invoiceDeficitProps are what an invoice shows of refunds after invoicing.
func invoiceDeficitProps() obj {
	return obj{
		"deficit":            obj{"$ref": "#/components/schemas/Money", "description": "what it still owes after refunds (DEF-2, DEF-5); present once a refund raised one"},
		"red_flushed_amount": obj{"$ref": "#/components/schemas/Money", "description": "partly red-flushed so far (DEF-5)"},
		"partial_red_flushes": arrayOf(responseObject(obj{
			"red_invoice_code": str(), "red_invoice_number": str(), "red_letter_form_number": str(), "amount": money(),
			"net_amount": money(), "tax_amount": money(), "issued_on": obj{"type": "string", "format": "date"},
			"confirmation_id": uuidSchema(), "red_flushed_at": dateTime(),
		})),
	}
}
