package projections

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/fapiao/fapiao/domain"
	"github.com/fapiao/fapiao/eventstore"
	"github.com/google/uuid"
)

// Report is the reconciliation of REC-1..3 for one month, as GET
// /v1/reconciliation and `fapiao reconcile` give it. OK is false when an
// invariant breaks (REC-1, or a record the projection could not fold);
// SLA breaches are listed but are not invariants.
type Report struct {
	Month    string              `json:"month"`
	AsOf     time.Time           `json:"as_of"`
	Position eventstore.Position `json:"position"`
	OK       bool                `json:"ok"`
	Problems []Problem           `json:"problems"`
	Accounts []AccountCheck      `json:"accounts"`
	Tax      TaxSummary          `json:"tax"`
	SLA      SLAReport           `json:"sla"`
}

// Problem is one broken invariant. Code is the rule (REC-1) or FOLD for a
// record that could not be folded.
type Problem struct {
	Code    string `json:"code"`
	Account string `json:"account,omitempty"`
	Detail  string `json:"detail"`
}

// FoldProblem is the code of a record the projections could not fold.
const FoldProblem = "FOLD"

// AccountCheck is REC-1 for one account: BAL-3 over all its statements as
// the fold sees them, and the statement of the report's month.
//
// Scope: the accounts listed are those with a statement for the month plus
// every account with a problem; every account is checked. Conservation is
// checked over all the account's statements (the balance is one number, not
// one per month); to check a past month as it then stood, replay to the end
// of the month (AUD-2) and reconcile that.
type AccountCheck struct {
	Account string `json:"account"`
	Conservation
	Deficit   domain.Money   `json:"deficit"` // what its invoices owe after refunds (DEF-6)
	OK        bool           `json:"ok"`
	Problems  []Problem      `json:"problems"`
	Statement *StatementView `json:"statement,omitempty"` // the month's statement
}

// Conservation is BAL-3's terms for an account, as its balance has them:
// Σ invoiceable of all its statements, which should equal available +
// reserved + invoiced (less the deficit, DEF-6).
type Conservation struct {
	Statements domain.Money `json:"statements"`
	Available  domain.Money `json:"available"`
	Reserved   domain.Money `json:"reserved"`
	Invoiced   domain.Money `json:"invoiced"`
}

// Reconcile checks REC-1 for every account, sums the month's tax (REC-2)
// and lists SLA breaches and returns waiting for paper (REC-3) as of now; a
// zero now means the business time of the last event applied. month is
// YYYY-MM (Asia/Shanghai).
func (p *Projections) Reconcile(month string, now time.Time) (Report, error) {
	start, err := time.ParseInLocation("2006-01", month, domain.Shanghai())
	if err != nil {
		return Report{}, fmt.Errorf("projections: month %q is not YYYY-MM", month)
	}
	var rep Report
	err = p.read(func(r *reader) error {
		var err error
		rep, err = r.reconcile(month, start, now)
		return err
	})
	if err != nil {
		return Report{}, fmt.Errorf("projections: reconciling %s: %w", month, err)
	}
	return rep, nil
}

