package domain

import (
	"testing"
)

func TestSTMT1_PostableFromDay3NextMonth(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		month string
		now   string
		ok    bool
	}{
		{"one second before day 3 Shanghai", "2026-09", "2026-10-02T23:59:59+08:00", false},
		{"midnight day 3 Shanghai", "2026-09", "2026-10-03T00:00:00+08:00", true},
		{"day 3 is still day 2 in UTC", "2026-09", "2026-10-02T16:00:00Z", true},
		{"December rolls into January", "2026-12", "2027-01-02T12:00:00+08:00", false},
		{"December posted on 3 January", "2026-12", "2027-01-03T00:00:00+08:00", true},
		{"the current month", "2026-10", "2026-10-20T00:00:00+08:00", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := PostStatement{Month: tt.month, Lines: []StatementLine{kLine("l1", "1.00")}}.Decide(NewAccount("a"), testEnv(tt.now))
			if tt.ok && err != nil {
				t.Fatal(err)
			}
			if !tt.ok {
				wantRule(t, err, "STMT-1", StateRule, "")
			}
		})
	}
	for _, bad := range []string{"2026-13", "2026-9", "202609", "", "2026-00"} {
		_, err := PostStatement{Month: bad, Lines: []StatementLine{kLine("l1", "1.00")}}.Decide(NewAccount("a"), testEnv("2030-01-01T00:00:00Z"))
		wantRule(t, err, "STMT-1", FieldRule, "month")
	}
}

func TestSTMT2_OneImmutableStatementPerMonth(t *testing.T) {
	t.Parallel()
	a := NewAccount("a")
	env := testEnv("2026-10-05T00:00:00+08:00")
	lines := []StatementLine{kLine("l1", "10.00"), mLine("l2", "5.50")}
	must(t, a, env, PostStatement{Month: "2026-09", Lines: lines})

	same := []StatementLine{kLine("l1", "10.00"), mLine("l2", "5.5")} // same amount, other spelling
	evs, err := PostStatement{Month: "2026-09", Lines: same}.Decide(a, env)
	if err != nil || len(evs) != 0 {
		t.Fatalf("identical repost: want no events and no error, got %v, %v", evs, err)
	}
	other := []StatementLine{kLine("l1", "10.00"), mLine("l2", "5.51")}
	_, err = PostStatement{Month: "2026-09", Lines: other}.Decide(a, env)
	wantRule(t, err, "STMT-2", StateRule, "")

	// Any one field that differs makes it another statement.
	edits := map[string]func(*StatementLine){
		"line_id":      func(l *StatementLine) { l.LineID = "l9" },
		"product":      func(l *StatementLine) { l.Product = "ebs" },
		"billing_mode": func(l *StatementLine) { l.BillingMode = Postpaid },
		"purchased_at": func(l *StatementLine) { l.PurchasedAt = "2025-06-02" },
		"channel":      func(l *StatementLine) { l.Channel = ChannelMarketplaceSelf },
		"merchant":     func(l *StatementLine) { l.Merchant = "m" },
		"amount":       func(l *StatementLine) { l.Amount = MustMoney("10.01") },
		"voucher":      func(l *StatementLine) { l.Voucher = MustMoney("0.01") },
		"coupon":       func(l *StatementLine) { l.Coupon = MustMoney("0.01") },
		"gift_balance": func(l *StatementLine) { l.GiftBalance = MustMoney("0.01") },
	}
	for field, edit := range edits {
		changed := []StatementLine{kLine("l1", "10.00"), mLine("l2", "5.50")}
		edit(&changed[0])
		_, err := PostStatement{Month: "2026-09", Lines: changed}.Decide(a, env)
		if re, ok := AsRuleError(err); !ok || re.Code != "STMT-2" || re.Kind != StateRule {
			t.Errorf("%s differs: want STMT-2, got %v", field, err)
		}
	}
	_, err = PostStatement{Month: "2026-09", Lines: lines[:1]}.Decide(a, env)
	wantRule(t, err, "STMT-2", StateRule, "")

	// Folding a duplicate anyway (a corrupt log) keeps the first statement.
	a.Apply(StatementPosted{Month: "2026-09", Lines: other})
	if got := a.Statements["2026-09"].Buckets.Marketplace.String(); got != "5.50" {
		t.Fatalf("statement changed by a repost: marketplace %s", got)
	}
}

