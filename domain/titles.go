package domain

import "strings"

// Length limits of title fields, in characters.
const (
	maxNameLen    = 100
	maxAddressLen = 200
	maxPhoneLen   = 30
	maxBankLen    = 100
	maxAccountLen = 40
)

// Decide submits a title: TITLE-1 (its fields), TITLE-2 (no current title),
// TITLE-3 (vat_general is approved at once, vat_special waits for finance).
func (c SubmitTitle) Decide(a *Account, env Env) ([]Event, error) {
	t, err := validateTitle(c.Title)
	if err != nil {
		return nil, err
	}
	if cur := a.CurrentTitle(); cur != nil {
		return nil, stateErr("TITLE-2", "the account already has a title (%s); a title cannot be edited — ask support (400-107-0808) to clear it, then submit the new one", cur.Status)
	}
	id := env.NewID()
	evs := []Event{TitleSubmitted{TitleID: id, Title: t, SubmittedAt: env.Now}}
	if t.Type == VATGeneral {
		evs = append(evs, TitleApproved{TitleID: id, Automatic: true, ApprovedAt: env.Now})
	}
	return evs, nil
}

// validateTitle checks TITLE-1 and returns the title with its text trimmed.
func validateTitle(in Title) (Title, error) {
	var fe []FieldError
	add := func(field, msg string) { fe = append(fe, FieldError{Field: field, Message: msg}) }
	t := in
	if t.Holder == "" {
		t.Holder = HolderCompany
	}
	switch t.Type {
	case VATGeneral, VATSpecial:
	default:
		add("type", "type must be vat_general or vat_special")
	}
	switch t.Holder {
	case HolderCompany:
	case HolderIndividual:
		if t.Type == VATSpecial {
			add("holder", "a vat_special (增值税专用发票) title is for companies only")
		}
	default:
		add("holder", "holder must be company or individual")
	}
	var msg string
	if t.Name, msg = cleanText(t.Name, maxNameLen); msg != "" {
		add("name", "name "+msg)
	}
	t.TaxpayerID = strings.TrimSpace(t.TaxpayerID)
	extra := []struct {
		name string
		v    *string
		max  int
	}{
		{"registered_address", &t.RegisteredAddress, maxAddressLen},
		{"registered_phone", &t.RegisteredPhone, maxPhoneLen},
		{"bank_name", &t.BankName, maxBankLen},
		{"bank_account", &t.BankAccount, maxAccountLen},
	}
	if t.Holder == HolderIndividual {
		if t.TaxpayerID != "" {
			add("taxpayer_id", "an individual's title carries a name only")
		}
		for _, f := range extra {
			if strings.TrimSpace(*f.v) != "" {
				add(f.name, "an individual's title carries a name only")
			}
		}
	} else {
		if t.TaxpayerID == "" {
			add("taxpayer_id", "taxpayer_id is required for a company")
		} else if !ValidTaxpayerID(t.TaxpayerID) {
			add("taxpayer_id", "taxpayer_id must be an 18-character unified social credit code with a valid check character, or a 15-, 17- or 20-character taxpayer number in digits and capitals")
		}
		for _, f := range extra {
			if t.Type != VATSpecial && strings.TrimSpace(*f.v) == "" {
				*f.v = ""
				continue // optional on a general invoice
			}
			if *f.v, msg = cleanText(*f.v, f.max); msg != "" {
				add(f.name, f.name+" "+msg)
			}
		}
	}
	if len(fe) > 0 {
		return t, &RuleError{Code: "TITLE-1", Kind: FieldRule, Field: fe[0].Field, Message: fe[0].Message, Fields: fe}
	}
	return t, nil
}

// pendingTitle returns the title awaiting review, or a rule error.
func pendingTitle(a *Account) (*CurrentTitle, error) {
	cur := a.CurrentTitle()
	if cur == nil {
		return nil, stateErr("TITLE-3", "the account has no title pending review")
	}
	if cur.Status != TitlePendingReview {
		return nil, stateErr("TITLE-3", "the title is %s; only a title pending review can be approved or rejected", cur.Status)
	}
	return cur, nil
}

// Decide approves a pending vat_special title (TITLE-3).
func (c ApproveTitle) Decide(a *Account, env Env) ([]Event, error) {
	cur, err := pendingTitle(a)
	if err != nil {
		return nil, err
	}
	return []Event{TitleApproved{TitleID: cur.ID, ApprovedAt: env.Now}}, nil
}

// Decide rejects a pending vat_special title with a reason (TITLE-3).
func (c RejectTitle) Decide(a *Account, env Env) ([]Event, error) {
	reason, msg := cleanText(c.Reason, 500)
	if msg != "" {
		return nil, fieldErr("TITLE-3", "reason", "reason %s", msg)
	}
	cur, err := pendingTitle(a)
	if err != nil {
		return nil, err
	}
	return []Event{TitleRejected{TitleID: cur.ID, Rejection: Rejection{Reason: reason, RejectedAt: env.Now}}}, nil
}

// Decide clears the current title for support, recording the reason and
// ticket (TITLE-4). Existing applications keep their snapshot (TITLE-5).
func (c ClearTitle) Decide(a *Account, env Env) ([]Event, error) {
	reason, msg := cleanText(c.Reason, 500)
	if msg != "" {
		return nil, fieldErr("TITLE-4", "reason", "reason %s", msg)
	}
	ticket, msg := cleanText(c.Ticket, 100)
	if msg != "" {
		return nil, fieldErr("TITLE-4", "ticket", "ticket %s", msg)
	}
	cur := a.CurrentTitle()
	if cur == nil {
		return nil, stateErr("TITLE-4", "the account has no current title to clear")
	}
	return []Event{TitleCleared{TitleID: cur.ID, Reason: reason, Ticket: ticket, ClearedAt: env.Now}}, nil
}