// reconcile is Reconcile in one read transaction: one walk over the
// accounts, each decoded once, checks REC-1 and gathers the tax and SLA
// lines, so that memory stays bounded by the cache whatever the log.
func (r *reader) reconcile(month string, start, now time.Time) (Report, error) {
	m, err := r.meta()
	if err != nil {
		return Report{}, err
	}
	if now.IsZero() && m.lastMeta != nil {
		now, _ = OccurredAt(m.lastMeta)
	}
	rep := Report{
		Month:    month,
		AsOf:     now,
		Position: m.position,
		Problems: []Problem{},
		Accounts: []AccountCheck{},
	}
	nFaults := 0
	err = r.tx.Bucket(bktFaults).ForEach(func(_, v []byte) error {
		var f fault
		if err := json.Unmarshal(v, &f); err != nil {
			return fmt.Errorf("%w: fault: %w", ErrDamaged, err)
		}
		rep.Problems = append(rep.Problems, Problem{Code: FoldProblem, Detail: f.Err})
		nFaults++
		return nil
	})
	if err != nil {
		return Report{}, err
	}
	if int(m.faults) > nFaults {
		rep.Problems = append(rep.Problems, Problem{Code: FoldProblem, Detail: fmt.Sprintf("and %d more records not folded", int(m.faults)-nFaults)})
	}
	tax, err := r.newTaxSummary(month, start)
	if err != nil {
		return Report{}, err
	}
	sla := newSLAReport()
	c := r.tx.Bucket(bktAccounts).Cursor()
	for k, _ := c.First(); k != nil; k, _ = c.Next() {
		av, err := r.scanAccount(string(k))
		if err != nil {
			return Report{}, err
		}
		refs, err := r.accountInvoices(av.acc.ID)
		if err != nil {
			return Report{}, err
		}
		ac := checkAccount(av, refs, month)
		if ac.Statement != nil || !ac.OK {
			rep.Accounts = append(rep.Accounts, ac)
			rep.Problems = append(rep.Problems, ac.Problems...)
		}
		tax.addAccount(av, refs)
		sla.addAccount(av, refs, month, now)
	}
	rep.Tax = tax.finish()
	if rep.SLA, err = r.finishSLA(sla, now); err != nil {
		return Report{}, err
	}
	rep.OK = len(rep.Problems) == 0
	return rep, nil
}

// scanAccount is account for a walk over every account: the cached view
// if it is current, else decoded without displacing the cache's.
func (r *reader) scanAccount(id string) (*accountView, error) {
	v, stamp, err := storedStamp(r.tx, id)
	if err != nil {
		return nil, err
	}
	if av := r.p.cache.get(id, stamp); av != nil {
		return av, nil
	}
	return decodeStored(r.tx, id, v)
}

// accountInvoices lists the account's invoices in log order (accinv).
func (r *reader) accountInvoices(acc string) ([]invoiceRef, error) {
	prefix := accInvPrefix(acc)
	var refs []invoiceRef
	c := r.tx.Bucket(bktAccInv).Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		if len(k) != len(prefix)+8 || len(v) != 17 {
			return nil, fmt.Errorf("%w: account invoice entry of %s", ErrDamaged, acc)
		}
		refs = append(refs, invoiceRef{pos: binary.BigEndian.Uint64(k[len(prefix):]), status: statusCode(v[0]), id: uuid.UUID(v[1:17]), account: acc})
	}
	return refs, nil
}

