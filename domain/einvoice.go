package domain

import (
	"net/mail"
	"slices"
	"strings"
	"time"
)

// Medium is how an invoice reaches the customer (EINV-1).
type Medium string

const (
	// Paper is the seed's medium: printed and mailed (APP-5). The default.
	Paper Medium = "paper"
	// Electronic is the fully digitalised e-invoice (数电发票), delivered by
	// email and in the console.
	Electronic Medium = "electronic"
)

// MediumOf reads a medium as stored: empty (the seed's events) is paper.
func MediumOf(m Medium) Medium {
	if m == "" {
		return Paper
	}
	return m
}

// IsElectronic reports whether the invoice is an e-invoice.
func (inv *Invoice) IsElectronic() bool { return inv.Medium == Electronic }

// MaxEmails is how many delivery addresses an electronic application takes.
const MaxEmails = 3

// maxEmailLen is RFC 5321's limit on a forward path, the usual bound.
const maxEmailLen = 254

// CheckEmails validates an electronic application's delivery addresses
// (EINV-1): 1–3, each a bare RFC 5322 addr-spec (no display name, no angle
// brackets) of at most 254 characters with a dotted domain, none twice. It
// returns them trimmed.
func CheckEmails(emails []string) ([]string, error) {
	if len(emails) == 0 {
		return nil, fieldErr("EINV-1", "emails", "an electronic invoice needs 1 to %d email addresses to deliver it to", MaxEmails)
	}
	if len(emails) > MaxEmails {
		return nil, fieldErr("EINV-1", "emails", "at most %d email addresses, not %d", MaxEmails, len(emails))
	}
	out := make([]string, len(emails))
	for i, e := range emails {
		field := "emails[" + itoa(i) + "]"
		t := strings.TrimSpace(e)
		if msg := emailProblem(t); msg != "" {
			return nil, fieldErr("EINV-1", field, "%s", msg)
		}
		if slices.ContainsFunc(out[:i], func(o string) bool { return strings.EqualFold(o, t) }) {
			return nil, fieldErr("EINV-1", field, "%s is listed twice", t)
		}
		out[i] = t
	}
	return out, nil
}

func emailProblem(s string) string {
	if s == "" {
		return "an email address is required"
	}
	if len(s) > maxEmailLen {
		return "an email address has at most 254 characters"
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Name != "" || a.Address != s {
		return "not an email address: write it bare, like name@example.com (no name, no <>)"
	}
	at := strings.LastIndexByte(s, '@')
	domain := s[at+1:]
	if !strings.Contains(domain, ".") || strings.HasPrefix(domain, "[") || strings.HasSuffix(domain, ".") {
		return "the part after @ must be a domain name, like example.com"
	}
	return ""
}

// checkElectronicNumber checks EINV-2's form of an e-invoice number for an
// invoice issued on issuedOn (YYYY-MM-DD): 20 digits whose first two are
// the issue year's last two.
func checkElectronicNumber(field, number, issuedOn string) error {
	if !validElectronicNumber(number) {
		return fieldErr("EINV-2", field, "an electronic invoice number has exactly 20 digits")
	}
	if len(issuedOn) >= 4 && number[:2] != issuedOn[2:4] {
		return fieldErr("EINV-2", field, "an electronic invoice number issued in %s starts with %s, not %s", issuedOn[:4], issuedOn[2:4], number[:2])
	}
	return nil
}

// EInvoiceBusinessDays is EINV-3's deadline: the first business day after
// the application day.
const EInvoiceBusinessDays = 1

// EInvoiceDue is the EINV-3 due date of an electronic application made at t:
// it is issued by the end of the first business day after the application
// day (a weekend application counts from the next business day on, as
// SHIP-1 does).
func (c *Calendar) EInvoiceDue(t time.Time) string {
	return dueDate(c.AddBusinessDays(t, EInvoiceBusinessDays))
}

// IssueLate reports whether an electronic application is late at t: not
// issued and past its EINV-3 due date, or issued (issuedOn) after it.
func (inv *Invoice) IssueLate(t time.Time) bool {
	if !inv.IsElectronic() || inv.SLADue == "" {
		return false
	}
	if inv.IssuedOn != "" {
		return inv.IssuedOn > inv.SLADue
	}
	switch inv.Status {
	case UnderReview, Issuing:
		return BusinessDate(t) > inv.SLADue
	}
	return false
}
