package projections

import (
	"encoding/csv"
	"io"
	"strconv"
	"time"

	"github.com/fapiao/fapiao/domain"
)

// CSVHeader is the first row of WriteCSV.
var CSVHeader = []string{"section", "account", "key", "field", "value"}

// WriteCSV writes the report as one fact a row (section, account, key,
// field, value), a long format that keeps its columns when the report grows:
//
//	report,,,month|as_of|position|ok,…
//	problem,ACCOUNT,CODE,detail,…
//	account,ACCOUNT,,statements|available|reserved|invoiced|ok,…
//	statement,ACCOUNT,MONTH,status|invoiceable|…|invoice_id,…
//	tax,,issued|voided|red_flushed|net,count|amount|net|tax,…
//	tax_paper|tax_electronic,,issued|voided|red_flushed|net,count|amount|net|tax,…
//	sla_late|waiting_for_paper|sla_late_electronic,ACCOUNT,INVOICE_ID,status|requested_at|…,…
//	confirmation_expiring,ACCOUNT,CONFIRMATION_ID,invoice_id|status|expires_at,…
//
// Money has two decimals, times are RFC 3339.
func (r Report) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	row := func(section, account, key, field, value string) {
		_ = cw.Write([]string{section, account, key, field, value})
	}
	row(CSVHeader[0], CSVHeader[1], CSVHeader[2], CSVHeader[3], CSVHeader[4])
	row("report", "", "", "month", r.Month)
	row("report", "", "", "as_of", formatTime(r.AsOf))
	row("report", "", "", "position", strconv.FormatUint(r.Position, 10))
	row("report", "", "", "ok", strconv.FormatBool(r.OK))
	for _, p := range r.Problems {
		row("problem", p.Account, p.Code, "detail", p.Detail)
	}
	for _, a := range r.Accounts {
		row("account", a.Account, "", "statements", a.Statements.String())
		row("account", a.Account, "", "available", a.Available.String())
		row("account", a.Account, "", "reserved", a.Reserved.String())
		row("account", a.Account, "", "invoiced", a.Invoiced.String())
		row("account", a.Account, "", "deficit", a.Deficit.String())
		row("account", a.Account, "", "ok", strconv.FormatBool(a.OK))
		if s := a.Statement; s != nil {
			row("statement", a.Account, s.Month, "status", string(s.Status))
			row("statement", a.Account, s.Month, "invoiceable", s.Invoiceable.String())
			row("statement", a.Account, s.Month, "kingsoft", s.Kingsoft.String())
			row("statement", a.Account, s.Month, "marketplace", s.Marketplace.String())
			row("statement", a.Account, s.Month, "merchant", s.Merchant.String())
			row("statement", a.Account, s.Month, "offline", s.Offline.String())
			row("statement", a.Account, s.Month, "deductions", s.Deductions.String())
			row("statement", a.Account, s.Month, "adjusted", s.Adjusted.String())
			row("statement", a.Account, s.Month, "offset", s.Offset.String())
			row("statement", a.Account, s.Month, "available", s.Available.String())
			if s.InvoiceID != nil {
				row("statement", a.Account, s.Month, "invoice_id", s.InvoiceID.String())
			}
		}
	}
	for _, t := range []struct {
		key  string
		line TaxLine
	}{{"issued", r.Tax.Issued}, {"voided", r.Tax.Voided}, {"red_flushed", r.Tax.RedFlushed}, {"partly_red_flushed", r.Tax.PartlyRedFlushed}, {"net", r.Tax.Net}} {
		row("tax", "", t.key, "count", strconv.Itoa(t.line.Count))
		row("tax", "", t.key, "amount", t.line.Amount.String())
		row("tax", "", t.key, "net", t.line.Net.String())
		row("tax", "", t.key, "tax", t.line.Tax.String())
	}
	for _, m := range []domain.Medium{domain.Paper, domain.Electronic} {
		mt := r.Tax.ByMedium[m]
		if mt == nil {
			continue
		}
		for _, t := range []struct {
			key  string
			line TaxLine
		}{{"issued", mt.Issued}, {"voided", mt.Voided}, {"red_flushed", mt.RedFlushed}, {"partly_red_flushed", mt.PartlyRedFlushed}, {"net", mt.Net}} {
			section := "tax_" + string(m)
			row(section, "", t.key, "count", strconv.Itoa(t.line.Count))
			row(section, "", t.key, "amount", t.line.Amount.String())
			row(section, "", t.key, "net", t.line.Net.String())
			row(section, "", t.key, "tax", t.line.Tax.String())
		}
	}
	writeSLA := func(section string, items []SLAItem) {
		for _, it := range items {
			id := it.InvoiceID.String()
			row(section, it.Account, id, "status", string(it.Status))
			row(section, it.Account, id, "requested_at", formatTime(it.RequestedAt))
			if it.SLADue != "" {
				row(section, it.Account, id, "sla_due", it.SLADue)
			}
			if it.ShippedAt != nil {
				row(section, it.Account, id, "shipped_at", formatTime(*it.ShippedAt))
			}
			if it.ReturnRequestedAt != nil {
				row(section, it.Account, id, "return_requested_at", formatTime(*it.ReturnRequestedAt))
			}
			if it.IssuedOn != "" {
				row(section, it.Account, id, "issued_on", it.IssuedOn)
			}
		}
	}
	writeSLA("sla_late", r.SLA.Late)
	writeSLA("waiting_for_paper", r.SLA.WaitingForPaper)
	writeSLA("sla_late_electronic", r.SLA.LateElectronic)
	for _, c := range r.SLA.ExpiringConfirmations {
		id := c.ConfirmationID.String()
		row("confirmation_expiring", c.Account, id, "invoice_id", c.InvoiceID.String())
		row("confirmation_expiring", c.Account, id, "status", string(c.Status))
		row("confirmation_expiring", c.Account, id, "expires_at", formatTime(c.ExpiresAt))
	}
	cw.Flush()
	return cw.Error()
}

func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.RFC3339Nano)
}
