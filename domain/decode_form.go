package domain

import (
	"time"
	"unsafe"

	"github.com/fapiao/fapiao/internal/eventform"
)

// A statement is the largest event a rebuild of the read models reads:
// with its JSON made and scanned again, decoding statements was a tenth
// of a rebuild (docs/performance.md, "The replay's budget, measured").
// The segmented log stores one as its values alone (internal/eventform);
// StatementFromForm reads the summary from them.

// StatementFromForm is DecodeEventSummarized of a StatementPosted stored
// as eventform's form. It takes what fastStatementSummarized takes of the
// JSON the form stands for, a little less: every string plain by
// jsonscan.Plain (the JSON way takes '<', '>', '&', U+2028 and U+2029
// too) and every amount one amountOf reads. Anything else it declines (ok
// false), and the caller decodes the JSON: for what it takes it gives the
// same event (TestStatementFromForm).
func StatementFromForm(form []byte) (e StatementPosted, ok bool) {
	r := eventform.NewReader(form)
	// Buffers for the packed texts (spelled) held at once.
	var monthBuf, modeBuf, dayBuf, channelBuf, scratch [32]byte
	month, ok := plainNext(&r, monthBuf[:])
	if !ok {
		return e, false
	}
	n, _ := r.Count() // null lines sum to nothing, as fastStatementSummarized reads them
	for range n {
		merchant := eventform.Merchant(r.Flags())
		var mode, purchasedAt, channel []byte
		ok := skipPlain(&r, scratch[:]) && skipPlain(&r, scratch[:]) // line_id, product
		if ok {
			mode, ok = plainNext(&r, modeBuf[:])
		}
		if ok {
			purchasedAt, ok = plainNext(&r, dayBuf[:])
		}
		if ok {
			channel, ok = plainNext(&r, channelBuf[:])
		}
		if !ok || merchant && !skipPlain(&r, scratch[:]) {
			return e, false
		}
		amount, ok1 := amountOf(r.Next(scratch[:]))
		voucher, ok2 := amountOf(r.Next(scratch[:]))
		coupon, ok3 := amountOf(r.Next(scratch[:]))
		gift, ok4 := amountOf(r.Next(scratch[:]))
		if !ok1 || !ok2 || !ok3 || !ok4 {
			return e, false
		}
		// The texts as strings without a copy: only compared.
		e.summary.add(classifyLine(Channel(bytesString(channel)), BillingMode(bytesString(mode)), bytesString(purchasedAt)), amount, voucher.Add(coupon).Add(gift))
	}
	posted, ok := plainNext(&r, scratch[:])
	if !ok || !r.Done() || !postedAt(posted, &e.PostedAt) {
		return e, false
	}
	e.Month, e.summarized = lastStatementMonth.of(month), true
	return e, true
}

// plainNext reads the next text of r, spelled into buf if packed, and
// says whether it is plain (jsonscan.Plain).
func plainNext(r *eventform.Reader, buf []byte) ([]byte, bool) {
	t := r.Next(buf)
	return t, plainText(bytesString(t), &plainASCII)
}

// skipPlain is plainNext of a text not kept.
func skipPlain(r *eventform.Reader, buf []byte) bool {
	_, ok := plainNext(r, buf)
	return ok
}

// A month's statements are posted at one time and name one month, for
// every account: a rebuild folding account by account met each again
// and again, and made a string and a time zone for each.
var (
	lastStatementMonth = newLastString(64)
	lastPostedAt       = newRecentTable[time.Time](256)
)

// postedAt sets *dst to the instant of text s as quotedInstant reads it:
// the one read last for the same text (an instant is a value, its zone
// never changed).
func postedAt(s []byte, dst *time.Time) bool {
	if t, ok := lastPostedAt.get(s); ok {
		*dst = t
		return true
	}
	if !quotedInstant(s, dst) {
		return false
	}
	lastPostedAt.put(string(s), *dst)
	return true
}

// quotedInstant sets t as jsonscan's Time reads the JSON string whose text
// is s (time.Time's UnmarshalJSON of it, quotes and all).
func quotedInstant(s []byte, t *time.Time) bool {
	var q [64]byte
	if len(s) > len(q)-2 {
		return false
	}
	return t.UnmarshalJSON(append(append(append(q[:0], '"'), s...), '"')) == nil
}

// bytesString is b as a string without a copy, for a call that only reads
// it while b is not written.
func bytesString(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }
