package domain

import (
	"strings"
	"testing"
)

func TestTITLE1_TaxpayerID(t *testing.T) {
	t.Parallel()
	tests := []struct {
		id   string
		want bool
	}{
		{"91350100M000100Y43", true},
		{"91110000600037341L", true},
		{"91110108MA01KPGK0L", true},
		{"9111000060003734F0", true}, // Σ mod 31 = 0: check 31 → 0
		{"91350100M000100Y44", false},
		{"91110000600037341M", false},
		{"91350100m000100Y43", false},  // lower case
		{"91350100I000100Y43", false},  // I is not in the alphabet
		{"9135010M000100Y43", true},    // 17 capitals and digits: a legacy number, no check
		{"110108000000016", true},      // legacy 15
		{"11010800000001600", true},    // legacy 17
		{"1101080000000160000A", true}, // legacy 20
		{"11010800000001", false},      // 14
		{"110108-00000016", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := ValidTaxpayerID(tt.id); got != tt.want {
			t.Errorf("ValidTaxpayerID(%q) = %v, want %v", tt.id, got, tt.want)
		}
	}
}

func TestTITLE1_Fields(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		edit  func(*Title)
		field string
	}{
		{"general company", func(*Title) {}, ""},
		{"individual name only", func(t *Title) { *t = Title{Type: VATGeneral, Holder: HolderIndividual, Name: " 张三 "} }, ""},
		{"bad check digit", func(t *Title) { t.TaxpayerID = "91350100M000100Y44" }, "taxpayer_id"},
		{"company without taxpayer id", func(t *Title) { t.TaxpayerID = "" }, "taxpayer_id"},
		{"blank name", func(t *Title) { t.Name = "   " }, "name"},
		{"name too long", func(t *Title) { t.Name = strings.Repeat("名", 101) }, "name"},
		{"bidi override in name", func(t *Title) { t.Name = "abc\u202Edef" }, "name"},
		{"control char in name", func(t *Title) { t.Name = "abc\x07" }, "name"},
		{"bad type", func(t *Title) { t.Type = "vat_electronic" }, "type"},
		{"individual special", func(t *Title) { *t = specialTitle(); t.Holder = HolderIndividual }, "holder"},
		{"special without bank account", func(t *Title) { *t = specialTitle(); t.BankAccount = "" }, "bank_account"},
		{"special without registered address", func(t *Title) { *t = specialTitle(); t.RegisteredAddress = " " }, "registered_address"},
		{"special without registered phone", func(t *Title) { *t = specialTitle(); t.RegisteredPhone = "" }, "registered_phone"},
		{"special without bank name", func(t *Title) { *t = specialTitle(); t.BankName = "" }, "bank_name"},
		{"special without taxpayer id", func(t *Title) { *t = specialTitle(); t.TaxpayerID = "" }, "taxpayer_id"},
		{"special complete", func(t *Title) { *t = specialTitle() }, ""},
		{"general with optional bank details", func(t *Title) { t.BankName, t.BankAccount = "中国银行", "6216600000000000000" }, ""},
		{"individual with taxpayer id", func(t *Title) { t.Holder = HolderIndividual }, "taxpayer_id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			title := generalTitle()
			tt.edit(&title)
			evs, err := SubmitTitle{Title: title}.Decide(NewAccount("a"), testEnv("2026-10-12T10:00:00+08:00"))
			if tt.field != "" {
				wantRule(t, err, "TITLE-1", FieldRule, tt.field)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := evs[0].(TitleSubmitted).Title.Name; got != strings.TrimSpace(got) {
				t.Fatalf("name not trimmed: %q", got)
			}
		})
	}
}

