package ledger

import "slices"

// The prefixes of the streams the ledger writes (DESIGN.md, "Streams"). A
// store shared with other applications keeps fapiao's global log to these
// (esdb.WithStreamPrefixes).
const (
	// AccountStreamPrefix starts an account's stream, "account-<id>"
	// (StreamName).
	AccountStreamPrefix = "account-"
	// ReservationStreamPrefix starts an invoice number's reservation
	// stream, "invoice-number-<code>-<number>" (ReservationStream, ISSUE-2).
	ReservationStreamPrefix = "invoice-number-"
	// QuotaStreamPrefix starts a month's e-invoice quota stream,
	// "quota-<YYYY-MM>" (QuotaStream, EINV-5).
	QuotaStreamPrefix = "quota-"
)

var streamPrefixes = []string{AccountStreamPrefix, ReservationStreamPrefix, QuotaStreamPrefix}

// StreamPrefixes lists every prefix of the ledger's streams.
func StreamPrefixes() []string { return slices.Clone(streamPrefixes) }
