package projections

import "github.com/fapiao/fapiao/domain"

// Adjustments lists the adjustments of the account's statement for month
// in the order posted (DEF-1); false when there is no such statement.
func (p *Projections) Adjustments(acc, month string) ([]domain.Adjustment, bool) {
	var out []domain.Adjustment
	p.withAccount("adjustments", acc, func(av *accountView) {
		if av.acc.Statements[month] == nil {
			return
		}
		out = []domain.Adjustment{}
		for _, id := range av.acc.AdjustmentOrder {
			if a := av.acc.Adjustments[id]; a.Month == month {
				out = append(out, a)
			}
		}
	})
	return out, out != nil
}