func TestTITLE2_AtMostOneCurrentTitle(t *testing.T) {
	t.Parallel()
	a := NewAccount("a")
	env := testEnv("2026-10-12T10:00:00+08:00")
	must(t, a, env, SubmitTitle{Title: specialTitle()})
	_, err := SubmitTitle{Title: generalTitle()}.Decide(a, env)
	wantRule(t, err, "TITLE-2", StateRule, "")
	must(t, a, env, RejectTitle{Reason: "bank account does not match"})
	if a.CurrentTitle() != nil {
		t.Fatal("a rejected title is still current")
	}
	must(t, a, env, SubmitTitle{Title: generalTitle()}) // allowed after a rejection
	_, err = SubmitTitle{Title: generalTitle()}.Decide(a, env)
	wantRule(t, err, "TITLE-2", StateRule, "")
}

func TestTITLE3_GeneralAutoApprovedSpecialReviewed(t *testing.T) {
	t.Parallel()
	env := testEnv("2026-10-12T10:00:00+08:00")
	a := NewAccount("a")
	evs := must(t, a, env, SubmitTitle{Title: generalTitle()})
	if len(evs) != 2 || !evs[1].(TitleApproved).Automatic || a.CurrentTitle().Status != TitleApprovedState {
		t.Fatalf("general: %#v", evs)
	}
	_, err := ApproveTitle{}.Decide(a, env)
	wantRule(t, err, "TITLE-3", StateRule, "")

	b := NewAccount("b")
	_, err = ApproveTitle{}.Decide(b, env)
	wantRule(t, err, "TITLE-3", StateRule, "")
	must(t, b, env, SubmitTitle{Title: specialTitle()})
	if b.CurrentTitle().Status != TitlePendingReview || b.ApprovedTitle() != nil {
		t.Fatalf("special: %s", b.CurrentTitle().Status)
	}
	_, err = RejectTitle{}.Decide(b, env)
	wantRule(t, err, "TITLE-3", FieldRule, "reason")
	must(t, b, env, ApproveTitle{})
	if b.ApprovedTitle() == nil {
		t.Fatal("not approved")
	}
}

func TestTITLE4_SupportClearsWithReasonAndTicket(t *testing.T) {
	t.Parallel()
	env := testEnv("2026-10-12T10:00:00+08:00")
	a := NewAccount("a")
	_, err := ClearTitle{Reason: "r", Ticket: "T-1"}.Decide(a, env)
	wantRule(t, err, "TITLE-4", StateRule, "")
	must(t, a, env, SubmitTitle{Title: generalTitle()})
	_, err = ClearTitle{Reason: "company renamed"}.Decide(a, env)
	wantRule(t, err, "TITLE-4", FieldRule, "ticket")
	_, err = ClearTitle{Ticket: "T-1"}.Decide(a, env)
	wantRule(t, err, "TITLE-4", FieldRule, "reason")
	evs := must(t, a, env, ClearTitle{Reason: "company renamed", Ticket: "T-1"})
	if c := evs[0].(TitleCleared); c.Ticket != "T-1" || c.Reason != "company renamed" {
		t.Fatalf("%+v", c)
	}
	if a.CurrentTitle() != nil || a.Title.Status != TitleClearedState {
		t.Fatal("title still current after clearing")
	}
	must(t, a, env, SubmitTitle{Title: specialTitle()})
}

func TestTITLE5_ApplicationsKeepSnapshots(t *testing.T) {
	t.Parallel()
	a, env, id := applied(t)
	must(t, a, env, ClearTitle{Reason: "renamed", Ticket: "T-9"})
	newTitle := generalTitle()
	newTitle.Name = "厦门新名字有限公司"
	must(t, a, env, SubmitTitle{Title: newTitle})
	addr := a.DefaultAddress().ID
	changed := testAddress()
	changed.Street = "另一条街1号"
	must(t, a, env, UpdateAddress{AddressID: addr, Address: changed})
	inv := a.Invoice(id)
	if inv.Title.Name != generalTitle().Name || inv.Address.Street != testAddress().Street {
		t.Fatalf("snapshot changed: %+v %+v", inv.Title, inv.Address)
	}
}
