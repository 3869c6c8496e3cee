package api

import (
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/fapiao/fapiao/projections"
)

// TestStatementItemNamesOneHolder: a statement in a list is the read
// model's view less its invoice_ids (DEF-4's several holders), which
// API.md's list does not have; invoice_id, the first holder, stays.
func TestStatementItemNamesOneHolder(t *testing.T) {
	first, second := uuid.New(), uuid.New()
	v := projections.StatementView{Month: "2026-10", InvoiceID: &first, InvoiceIDs: []uuid.UUID{first, second}}
	b, err := encode(viewStatementItem(v))
	if err != nil {
		t.Fatal(err)
	}
	if got := string(b); strings.Contains(got, "invoice_ids") || strings.Contains(got, second.String()) ||
		!strings.Contains(got, `"invoice_id":"`+first.String()+`"`) {
		t.Errorf("statement item %s: want invoice_id %s and no invoice_ids", got, first)
	}
}