func TestSTMT3_LineValidation(t *testing.T) {
	t.Parallel()
	good := func() StatementLine {
		l := kLine("l1", "100.00")
		l.Voucher, l.Coupon, l.GiftBalance = MustMoney("50.00"), MustMoney("30.00"), MustMoney("20.00")
		return l
	}
	tests := []struct {
		name  string
		lines func() []StatementLine
		field string
	}{
		{"deductions equal to amount are fine", func() []StatementLine { return []StatementLine{good()} }, ""},
		{"no lines", func() []StatementLine { return nil }, "lines"},
		{"deductions exceed amount", func() []StatementLine {
			l := good()
			l.GiftBalance = MustMoney("20.01")
			return []StatementLine{l}
		}, "lines[0].amount"},
		{"negative amount from code", func() []StatementLine {
			l := good()
			l.Amount = MoneyFromDecimal(MustMoney("1.00").Decimal().Neg())
			return []StatementLine{l}
		}, "lines[0].amount"},
		{"three decimals from code", func() []StatementLine {
			l := kLine("l1", "1.00")
			l.Coupon = fromDecimal(MustMoney("0.10").Decimal().Add(MustMoney("0.01").Decimal().Shift(-1)))
			return []StatementLine{l}
		}, "lines[0].coupon"},
		{"duplicate line id", func() []StatementLine { return []StatementLine{kLine("x", "1.00"), kLine("x", "2.00")} }, "lines[1].line_id"},
		{"empty line id", func() []StatementLine { return []StatementLine{kLine("", "1.00")} }, "lines[0].line_id"},
		{"bad billing mode", func() []StatementLine {
			return []StatementLine{line("l", ChannelKingsoft, "monthly", "2026-01-01", "1.00")}
		}, "lines[0].billing_mode"},
		{"bad channel", func() []StatementLine { return []StatementLine{line("l", "aliyun", Prepaid, "2026-01-01", "1.00")} }, "lines[0].channel"},
		{"bad date", func() []StatementLine {
			return []StatementLine{line("l", ChannelKingsoft, Prepaid, "2026-02-30", "1.00")}
		}, "lines[0].purchased_at"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := PostStatement{Month: "2026-09", Lines: tt.lines()}.Decide(NewAccount("a"), testEnv("2026-10-05T00:00:00+08:00"))
			if tt.field == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			wantRule(t, err, "STMT-3", FieldRule, tt.field)
		})
	}
}

func TestSTMT4_Buckets(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		ch        Channel
		mode      BillingMode
		purchased string
		want      Bucket
	}{
		{"merchant on the cut-off day", ChannelMarketplaceMerchant, Prepaid, "2020-10-29", BucketMerchant},
		{"merchant the day before the cut-off", ChannelMarketplaceMerchant, Prepaid, "2020-10-28", BucketMarketplace},
		{"merchant postpaid after cut-off is still merchant (rule 1 first)", ChannelMarketplaceMerchant, Postpaid, "2021-01-01", BucketMerchant},
		{"merchant postpaid before cut-off is offline", ChannelMarketplaceMerchant, Postpaid, "2019-01-01", BucketOffline},
		{"prepaid on 2018-01-31 is online", ChannelKingsoft, Prepaid, "2018-01-31", BucketKingsoft},
		{"prepaid on 2018-01-30 is offline", ChannelKingsoft, Prepaid, "2018-01-30", BucketOffline},
		{"postpaid kingsoft is offline", ChannelKingsoft, Postpaid, "2025-01-01", BucketOffline},
		{"other billing mode is offline", ChannelMarketplaceSelf, OtherBillingMode, "2025-01-01", BucketOffline},
		{"kingsoft prepaid", ChannelKingsoft, Prepaid, "2025-01-01", BucketKingsoft},
		{"self-operated marketplace", ChannelMarketplaceSelf, Prepaid, "2025-01-01", BucketMarketplace},
		{"merchant before cut-off, old purchase is offline", ChannelMarketplaceMerchant, Prepaid, "2018-01-30", BucketOffline},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := ClassifyLine(line("l", tt.ch, tt.mode, tt.purchased, "1.00")); got != tt.want {
				t.Fatalf("got %s, want %s", got, tt.want)
			}
		})
	}
}

func TestSTMT5_DeductionsNeverInvoiceable(t *testing.T) {
	t.Parallel()
	l := kLine("l1", "100.00")
	l.Voucher, l.Coupon, l.GiftBalance = MustMoney("10.00"), MustMoney("5.00"), MustMoney("2.50")
	m := mLine("l2", "40.00")
	m.GiftBalance = MustMoney("40.00") // fully paid by gift balance: nothing to invoice
	b := Summarize([]StatementLine{l, m})
	if b.Kingsoft.String() != "82.50" || b.Marketplace.String() != "0.00" || b.Deductions.String() != "57.50" {
		t.Fatalf("buckets %+v", b)
	}
	if b.Invoiceable().String() != "82.50" {
		t.Fatalf("invoiceable %s", b.Invoiceable())
	}
}

func TestSTMT6_InvoiceableIsKingsoftPlusMarketplace(t *testing.T) {
	t.Parallel()
	lines := []StatementLine{
		kLine("k", "10.00"),
		mLine("m", "20.00"),
		line("merchant", ChannelMarketplaceMerchant, Prepaid, "2024-01-01", "40.00"),
		line("offline", ChannelKingsoft, Postpaid, "2024-01-01", "80.00"),
	}
	b := Summarize(lines)
	want := Buckets{Kingsoft: MustMoney("10"), Marketplace: MustMoney("20"), Merchant: MustMoney("40"), Offline: MustMoney("80")}
	if !b.Kingsoft.Equal(want.Kingsoft) || !b.Marketplace.Equal(want.Marketplace) || !b.Merchant.Equal(want.Merchant) || !b.Offline.Equal(want.Offline) {
		t.Fatalf("got %+v", b)
	}
	if b.Invoiceable().String() != "30.00" {
		t.Fatalf("invoiceable %s, want 30.00", b.Invoiceable())
	}
}
