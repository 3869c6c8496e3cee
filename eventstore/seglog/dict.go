package seglog

// dictionary is the envelope codec's fixed table of strings that fapiao's
// events repeat in every record: the metadata's key names, the roles, the
// event types, the events' key names and enumerated values. A string of a
// record equal to an entry is stored as its index (one byte for the first
// dictOneByte entries, two for the rest).
//
// It is part of format 2: an entry's index is what the segments hold, so
// entries are never removed, reordered or changed. New entries may be
// added at the end only (older segments never name them). The codec does
// not depend on it for correctness: any string not here is stored as
// itself, so the list only decides how small a record gets.
var dictionary = [...]string{
	// The metadata envelope (eventstore.Metadata), in its field order.
	"occurred_at", "actor", "role", "id", "correlation_id", "causation_id",
	"idempotency_key", "request_hash", "schema_version", "prev_hash", "hash",
	// Roles.
	"customer", "finance", "support", "billing", "auditor",
	// Event types.
	"StatementPosted", "StatementAdjusted", "TitleSubmitted", "TitleApproved",
	"TitleRejected", "TitleCleared", "AddressAdded", "AddressUpdated",
	"AddressRemoved", "InvoiceRequested", "InvoiceCancelled", "InvoiceApproved",
	"InvoiceRejected", "InvoiceIssued", "InvoiceShipped", "InvoiceVoided",
	"InvoiceRedFlushed", "InvoicePartlyRedFlushed", "ReturnRequested",
	"ReturnPaperReceived", "ReturnRejected", "ExchangeFailed", "DeficitOffset",
	"QuotaSet", "QuotaUsed", "QuotaReleased", "RedLetterConfirmationEntered",
	"RedLetterConfirmationConfirmed", "RedLetterConfirmationRefused",
	"RedLetterConfirmationWithdrawn", "RedLetterConfirmationExpired",
	// The events' most frequent keys.
	"invoice_id", "amount", "title", "address", "address_id", "title_id",
	"reason", "month", "lines", "line_id", "product", "billing_mode",
	"purchased_at", "channel", "voucher", "coupon", "gift_balance",
	"posted_at", "statements", "kingsoft", "marketplace", "requested_at",
	"sla_due", "type", "holder", "name", "taxpayer_id", "recipient", "phone",
	"province", "city", "district", "street", "postal_code",
	// More keys (entries from index 96 on take two bytes).
	"approved_at", "rejected_at", "cancelled_at", "issued_at", "shipped_at",
	"submitted_at", "automatic", "default", "by", "courier",
	"tracking_number", "late", "invoice_code", "invoice_number", "issued_on",
	"issuer", "tax_rate", "net_amount", "tax_amount", "account_id", "merchant",
	"medium", "status", "confirmation_id", "red_letter_form_number",
	"red_invoice_number", "red_invoice_code", "red_flushed_at", "ticket",
	"note", "reference", "red_issued_on", "red_amount", "offline", "exchange",
	"exchange_of", "entered_by", "entered_at", "emails", "delivered_to",
	"deficit", "deductions", "deducted", "certified", "bucket", "booked",
	"adjustment_id", "adjusted_at", "withdrawn_at", "voided_at", "used_at",
	"used", "total", "set_at", "return", "reserved", "released_at",
	"rejected_reason", "reject_reason", "registered_phone",
	"registered_address", "refused_at", "refuse_reason", "red_flushed_amount",
	"red_confirmation_id", "red", "received_at", "raised", "paper_note",
	"paper_complete", "offsets_undone", "offsets", "offset_at", "offset_amount",
	"offset", "more_deficits", "lowered", "invoiced", "holds", "held", "free",
	"failed_at", "expired_at", "exchange_invoice_id", "exchange_failure",
	"deficit_since", "confirmed_at", "complete", "cleared_at", "cancelled_by",
	"buckets", "bank_name", "bank_account", "applied", "adjusted",
	"partial_red_flushes", "expires_at",
	// Enumerated values.
	"prepaid", "postpaid", "other", "marketplace_self", "marketplace_merchant",
	"vat_general", "vat_special", "company", "individual", "electronic",
	"paper", "approved", "available", "buyer", "seller", "cancelled",
	"cleared", "confirmed", "expired", "invoiced", "issued", "issuing",
	"issuing_error", "not_required", "pending_buyer", "pending_review",
	"pending_seller", "red_flushed", "refused", "rejected", "return_requested",
	"sales_allowance", "service_terminated", "under_review", "voided",
	"withdrawn", "paper_received",
}

