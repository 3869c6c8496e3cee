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
	key := actionKey{role, inv.Status}
	if inv.IsElectronic() {
		return append([]string{}, electronicActions[key]...)
	}
	acts := append([]string{}, paperActions[key]...)
	drop := func(action string) { acts = slices.DeleteFunc(acts, func(a string) bool { return a == action }) }
	if inv.Shipment != nil {
		drop("ship")
	}
	if inv.Return != nil && inv.Return.Certified {
		drop("void") // never void a certified invoice
	}
	if inv.RedFlushedAmount.IsPositive() {
		drop("void")
	}
	if role == RoleFinance && inv.Status == Issued && inv.Deficit().IsPositive() {
		acts = append(acts, "red_flush_part")
	}
	return acts
}

// actionKey is who asks about an invoice in which state.
type actionKey struct {
	role   Role
	status InvoiceStatus
}

// paperActions: what each role may do to a paper invoice in each state,
// before what Actions takes off for the invoice's own facts (shipped,
// certified, partly red-flushed).
var paperActions = map[actionKey][]string{
	{RoleCustomer, UnderReview}:         {"cancel"},
	{RoleCustomer, Issued}:              {"return"},
	{RoleSupport, Issuing}:              {"cancel"},
	{RoleFinance, UnderReview}:          {"approve", "reject"},
	{RoleFinance, Issuing}:              {"issue"},
	{RoleFinance, Issued}:               {"ship"},
	{RoleFinance, ReturnRequestedState}: {"paper_received", "reject_return"},
	{RoleFinance, PaperReceived}:        {"reject_return", "void", "red_flush"},
}

// electronicActions: no ship, no paper, no void (EINV-2, EINV-4); a return
// goes through a red-letter confirmation ("confirmation": enter one, RED-1).
// The red-flush itself is an action of the usable confirmation
// (Confirmation.Actions), since it needs one.
var electronicActions = map[actionKey][]string{
	{RoleCustomer, UnderReview}:          {"cancel"},
	{RoleCustomer, Issued}:               {"return", "confirmation"},
	{RoleCustomer, ReturnRequestedState}: {"confirmation"},
	{RoleSupport, Issuing}:               {"cancel"},
	{RoleFinance, UnderReview}:           {"approve", "reject"},
	{RoleFinance, Issuing}:               {"issue"},
	{RoleFinance, Issued}:                {"confirmation"},
	{RoleFinance, ReturnRequestedState}:  {"reject_return", "confirmation"},
}
