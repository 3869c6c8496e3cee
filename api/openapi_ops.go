package api

import (
	"fmt"
	"net/http"

	"github.com/fapiao/fapiao/projections"
)

// opDoc documents one operation for the OpenAPI document. It is written
// apart from the route table on purpose: a test compares the two, so a
// route added without its documentation (or the reverse) fails the build.
type opDoc struct {
	method, path string // path in OpenAPI form: /v1/accounts/{acc}
	summary      string
	roles        string
	query        []queryDoc
	header       []queryDoc // request headers besides Authorization and Fapiao-Min-Position
	body         string     // request schema; "" when the operation takes none
	bodyOptional bool
	status       int    // success status
	resp         string // success schema; "" for no content
	media        string // success media type when not JSON: a string schema
	also         []int  // further success statuses (statement repost: 200)
}

type queryDoc struct {
	name, typ, description string
	required               bool
	def, max               int // a limit's default and maximum
}

// limitDoc documents ?limit=, between 1 and max (limitParam refuses the rest).
func limitDoc(def, max int) queryDoc {
	return queryDoc{name: "limit", typ: "limit", description: fmt.Sprintf("page size, %d to %d, default %d", 1, max, def), def: def, max: max}
}

// operations lists every operation of API.md.
var operations = []opDoc{
	{method: http.MethodGet, path: "/v1/accounts/{acc}/invoiceable", summary: "The invoiceable balance (BAL-2, STMT-4/5)", roles: "customer, finance, auditor", status: 200, resp: "Invoiceable"},
	{method: http.MethodPost, path: "/v1/accounts/{acc}/statements", summary: "Post a monthly statement (STMT-1..3); 200 on an identical repost", roles: "billing", body: "StatementInput", status: 201, resp: "Statement", also: []int{200}},
	{method: http.MethodGet, path: "/v1/accounts/{acc}/statements", summary: "The account's statements", roles: "customer, finance, auditor", query: []queryDoc{{name: "status", typ: "string", description: "available, reserved, invoiced or offset", required: false}}, status: 200, resp: "StatementList"},
	{method: http.MethodPost, path: "/v1/accounts/{acc}/statements/{month}/adjustments", summary: "Post an adjustment: a refund or downgrade after the statement was posted (DEF-1, 2, 3); 200 on an identical repost, 409 for another body under the same adjustment_id", roles: "billing", body: "AdjustmentInput", status: 201, resp: "Adjustment", also: []int{200}},
	{method: http.MethodGet, path: "/v1/accounts/{acc}/statements/{month}/adjustments", summary: "A statement's adjustments, in the order posted (DEF-1)", roles: "customer, finance, auditor", status: 200, resp: "AdjustmentList"},

	{method: http.MethodGet, path: "/v1/accounts/{acc}/title", summary: "The current invoice title; 404 when none", roles: "customer, finance, support, auditor", status: 200, resp: "Title"},
	{method: http.MethodPost, path: "/v1/accounts/{acc}/title", summary: "Submit an invoice title (TITLE-1..3)", roles: "customer", body: "TitleInput", status: 201, resp: "Title"},
	{method: http.MethodPost, path: "/v1/accounts/{acc}/title/approve", summary: "Approve a pending vat_special title (TITLE-3)", roles: "finance", body: "Empty", bodyOptional: true, status: 200, resp: "Title"},
	{method: http.MethodPost, path: "/v1/accounts/{acc}/title/reject", summary: "Reject a pending vat_special title (TITLE-3)", roles: "finance", body: "Reason", status: 200, resp: "Title"},
	{method: http.MethodPost, path: "/v1/accounts/{acc}/title/clear", summary: "Clear the current title (TITLE-4)", roles: "support", body: "ClearTitle", status: 200, resp: "Title"},

	{method: http.MethodGet, path: "/v1/accounts/{acc}/addresses", summary: "The account's mailing addresses", roles: "customer, finance, auditor", status: 200, resp: "AddressList"},
	{method: http.MethodPost, path: "/v1/accounts/{acc}/addresses", summary: "Add a mailing address (ADDR-1, ADDR-2)", roles: "customer", body: "AddressInput", status: 201, resp: "Address"},
	{method: http.MethodPut, path: "/v1/accounts/{acc}/addresses/{id}", summary: "Change a mailing address (ADDR-2)", roles: "customer", body: "AddressInput", status: 200, resp: "Address"},
	{method: http.MethodDelete, path: "/v1/accounts/{acc}/addresses/{id}", summary: "Remove a mailing address (ADDR-2)", roles: "customer", status: 204},

	{method: http.MethodPost, path: "/v1/accounts/{acc}/invoices", summary: "Apply for an invoice (APP-1..7)", roles: "customer", body: "InvoiceRequest", status: 201, resp: "Invoice"},
	{method: http.MethodGet, path: "/v1/accounts/{acc}/invoices", summary: "The account's invoices, newest first", roles: "customer, finance, auditor", query: invoiceQuery(false), status: 200, resp: "InvoiceList"},
	{method: http.MethodGet, path: "/v1/accounts/{acc}/invoices/{id}", summary: "One invoice", roles: "customer, finance, auditor", status: 200, resp: "Invoice"},
	{method: http.MethodPost, path: "/v1/accounts/{acc}/invoices/{id}/cancel", summary: "Cancel an application (CANCEL-1): customer under review, support issuing with a ticket", roles: "customer, support", body: "Cancel", bodyOptional: true, status: 200, resp: "Invoice"},
	{method: http.MethodPost, path: "/v1/accounts/{acc}/invoices/{id}/approve", summary: "Approve an application (REVIEW-1)", roles: "finance", body: "Empty", bodyOptional: true, status: 200, resp: "Invoice"},
	{method: http.MethodPost, path: "/v1/accounts/{acc}/invoices/{id}/reject", summary: "Reject an application (REVIEW-1)", roles: "finance", body: "Reason", status: 200, resp: "Invoice"},
	{method: http.MethodPost, path: "/v1/accounts/{acc}/invoices/{id}/issue", summary: "Record the issued invoice (ISSUE-1, ISSUE-2)", roles: "finance", body: "Issue", status: 200, resp: "Invoice"},
	{method: http.MethodPost, path: "/v1/accounts/{acc}/invoices/{id}/ship", summary: "Record the shipment (SHIP-1)", roles: "finance", body: "Ship", status: 200, resp: "Invoice"},
	{method: http.MethodPost, path: "/v1/accounts/{acc}/invoices/{id}/return", summary: "Request a return (RETURN-1, 2, 6)", roles: "customer", body: "ReturnRequest", status: 200, resp: "Invoice"},
	{method: http.MethodPost, path: "/v1/accounts/{acc}/invoices/{id}/return/paper-received", summary: "Record the returned paper (RETURN-3)", roles: "finance", body: "PaperReceived", status: 200, resp: "Invoice"},
	{method: http.MethodPost, path: "/v1/accounts/{acc}/invoices/{id}/return/reject", summary: "Reject a return (RETURN-3)", roles: "finance", body: "Reason", status: 200, resp: "Invoice"},
	{method: http.MethodPost, path: "/v1/accounts/{acc}/invoices/{id}/void", summary: "Void a returned invoice (RETURN-4, 5); 422 RETURN-4 when not allowed", roles: "finance", body: "Empty", bodyOptional: true, status: 200, resp: "Invoice"},
	{method: http.MethodPost, path: "/v1/accounts/{acc}/invoices/{id}/red-flush", summary: "Red-flush a returned paper invoice (RETURN-4, 5, 6), or an electronic one against its red-letter confirmation (RED-5); with amount, part of what an issued invoice owes (DEF-5)", roles: "finance", body: "RedFlush", status: 200, resp: "Invoice"},
	{method: http.MethodPost, path: "/v1/accounts/{acc}/invoices/{id}/red-letter-confirmations", summary: "Enter a red-letter confirmation for an electronic invoice (RED-1, 2, 4, 6): finance as the seller, the customer as the buyer", roles: "finance, customer", body: "ConfirmationInput", status: 201, resp: "Confirmation"},
	{method: http.MethodGet, path: "/v1/accounts/{acc}/invoices/{id}/red-letter-confirmations", summary: "An invoice's red-letter confirmations, oldest first", roles: "customer, finance, auditor", status: 200, resp: "ConfirmationList"},
	{method: http.MethodPost, path: "/v1/accounts/{acc}/red-letter-confirmations/{id}/confirm", summary: "Confirm a pending confirmation (RED-2): the customer one finance entered (pending_buyer), finance one the customer entered (pending_seller)", roles: "finance, customer", body: "Empty", bodyOptional: true, status: 200, resp: "Confirmation"},
	{method: http.MethodPost, path: "/v1/accounts/{acc}/red-letter-confirmations/{id}/refuse", summary: "Refuse a pending confirmation with a reason (RED-2): the side it waits for", roles: "finance, customer", body: "Reason", status: 200, resp: "Confirmation"},
	{method: http.MethodPost, path: "/v1/accounts/{acc}/red-letter-confirmations/{id}/withdraw", summary: "Withdraw a confirmation (RED-3): the side that entered it, while pending (or not_required and unused)", roles: "finance, customer", body: "Empty", bodyOptional: true, status: 200, resp: "Confirmation"},

	{method: http.MethodGet, path: "/v1/accounts/{acc}/events", summary: "The account's events in order (AUD-2)", roles: "customer (own), auditor", query: []queryDoc{{name: "as_of", typ: "date-time", description: "only events that occurred by then", required: false}, {name: "from", typ: "integer", description: "first log position (inclusive)", required: false}, limitDoc(eventsDefaultLimit, eventsMaxLimit)}, status: 200, resp: "EventList"},

	{method: http.MethodGet, path: "/v1/invoices", summary: "The finance work queue across accounts", roles: "finance, auditor", query: invoiceQuery(true), status: 200, resp: "InvoiceList"},
	{method: http.MethodGet, path: "/v1/reconciliation", summary: "Reconciliation REC-1..3 for a month", roles: "finance, auditor", query: []queryDoc{{name: "month", typ: "month", description: "YYYY-MM", required: true}}, status: 200, resp: "Reconciliation"},
	{method: http.MethodGet, path: "/v1/events", summary: "The global log", roles: "auditor", query: []queryDoc{{name: "from", typ: "integer", description: "first position (inclusive)", required: false}, limitDoc(eventsDefaultLimit, eventsMaxLimit)}, status: 200, resp: "EventList"},
	{method: http.MethodGet, path: "/v1/events/stream", summary: "The global log as Server-Sent Events, caught up from a position then live: each event a frame whose id is its position, event its type and data the event exactly as an item of /v1/events; a comment line every 15 s. A client that does not keep up is cut and resumes with Last-Event-ID", roles: "finance, auditor",
		query: []queryDoc{
			{name: "from", typ: "integer", description: "first position (inclusive); Last-Event-ID wins", required: false},
			{name: "types", typ: "string", description: "only these event types, separated by commas", required: false},
			{name: "account", typ: "account-id", description: "only this account's events (its stream, as /v1/accounts/{acc}/events)", required: false},
		},
		header: []queryDoc{{name: "Last-Event-ID", typ: "integer", description: "the id of the last event received: the feed resumes after it", required: false}},
		status: 200, media: "text/event-stream"},
	{method: http.MethodGet, path: "/v1/red-letter-confirmations", summary: "Open red-letter confirmations across accounts (RED-4): pending ones, earliest deadline first (RED-3), then those ready for their red invoice (RED-5)", roles: "finance, auditor", query: []queryDoc{{name: "account", typ: "account-id", description: "one account only", required: false}}, status: 200, resp: "OpenConfirmationList"},
	{method: http.MethodPut, path: "/v1/quotas/{month}", summary: "Set the month's e-invoice quota (EINV-5)", roles: "finance", body: "QuotaInput", status: 200, resp: "Quota"},
	{method: http.MethodGet, path: "/v1/quotas/{month}", summary: "The month's e-invoice quota, used and remaining (EINV-5)", roles: "finance, auditor", status: 200, resp: "Quota"},

	{method: http.MethodGet, path: "/v1/checkpoint", summary: "The latest signed checkpoint: a signed note (golang.org/x/mod/sumdb/note, Ed25519) of three lines, the log's origin (the key's name), its size and the base64 RFC 6962 root of its events' hashes; re-signed on demand when the log grew (at most once a second) and at least every minute. 404 when the server has no signing key", roles: "customer, finance, support, billing, auditor", status: 200, media: "text/plain; charset=utf-8"},
	{method: http.MethodGet, path: "/v1/proofs/inclusion", summary: "Proof that the event at a position is in the tree of a checkpoint's size; customers only for their own account's events (404 otherwise); 404 without a signing key", roles: "customer (own events), auditor", query: []queryDoc{{name: "position", typ: "integer", description: "the event's log position", required: true}, {name: "size", typ: "integer", description: "a checkpoint's tree size, more than the event's leaf index", required: true}}, status: 200, resp: "InclusionProof"},
	{method: http.MethodGet, path: "/v1/proofs/consistency", summary: "Proof that the tree of size to extends the tree of size from (two checkpoints); 404 without a signing key", roles: "customer, auditor", query: []queryDoc{{name: "from", typ: "integer", description: "the older checkpoint's size, from 1", required: true}, {name: "to", typ: "integer", description: "the newer checkpoint's size, at most the tree's", required: true}}, status: 200, resp: "ConsistencyProof"},
}

func invoiceQuery(withAccount bool) []queryDoc {
	q := []queryDoc{
		{name: "status", typ: "invoice-status", description: "a lifecycle state", required: false},
		limitDoc(projections.DefaultLimit, projections.MaxLimit),
		{name: "cursor", typ: "string", description: "next_cursor of the previous page", required: false},
	}
	if withAccount {
		q = append(q, queryDoc{name: "account", typ: "account-id", description: "one account only", required: false})
	}
	return q
}
