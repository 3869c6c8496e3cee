package projections

import (
	"time"

	"github.com/fapiao/fapiao/domain"
	"github.com/fapiao/fapiao/eventstore"
)

// TaxSummary is REC-2: the month's invoices issued (by issue date), voided
// and red-flushed (by the date of the void or red-flush), and the month's
// net effect (issued − voided − red-flushed).
type TaxSummary struct {
	Issued     TaxLine `json:"issued"`
	Voided     TaxLine `json:"voided"`
	RedFlushed TaxLine `json:"red_flushed"`
	// PartlyRedFlushed counts the red invoices for part of an invoice
	// (DEF-5) dated in the month; a later whole red-flush counts only the
	// rest in RedFlushed.
	PartlyRedFlushed TaxLine `json:"partly_red_flushed"`
	Net              TaxLine `json:"net"`
	// ByMedium splits the same lines by medium (REC-2): "paper" and
	// "electronic" (blue and red e-invoices), each always present.
	ByMedium map[domain.Medium]*MediumTax `json:"by_medium"`
}

// MediumTax is REC-2 for one medium. Electronic invoices are never
// voided (EINV-4), so their Voided line stays zero.
type MediumTax struct {
	Issued           TaxLine `json:"issued"`
	Voided           TaxLine `json:"voided"`
	RedFlushed       TaxLine `json:"red_flushed"`
	PartlyRedFlushed TaxLine `json:"partly_red_flushed"`
	Net              TaxLine `json:"net"`
}

// TaxLine counts invoices and sums their amounts (tax included), net
// amounts and tax.
type TaxLine struct {
	Count  int          `json:"count"`
	Amount domain.Money `json:"amount"`
	Net    domain.Money `json:"net"`
	Tax    domain.Money `json:"tax"`
}

func (l *TaxLine) add(inv *domain.Invoice) {
	l.Count++
	l.Amount = l.Amount.Add(inv.Amount)
	if inv.NetAmount != nil {
		l.Net = l.Net.Add(*inv.NetAmount)
	}
	if inv.TaxAmount != nil {
		l.Tax = l.Tax.Add(*inv.TaxAmount)
	}
}

// addRest adds what a whole red-flush reverses: the invoice less its
// partial red-flushes (DEF-5).
func (l *TaxLine) addRest(inv *domain.Invoice) {
	l.add(inv)
	for _, p := range inv.PartialRedFlushes {
		l.Amount = l.Amount.Sub(p.Amount)
		l.Net = l.Net.Sub(p.NetAmount)
		l.Tax = l.Tax.Sub(p.TaxAmount)
	}
}

func (l *TaxLine) addPart(p domain.PartialRedFlush) {
	l.Count++
	l.Amount = l.Amount.Add(p.Amount)
	l.Net = l.Net.Add(p.NetAmount)
	l.Tax = l.Tax.Add(p.TaxAmount)
}

func (l TaxLine) minus(o TaxLine) TaxLine {
	return TaxLine{Count: l.Count - o.Count, Amount: l.Amount.Sub(o.Amount), Net: l.Net.Sub(o.Net), Tax: l.Tax.Sub(o.Tax)}
}

// taxWalk sums REC-2 over a walk of the accounts: the month's closings
// are found first (by the instant of the void or red-flush), then each
// account adds its own invoices.
type taxWalk struct {
	s          TaxSummary
	month      string
	start, end time.Time
	closings   map[eventstore.Position][]statusCode // by the invoice's request position
}

func (r *reader) newTaxSummary(month string, start time.Time) (*taxWalk, error) {
	t := &taxWalk{
		s:        TaxSummary{ByMedium: map[domain.Medium]*MediumTax{domain.Paper: {}, domain.Electronic: {}}},
		month:    month,
		start:    start,
		end:      start.AddDate(0, 1, 0),
		closings: map[eventstore.Position][]statusCode{},
	}
	err := r.tx.Bucket(bktClosings).ForEach(func(_, v []byte) error {
		ref, status, at, err := parseClosing(v)
		if err != nil {
			return err
		}
		if !at.Before(t.start) && at.Before(t.end) {
			t.closings[ref] = append(t.closings[ref], status)
		}
		return nil
	})
	return t, err
}

func (t *taxWalk) medium(inv *domain.Invoice) *MediumTax {
	return t.s.ByMedium[domain.MediumOf(inv.Medium)]
}

// addAccount adds the account's invoices issued, partly red-flushed,
// voided or red-flushed in the month.
func (t *taxWalk) addAccount(av *accountView, refs []invoiceRef) {
	for _, ref := range refs {
		inv := av.acc.Invoices[ref.id]
		if inv == nil {
			continue
		}
		if len(inv.IssuedOn) >= 7 && inv.IssuedOn[:7] == t.month {
			t.s.Issued.add(inv)
			t.medium(inv).Issued.add(inv)
		}
		for _, part := range inv.PartialRedFlushes {
			if !part.At.Before(t.start) && part.At.Before(t.end) {
				t.s.PartlyRedFlushed.addPart(part)
				t.medium(inv).PartlyRedFlushed.addPart(part)
			}
		}
		for _, c := range t.closings[ref.pos] {
			if c.status() == domain.Voided {
				t.s.Voided.add(inv)
				t.medium(inv).Voided.add(inv)
			} else {
				t.s.RedFlushed.addRest(inv)
				t.medium(inv).RedFlushed.addRest(inv)
			}
		}
	}
}

func (t *taxWalk) finish() TaxSummary {
	s := t.s
	s.Net = s.Issued.minus(s.Voided).minus(s.RedFlushed).minus(s.PartlyRedFlushed)
	for _, m := range s.ByMedium {
		m.Net = m.Issued.minus(m.Voided).minus(m.RedFlushed).minus(m.PartlyRedFlushed)
	}
	return s
}
