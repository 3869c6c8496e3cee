package domain

import "slices"

// Actions lists what role may do to the invoice now (console buttons):
// "cancel", "approve", "reject", "issue", "ship", "return",
// "paper_received", "reject_return", "void", "red_flush". In paper_received
// both "void" and "red_flush" are listed: whether a void is allowed depends
// on the current month (RETURN-4), which Actions does not know; VoidAllowed
// answers it, and the void command refuses with RETURN-4. Refunds after
// invoicing (DEF-5): finance may red-flush part ("red_flush_part") of an
// issued paper invoice that owes a deficit, and a partly red-flushed
// invoice is never voided.
func (inv *Invoice) Actions(role Role) []string {
	if inv.IsElectronic() {
		return inv.electronicActions(role)
	}
	acts := inv.paperActions(role)
	if role == RoleFinance && inv.Status == Issued && inv.Deficit().IsPositive() {
		acts = append(acts, "red_flush_part")
	}
	if inv.RedFlushedAmount.IsPositive() {
		acts = slices.DeleteFunc(slices.Clone(acts), func(a string) bool { return a == "void" })
	}
	return acts
}

func (inv *Invoice) paperActions(role Role) []string {
	switch role {
	case RoleCustomer:
		switch inv.Status {
		case UnderReview:
			return []string{"cancel"}
		case Issued:
			return []string{"return"}
		}
	case RoleSupport:
		if inv.Status == Issuing {
			return []string{"cancel"}
		}
	case RoleFinance:
		switch inv.Status {
		case UnderReview:
			return []string{"approve", "reject"}
		case Issuing:
			return []string{"issue"}
		case Issued:
			if inv.Shipment == nil {
				return []string{"ship"}
			}
		case ReturnRequestedState:
			return []string{"paper_received", "reject_return"}
		case PaperReceived:
			if inv.Return != nil && inv.Return.Certified {
				return []string{"reject_return", "red_flush"} // never void a certified invoice
			}
			return []string{"reject_return", "void", "red_flush"}
		}
	}
	return []string{}
}

// electronicActions: no ship, no paper, no void (EINV-2, EINV-4); a return
// goes through a red-letter confirmation ("confirmation": enter one, RED-1).
// The red-flush itself is an action of the usable confirmation
// (Confirmation.Actions), since it needs one.
func (inv *Invoice) electronicActions(role Role) []string {
	switch role {
	case RoleCustomer:
		switch inv.Status {
		case UnderReview:
			return []string{"cancel"}
		case Issued:
			return []string{"return", "confirmation"}
		case ReturnRequestedState:
			return []string{"confirmation"}
		}
	case RoleSupport:
		if inv.Status == Issuing {
			return []string{"cancel"}
		}
	case RoleFinance:
		switch inv.Status {
		case UnderReview:
			return []string{"approve", "reject"}
		case Issuing:
			return []string{"issue"}
		case Issued:
			return []string{"confirmation"}
		case ReturnRequestedState:
			return []string{"reject_return", "confirmation"}
		}
	}
	return []string{}
}