// checkAccount recomputes BAL-3 (DEF-6 with refunds after invoicing)
// twice: from the fold's statements and balance, and from the invoices'
// statuses and the statement→live-invoice record kept from the events; and
// it runs the domain's own DEF-* checks on the folded account.
func checkAccount(av *accountView, refs []invoiceRef, month string) AccountCheck {
	a := av.acc
	b := a.Balance()
	c := AccountCheck{
		Account:      a.ID,
		Conservation: Conservation{Statements: b.Statements, Available: b.Total, Reserved: b.Reserved, Invoiced: b.Invoiced},
		Deficit:      b.Deficit,
		Problems:     []Problem{},
	}
	bad := func(format string, args ...any) {
		c.Problems = append(c.Problems, Problem{Code: "REC-1", Account: a.ID, Detail: fmt.Sprintf(format, args...)})
	}
	months := make([]string, 0, len(a.Statements))
	for m := range a.Statements {
		months = append(months, m)
	}
	slices.Sort(months)

	var total, available, reserved, invoiced, deficit domain.Money
	for _, m := range months {
		s := a.Statements[m]
		total = total.Add(s.Buckets.Invoiceable())
		// The available part: all of an unheld statement but what offset
		// deficits (DEF-3); of a held one, only a part DEF-4 freed.
		available = available.Add(s.Free.Total())
		holders := av.holders[m]
		switch {
		case len(holders) == 0:
			if s.Status != domain.StatementAvailable && s.Status != domain.StatementOffset {
				bad("statement %s is %s but no live invoice holds it", m, s.Status)
			}
		case len(holders) > 1 && !ownParts(s, holders):
			// Only DEF-4's exception puts a statement in two live
			// invoices, each holding its own part of it (APP-7).
			bad("statement %s is in %d live invoices: %s", m, len(holders), joinIDs(holders))
		case s.Status == domain.StatementAvailable:
			bad("statement %s is available but live invoice %s holds it", m, holders[0])
		case s.InvoiceID != holders[0]:
			bad("statement %s names invoice %s but live invoice %s holds it", m, s.InvoiceID, holders[0])
		}
		if m == month {
			v := NewStatementView(s)
			c.Statement = &v
		}
	}
	for held := range av.holders {
		if a.Statements[held] == nil {
			bad("live invoice %s holds statement %s, which was never posted", av.holders[held][0], held)
		}
	}
	for _, ref := range refs {
		inv := a.Invoices[ref.id]
		if inv == nil || !inv.Live() {
			continue
		}
		var sum domain.Money
		for _, m := range inv.Statements {
			if s := a.Statements[m]; s != nil {
				sum = sum.Add(s.AppliedBy(inv.ID).Total()) // as applied (APP-3)
			}
		}
		if !sum.Equal(inv.Amount) {
			bad("invoice %s amounts to %s but its statements %s sum to %s as applied", inv.ID, inv.Amount, strings.Join(inv.Statements, ","), sum)
		}
		switch inv.Status {
		case domain.UnderReview, domain.Issuing:
			reserved = reserved.Add(inv.Amount)
		default:
			invoiced = invoiced.Add(inv.Rest()) // less partial red-flushes (DEF-5)
		}
		deficit = deficit.Add(inv.Deficit())
	}
	if !b.Statements.Equal(total) {
		bad("the balance counts %s of statements, the statements sum to %s", b.Statements, total)
	}
	rule := "BAL-3"
	if !b.Deficit.IsZero() || len(a.Adjustments) > 0 {
		rule = "DEF-6"
	}
	if parts := b.Total.Add(b.Reserved).Add(b.Invoiced).Sub(b.Deficit); !parts.Equal(b.Statements) {
		bad("%s: statements %s ≠ available %s + reserved %s + invoiced %s − deficit %s", rule, b.Statements, b.Total, b.Reserved, b.Invoiced, b.Deficit)
	}
	if parts := available.Add(reserved).Add(invoiced).Sub(deficit); !parts.Equal(total) {
		bad("%s from the events: statements %s ≠ available %s + reserved %s + invoiced %s − deficit %s", rule, total, available, reserved, invoiced, deficit)
	}
	if !available.Equal(b.Total) || !reserved.Equal(b.Reserved) || !invoiced.Equal(b.Invoiced) || !deficit.Equal(b.Deficit) {
		bad("the balance (available %s, reserved %s, invoiced %s, deficit %s) differs from the events (%s, %s, %s, %s)",
			b.Total, b.Reserved, b.Invoiced, b.Deficit, available, reserved, invoiced, deficit)
	}
	// The domain's own checks of refunds after invoicing (DEF-2..6): each
	// statement's parts, each invoice's deficit against its statements.
	if err := a.CheckInvariants(); err != nil {
		for _, e := range unjoin(err) {
			var ie *domain.InvariantError
			if errors.As(e, &ie) && strings.HasPrefix(ie.Rule, "DEF-") {
				bad("%s: %s", ie.Rule, ie.Detail)
			}
		}
	}
	c.OK = len(c.Problems) == 0
	return c
}

// unjoin lists the errors of an errors.Join.
func unjoin(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

func joinIDs(ids []uuid.UUID) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = id.String()
	}
	return strings.Join(s, ", ")
}

// ownParts reports whether each of a statement's live holders (from the
// events) holds its own part of it in the fold: DEF-4's one way into two
// invoices (APP-7). The fold's checks see that the parts do not overlap.
func ownParts(s *domain.Statement, holders []uuid.UUID) bool {
	if len(s.Holds) != len(holders) {
		return false
	}
	for _, id := range holders {
		if !s.AppliedBy(id).Total().IsPositive() {
			return false
		}
	}
	return true
}