// dictOneByte is how many entries take one byte.
const dictOneByte = 96

// dictSlots is the size of dictTable, a power of two well above the
// dictionary's length, so probes are short.
const dictSlots = 1024

// dictTable finds entries by a hash of a few of their bytes: an open
// addressing table of slots that each hold an entry's index + 1 (0:
// empty), its length and where its bytes are in dictText. It is the
// encoder's most frequent question, and cheaper than a map's full-string
// hash; a slot and the entries' bytes side by side are the only memory it
// touches (an entry's own string lies anywhere among the program's).
var (
	dictTable [dictSlots]uint32
	dictText  string
)

// A slot: bits 0–9 the index + 1, 10–15 the length, 16–31 the offset.
const (
	slotIndexBits = 10
	slotLenShift  = 10
	slotOffShift  = 16
)

// dictLens has bit n set when an entry is n bytes long, and dictFirst
// bit b when one starts with byte b: a string failing either (a time, an
// amount, most IDs) is no entry, and is known so without hashing it.
var (
	dictLens  uint64
	dictFirst [4]uint64
)

func init() {
	if len(dictionary) >= 1<<slotIndexBits-1 {
		panic("seglog: the dictionary outgrew its table")
	}
	var text []byte
	seen := make(map[string]bool, len(dictionary))
	for i, w := range dictionary {
		if len(w) > 40 || len(text)+len(w) >= 1<<16 {
			panic("seglog: a dictionary entry does not fit its slot")
		}
		if seen[w] {
			continue // the first of equal entries is the one used
		}
		seen[w] = true
		dictLens |= 1 << len(w)
		dictFirst[w[0]>>6] |= 1 << (w[0] & 63)
		h := dictHash([]byte(w))
		for dictTable[h] != 0 {
			h = (h + 1) & (dictSlots - 1)
		}
		dictTable[h] = uint32(i+1) | uint32(len(w))<<slotLenShift | uint32(len(text))<<slotOffShift
		text = append(text, w...)
	}
	dictText = string(text)
}

func dictHash(s []byte) uint32 {
	h := uint32(len(s)) * 0x9e3779b1
	if len(s) > 0 {
		h ^= uint32(s[0]) | uint32(s[len(s)-1])<<8 | uint32(s[len(s)/2])<<16 | uint32(s[len(s)/3])<<24
	}
	h *= 0x85ebca6b
	h ^= h >> 15
	return h & (dictSlots - 1)
}

// mayBeEntry is false for a string no entry can be (dictLens, dictFirst).
func mayBeEntry(s []byte) bool {
	return len(s) <= 40 && dictLens&(1<<len(s)) != 0 && dictFirst[s[0]>>6]&(1<<(s[0]&63)) != 0
}

// dictLookup finds s in the dictionary. (The encoder asks mayBeEntry
// first.)
func dictLookup(s []byte) (int, bool) {
	for h := dictHash(s); dictTable[h] != 0; h = (h + 1) & (dictSlots - 1) {
		slot := dictTable[h]
		if int(slot>>slotLenShift&63) != len(s) {
			continue
		}
		if off := int(slot >> slotOffShift); dictText[off:off+len(s)] == string(s) {
			return int(slot&(1<<slotIndexBits-1)) - 1, true
		}
	}
	return 0, false
}
