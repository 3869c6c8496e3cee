package api

import "github.com/fapiao/fapiao/domain"

// einvoiceSchemas are the OpenAPI schemas of e-invoices: red-letter
// confirmations (RED-*) and the monthly quota (EINV-5).
func einvoiceSchemas() obj {
	return obj{
		"ConfirmationInput": object([]string{"reason", "deducted", "booked"}, obj{
			"amount":   obj{"$ref": "#/components/schemas/Money", "description": "the whole invoice when absent; a part only up to its deficit (RED-6)"},
			"reason":   enumOf(domain.RedReasons()),
			"deducted": obj{"type": "boolean", "description": "the buyer used it for deduction (已抵扣); always false for vat_general"},
			"booked":   obj{"type": "boolean", "description": "the buyer booked it (已入账)"},
		}),
		"Confirmation": strictObject(obj{
			"id": uuidSchema(), "invoice_id": uuidSchema(), "amount": money(),
			"reason": enumOf(domain.RedReasons()), "deducted": boolean(), "booked": boolean(),
			"status": enumOf(domain.ConfirmationStatuses()), "entered_by": enumOf(domain.Sides()), "entered_at": dateTime(),
			"expires_at":    obj{"type": "string", "format": "date-time", "description": "72 hours after entry, while pending (RED-3)"},
			"refuse_reason": str(), "used": boolean(),
			"actions": arrayOf(strEnum(domain.ConfirmationActions()...)),
		}, "expires_at", "refuse_reason"),
		"ConfirmationList":     listOfSchema("Confirmation"),
		"OpenConfirmationList": listOfSchema("OpenConfirmation"),
		"OpenConfirmation": strictObject(obj{
			"account_id": str(), "id": uuidSchema(), "invoice_id": uuidSchema(), "amount": money(),
			"status": enumOf(domain.OpenConfirmationStatuses()), "entered_by": enumOf(domain.Sides()),
			"expires_at": obj{"type": "string", "format": "date-time", "description": "while pending (RED-3)"},
			"actions":    arrayOf(strEnum(domain.ConfirmationActions()...)),
		}, "expires_at"),
		"QuotaInput": object([]string{"amount"}, obj{"amount": money()}),
		"Quota": strictObject(obj{
			"month": monthSchema(), "amount": nullable(money()), "used": money(), "remaining": nullable(money()),
		}),
	}
}
