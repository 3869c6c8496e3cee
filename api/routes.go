package api

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/fapiao/fapiao/domain"
)

// route is one endpoint of API.md and the roles that may call it.
type route struct {
	method, path string
	roles        []domain.Role
	handler      echo.HandlerFunc
}

const (
	customer = domain.RoleCustomer
	finance  = domain.RoleFinance
	support  = domain.RoleSupport
	billing  = domain.RoleBilling
	auditor  = domain.RoleAuditor
)

// routes is the /v1 table; the OpenAPI document lists the same set and a
// test keeps the two equal.
func (s *server) routes() []route {
	const acc = "/v1/accounts/:acc"
	const inv = acc + "/invoices/:id"
	return []route{
		{http.MethodGet, acc + "/invoiceable", roles(customer, finance, auditor), s.getInvoiceable},
		{http.MethodPost, acc + "/statements", roles(billing), s.postStatement},
		{http.MethodGet, acc + "/statements", roles(customer, finance, auditor), s.listStatements},
		{http.MethodPost, acc + "/statements/:month/adjustments", roles(billing), s.postAdjustment},
		{http.MethodGet, acc + "/statements/:month/adjustments", roles(customer, finance, auditor), s.listAdjustments},

		{http.MethodGet, acc + "/title", roles(customer, finance, support, auditor), s.getTitle},
		{http.MethodPost, acc + "/title", roles(customer), s.postTitle},
		{http.MethodPost, acc + "/title/approve", roles(finance), s.approveTitle},
		{http.MethodPost, acc + "/title/reject", roles(finance), s.rejectTitle},
		{http.MethodPost, acc + "/title/clear", roles(support), s.clearTitle},

		{http.MethodGet, acc + "/addresses", roles(customer, finance, auditor), s.listAddresses},
		{http.MethodPost, acc + "/addresses", roles(customer), s.postAddress},
		{http.MethodPut, acc + "/addresses/:id", roles(customer), s.putAddress},
		{http.MethodDelete, acc + "/addresses/:id", roles(customer), s.deleteAddress},

		{http.MethodPost, acc + "/invoices", roles(customer), s.postInvoice},
		{http.MethodGet, acc + "/invoices", roles(customer, finance, auditor), s.listAccountInvoices},
		{http.MethodGet, inv, roles(customer, finance, auditor), s.getInvoice},
		{http.MethodPost, inv + "/cancel", roles(customer, support), s.cancelInvoice},
		{http.MethodPost, inv + "/approve", roles(finance), s.approveInvoice},
		{http.MethodPost, inv + "/reject", roles(finance), s.rejectInvoice},
		{http.MethodPost, inv + "/issue", roles(finance), s.issueInvoice},
		{http.MethodPost, inv + "/ship", roles(finance), s.shipInvoice},
		{http.MethodPost, inv + "/return", roles(customer), s.requestReturn},
		{http.MethodPost, inv + "/return/paper-received", roles(finance), s.receiveReturnPaper},
		{http.MethodPost, inv + "/return/reject", roles(finance), s.rejectReturn},
		{http.MethodPost, inv + "/void", roles(finance), s.voidInvoice},
		{http.MethodPost, inv + "/red-flush", roles(finance), s.redFlushInvoice},
		{http.MethodPost, inv + "/red-letter-confirmations", roles(finance, customer), s.postConfirmation},
		{http.MethodGet, inv + "/red-letter-confirmations", roles(customer, finance, auditor), s.listConfirmations},
		{http.MethodPost, acc + "/red-letter-confirmations/:id/confirm", roles(finance, customer), s.confirmConfirmation},
		{http.MethodPost, acc + "/red-letter-confirmations/:id/refuse", roles(finance, customer), s.refuseConfirmation},
		{http.MethodPost, acc + "/red-letter-confirmations/:id/withdraw", roles(finance, customer), s.withdrawConfirmation},

		{http.MethodGet, acc + "/events", roles(customer, auditor), s.accountEvents},

		{http.MethodGet, "/v1/invoices", roles(finance, auditor), s.listInvoices},
		{http.MethodGet, "/v1/reconciliation", roles(finance, auditor), s.reconciliation},
		{http.MethodGet, "/v1/events", roles(auditor), s.globalEvents},
		{http.MethodGet, "/v1/events/stream", roles(finance, auditor), s.eventStream},

		{http.MethodGet, "/v1/checkpoint", roles(customer, finance, support, billing, auditor), s.getCheckpoint},
		{http.MethodGet, "/v1/proofs/inclusion", roles(customer, auditor), s.inclusionProof},
		{http.MethodGet, "/v1/proofs/consistency", roles(customer, auditor), s.consistencyProof},

		{http.MethodGet, "/v1/red-letter-confirmations", roles(finance, auditor), s.listOpenConfirmations},
		{http.MethodPut, "/v1/quotas/:month", roles(finance), s.putQuota},
		{http.MethodGet, "/v1/quotas/:month", roles(finance, auditor), s.getQuota},
	}
}

func roles(r ...domain.Role) []domain.Role { return r }

// opsRoutes are the unauthenticated operations endpoints of the API
// listener; /metrics and the detailed /readyz are on the operations
// handler (opsServer).
func (s *server) opsRoutes(e *echo.Echo) {
	for path, h := range map[string]echo.HandlerFunc{
		"/healthz": s.healthz, "/readyz": s.readyz, "/openapi.json": s.openAPI,
	} {
		e.GET(path, h)
		e.HEAD(path, h)
	}
}
