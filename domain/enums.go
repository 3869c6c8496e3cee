package domain

import "slices"

// Each string enum's values, listed once, in the order DOMAIN.md gives
// them: the API's checks, the OpenAPI document and the console are built
// from these lists (TestEnumListsHoldEveryConstant proves each holds every
// constant of its type). The functions return copies.
var (
	billingModes         = []BillingMode{Prepaid, Postpaid, OtherBillingMode}
	channels             = []Channel{ChannelKingsoft, ChannelMarketplaceSelf, ChannelMarketplaceMerchant}
	titleTypes           = []TitleType{VATGeneral, VATSpecial}
	holders              = []Holder{HolderCompany, HolderIndividual}
	titleStatuses        = []TitleStatus{TitlePendingReview, TitleApprovedState, TitleRejectedState, TitleClearedState}
	statementStatuses    = []StatementStatus{StatementAvailable, StatementReserved, StatementInvoiced, StatementOffset}
	invoiceStatuses      = []InvoiceStatus{UnderReview, Issuing, Issued, ReturnRequestedState, PaperReceived, Rejected, Cancelled, Voided, RedFlushed}
	media                = []Medium{Paper, Electronic}
	confirmationStatuses = []ConfirmationStatus{ConfirmationNotRequired, ConfirmationPendingBuyer, ConfirmationPendingSeller, ConfirmationConfirmed, ConfirmationRefused, ConfirmationWithdrawn, ConfirmationExpired}
	sides                = []Side{Seller, Buyer}
	redReasons           = []RedReason{ReasonIssuingError, ReasonServiceTerminated, ReasonSalesAllowance}
)

// BillingModes lists every BillingMode.
func BillingModes() []BillingMode { return slices.Clone(billingModes) }

// Channels lists every Channel.
func Channels() []Channel { return slices.Clone(channels) }

// InvoiceableBuckets lists the buckets invoices are made of, the ones an
// adjustment may take from (STMT-4, DEF-1).
func InvoiceableBuckets() []Bucket { return []Bucket{BucketKingsoft, BucketMarketplace} }

// TitleTypes lists every TitleType.
func TitleTypes() []TitleType { return slices.Clone(titleTypes) }

// Holders lists every Holder.
func Holders() []Holder { return slices.Clone(holders) }

// TitleStatuses lists every TitleStatus.
func TitleStatuses() []TitleStatus { return slices.Clone(titleStatuses) }

// StatementStatuses lists every StatementStatus (BAL-1, DEF-3).
func StatementStatuses() []StatementStatus { return slices.Clone(statementStatuses) }

// Known reports whether s is one of StatementStatuses.
func (s StatementStatus) Known() bool { return slices.Contains(statementStatuses, s) }

// InvoiceStatuses lists every InvoiceStatus in lifecycle order.
func InvoiceStatuses() []InvoiceStatus { return slices.Clone(invoiceStatuses) }

// Media lists every Medium, paper (the default) first (EINV-1).
func Media() []Medium { return slices.Clone(media) }

// ConfirmationStatuses lists every ConfirmationStatus (RED-1).
func ConfirmationStatuses() []ConfirmationStatus { return slices.Clone(confirmationStatuses) }

// OpenConfirmationStatuses lists the statuses an open confirmation (RED-4)
// can have: pending, or usable while unused.
func OpenConfirmationStatuses() []ConfirmationStatus {
	return slices.DeleteFunc(ConfirmationStatuses(), func(s ConfirmationStatus) bool {
		return !(&Confirmation{Status: s}).Open()
	})
}

// Names is values as plain strings, for the documents and scripts built
// from these lists.
func Names[T ~string](values []T) []string {
	out := make([]string, len(values))
	for i, v := range values {
		out[i] = string(v)
	}
	return out
}

// InvoiceActions lists every action Invoice.Actions may offer, in
// lifecycle order; TestActionsAreListed proves it is what the tables and
// rules of actions.go offer.
func InvoiceActions() []string {
	return []string{"cancel", "approve", "reject", "issue", "ship", "return", "paper_received", "reject_return", "void", "red_flush", "red_flush_part", "confirmation"}
}

// ConfirmationActions lists every action Confirmation.Actions may offer.
func ConfirmationActions() []string { return []string{"confirm", "refuse", "withdraw", "red_flush"} }

// Sides lists both Sides.
func Sides() []Side { return slices.Clone(sides) }

// RedReasons lists every RedReason (RED-1).
func RedReasons() []RedReason { return slices.Clone(redReasons) }
