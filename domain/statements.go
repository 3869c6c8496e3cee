package domain

import (
	"time"
)

// Cut-off dates of STMT-4, as YYYY-MM-DD so that they compare as strings.
const (
	// MerchantCutoff: marketplace-merchant purchases from this date on are
	// invoiced by the merchant (自2020年10月29日开始).
	MerchantCutoff = "2020-10-29"
	// OnlineCutoff: prepaid purchases before this date are invoiced offline
	// (2018年1月31日起购买的包年包月产品).
	OnlineCutoff = "2018-01-31"
)

// ClassifyLine puts a line's cash in its STMT-4 bucket, checking the rules
// in DOMAIN.md's order.
func ClassifyLine(l StatementLine) Bucket {
	return classifyLine(l.Channel, l.BillingMode, l.PurchasedAt)
}

// classifyLine is ClassifyLine of a line's three fields that decide it
// (a summarising decoder has only those).
func classifyLine(channel Channel, mode BillingMode, purchasedAt string) Bucket {
	switch {
	case channel == ChannelMarketplaceMerchant && purchasedAt >= MerchantCutoff:
		return BucketMerchant
	case mode != Prepaid || purchasedAt < OnlineCutoff:
		return BucketOffline
	case channel == ChannelKingsoft:
		return BucketKingsoft
	default:
		return BucketMarketplace
	}
}

// Cash is the line's amount less its deductions (STMT-5).
func (l StatementLine) Cash() Money {
	return l.Amount.Sub(l.Deductions())
}

// Deductions is voucher + coupon + gift balance, never invoiceable (STMT-5).
func (l StatementLine) Deductions() Money {
	return l.Voucher.Add(l.Coupon).Add(l.GiftBalance)
}

// Summarize sums a statement's lines into buckets (STMT-4/5).
func Summarize(lines []StatementLine) Buckets {
	var b Buckets
	for i := range lines {
		l := &lines[i]
		b.add(classifyLine(l.Channel, l.BillingMode, l.PurchasedAt), l.Amount, l.Deductions())
	}
	return b
}

// add adds a line of bucket c, its amount and its deductions (STMT-5:
// voucher + coupon + gift balance).
func (b *Buckets) add(c Bucket, amount, ded Money) {
	b.Deductions = b.Deductions.Add(ded)
	cash := amount.Sub(ded)
	switch c {
	case BucketMerchant:
		b.Merchant = b.Merchant.Add(cash)
	case BucketOffline:
		b.Offline = b.Offline.Add(cash)
	case BucketKingsoft:
		b.Kingsoft = b.Kingsoft.Add(cash)
	default:
		b.Marketplace = b.Marketplace.Add(cash)
	}
}

// PostableFrom is the instant from which month's statement may be posted:
// 00:00 Asia/Shanghai on day 3 of the next month (STMT-1).
func PostableFrom(month string) (time.Time, error) {
	m, err := time.ParseInLocation(MonthLayout, month, shanghai)
	if err != nil {
		return time.Time{}, err
	}
	return time.Date(m.Year(), m.Month()+1, 3, 0, 0, 0, 0, shanghai), nil
}

// Decide posts a statement: STMT-1 (not before day 3 of the next month),
// STMT-2 (once per month; an identical repost is a no-op with no events),
// STMT-3 (valid lines).
func (c PostStatement) Decide(a *Account, env Env) ([]Event, error) {
	if !ValidMonth(c.Month) {
		return nil, fieldErr("STMT-1", "month", "%q is not a month: use YYYY-MM, like 2026-09", c.Month)
	}
	if err := validateLines(c.Lines); err != nil {
		return nil, err
	}
	if old := a.Statements[c.Month]; old != nil {
		if sameLines(old.Lines, c.Lines) {
			return nil, nil
		}
		return nil, stateErr("STMT-2", "the statement for %s was already posted with other lines; a statement is immutable", c.Month)
	}
	from, _ := PostableFrom(c.Month)
	if env.Now.Before(from) {
		return nil, stateErr("STMT-1", "the statement for %s can be posted from %s (Asia/Shanghai), not before",
			c.Month, from.Format("2006-01-02 15:04"))
	}
	// DEF-3: a new statement offsets any deficit at once.
	return settle(a, env, []Event{StatementPosted{Month: c.Month, Lines: c.Lines, PostedAt: env.Now}}), nil
}

func validMoney(m Money) bool {
	if !m.isBig() {
		return m.c() >= 0 // the int64 form has at most two decimals
	}
	d := m.Decimal()
	return !d.IsNegative() && d.Equal(d.Round(2))
}

// validateLines checks STMT-3 and the line fields; it reports every bad field.
func validateLines(lines []StatementLine) error {
	var fe []FieldError
	add := func(field, msg string) { fe = append(fe, FieldError{Field: field, Message: msg}) }
	if len(lines) == 0 {
		add("lines", "a statement needs at least one line")
	}
	seen := make(map[string]bool, len(lines))
	for i, l := range lines {
		p := "lines[" + itoa(i) + "]."
		switch {
		case l.LineID == "":
			add(p+"line_id", "line_id is required")
		case seen[l.LineID]:
			add(p+"line_id", "line_id "+l.LineID+" appears twice")
		}
		seen[l.LineID] = true
		if l.Product == "" {
			add(p+"product", "product is required")
		}
		switch l.BillingMode {
		case Prepaid, Postpaid, OtherBillingMode:
		default:
			add(p+"billing_mode", "billing_mode must be prepaid, postpaid or other")
		}
		switch l.Channel {
		case ChannelKingsoft, ChannelMarketplaceSelf, ChannelMarketplaceMerchant:
		default:
			add(p+"channel", "channel must be kingsoft, marketplace_self or marketplace_merchant")
		}
		if _, err := time.Parse(DateLayout, l.PurchasedAt); err != nil {
			add(p+"purchased_at", "purchased_at must be a date YYYY-MM-DD")
		}
		moneyOK := true
		for _, f := range []struct {
			name string
			m    Money
		}{{"amount", l.Amount}, {"voucher", l.Voucher}, {"coupon", l.Coupon}, {"gift_balance", l.GiftBalance}} {
			if !validMoney(f.m) {
				add(p+f.name, f.name+" must be ≥ 0 with at most two decimals")
				moneyOK = false
			}
		}
		if moneyOK && l.Deductions().Cmp(l.Amount) > 0 {
			add(p+"amount", "voucher + coupon + gift_balance ("+l.Deductions().String()+") exceed the amount ("+l.Amount.String()+")")
		}
	}
	if len(fe) == 0 {
		return nil
	}
	return &RuleError{Code: "STMT-3", Kind: FieldRule, Field: fe[0].Field, Message: fe[0].Message, Fields: fe}
}

func sameLines(x, y []StatementLine) bool {
	if len(x) != len(y) {
		return false
	}
	for i := range x {
		a, b := &x[i], &y[i]
		if a.LineID != b.LineID || a.Product != b.Product || a.BillingMode != b.BillingMode ||
			a.PurchasedAt != b.PurchasedAt || a.Channel != b.Channel || a.Merchant != b.Merchant ||
			!a.Amount.Equal(b.Amount) || !a.Voucher.Equal(b.Voucher) || !a.Coupon.Equal(b.Coupon) ||
			!a.GiftBalance.Equal(b.GiftBalance) {
			return false
		}
	}
	return true
}
