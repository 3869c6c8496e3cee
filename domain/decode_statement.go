package domain

import (
	"github.com/fapiao/fapiao/internal/jsonscan"
	"github.com/google/uuid"
)

// StatementPosted is the largest and, with one a month per account, the
// most frequent event: decoding it with encoding/json's reflection was a
// large share of a replay's CPU (docs/performance.md, "Replay and
// start-up"). The fast decoders (this file and
// decode_invoice.go) read the shape the ledger writes in one pass with
// internal/jsonscan, each event a table of its fields, and hand anything
// else — escapes, keys in another case, duplicates, unknown keys, nulls,
// wrong types, invalid input — to json.Unmarshal, so that they never
// disagree with it: amounts, UUIDs and instants go through the very methods
// json would call.

// decodeStatementPosted is fastOr(fastStatementPosted) written out: called
// as fastOr(…)(data) it would build the closure on every call.
func decodeStatementPosted(data []byte) (Event, error) {
	if e, ok := fastStatementPosted(data); ok {
		return e, nil
	}
	return decodeAs[StatementPosted](data)
}

// fastOr decodes with fast, falling back to encoding/json when it declines.
func fastOr[E Event](fast func([]byte) (E, bool)) func([]byte) (Event, error) {
	return func(data []byte) (Event, error) {
		if e, ok := fast(data); ok {
			return e, nil
		}
		return decodeAs[E](data)
	}
}

// moneyOf and idOf decode a jsonscan.Raw token after its object is read;
// an absent member (nil) leaves dst zero, as json does.
func moneyOf(tok []byte, dst *Money) bool {
	if tok == nil {
		return true
	}
	if m, ok := amountOf(tok[1 : len(tok)-1]); ok {
		*dst = m
		return true
	}
	return dst.UnmarshalJSON(tok) == nil
}

func idOf(tok []byte, dst *uuid.UUID) bool {
	return tok == nil || parseID(tok[1:len(tok)-1], dst)
}

// fastStatementPosted walks the members with a switch on each key
// (jsonscan.Members), as fastInvoiceRequested does: a Field table sent the
// event and the scanner to the heap, and each line's amounts were read as
// raw tokens to decode after the line.
func fastStatementPosted(data []byte) (StatementPosted, bool) { return fastStatement(data, false) }

// fastStatement reads a StatementPosted, its lines kept, or only their
// summary when summarize is set (fastStatementSummarized): the same
// members either way, each read as strictly.
func fastStatement(data []byte, summarize bool) (e StatementPosted, ok bool) {
	s := jsonscan.New(data)
	ok = s.MembersIn(statementKeys, func(key []byte) (bit uint64, ok bool) {
		switch string(key) {
		case "month":
			bit = 1 << 0
			e.Month, ok = s.Str()
		case "lines":
			bit = 1 << 1
			if summarize {
				ok = statementSummary(&s, &e.summary)
			} else {
				ok = statementLines(&s, &e.Lines)
			}
		case "posted_at":
			bit, ok = 1<<2, s.Time(&e.PostedAt)
		}
		return bit, ok
	})
	e.summarized = summarize
	return e, ok && s.End()
}

// The words a line's product, billing mode and channel mostly hold: a
// decoded line shares them instead of a string each (three allocations a
// line). Any other value decodes as it is.
var (
	lineProducts     = []string{"KEC", "ECS", "EBS", "CDN", "RDS", "Marketplace", "kec", "ecs"}
	lineBillingModes = []string{string(Prepaid), string(Postpaid)}
	lineChannels     = []string{string(ChannelKingsoft), string(ChannelMarketplaceSelf), string(ChannelMarketplaceMerchant)}
)

// statementKeys and lineKeys are a statement's and a line's keys in the
// order the ledger writes them, for jsonscan.MembersIn.
var (
	statementKeys = jsonscan.NewKeys("month", "lines", "posted_at")
	lineKeys      = jsonscan.NewKeys("line_id", "product", "billing_mode", "purchased_at", "channel", "merchant",
		"amount", "voucher", "coupon", "gift_balance")
)

func statementLines(s *jsonscan.Scanner, lines *[]StatementLine) bool {
	if s.Null() {
		*lines = nil // as json leaves it
		return true
	}
	if !s.Byte('[') {
		return false
	}
	// Room for a few lines at once: growing from one by doubling made three
	// allocations for a usual statement.
	out := make([]StatementLine, 0, 4)
	if !s.Byte(']') {
		for {
			var l StatementLine
			if !statementLine(s, &l) {
				return false
			}
			out = append(out, l)
			if s.Byte(',') {
				continue
			}
			if !s.Byte(']') {
				return false
			}
			break
		}
	}
	*lines = out
	return true
}

func statementLine(s *jsonscan.Scanner, l *StatementLine) bool {
	return s.MembersIn(lineKeys, func(key []byte) (bit uint64, ok bool) {
		var v string
		switch string(key) {
		case "line_id":
			bit = 1 << 0
			l.LineID, ok = s.Str()
		case "product":
			bit = 1 << 1
			l.Product, ok = s.Word(lineProducts)
		case "billing_mode":
			bit = 1 << 2
			v, ok = s.Word(lineBillingModes)
			l.BillingMode = BillingMode(v)
		case "purchased_at":
			bit = 1 << 3
			l.PurchasedAt, ok = s.Str()
		case "channel":
			bit = 1 << 4
			v, ok = s.Word(lineChannels)
			l.Channel = Channel(v)
		case "merchant":
			bit = 1 << 5
			l.Merchant, ok = s.Str()
		case "amount":
			bit, ok = 1<<6, readMoney(s, &l.Amount)
		case "voucher":
			bit, ok = 1<<7, readMoney(s, &l.Voucher)
		case "coupon":
			bit, ok = 1<<8, readMoney(s, &l.Coupon)
		case "gift_balance":
			bit, ok = 1<<9, readMoney(s, &l.GiftBalance)
		}
		return bit, ok
	})
}

// DecodeEventSummarized is DecodeEvent for a fold that keeps no statement
// lines (the read models drop them once the fold has summarised them): a
// StatementPosted's lines are read and checked as DecodeEvent reads them,
// but only their summary is kept, and the fold takes it instead of
// summarising (Lines is nil). Decoding a statement's lines into strings and
// a slice only to drop them was a tenth of a rebuild's CPU. A statement
// the fast reader declines, and every other event, is DecodeEvent's.
func DecodeEventSummarized(typ string, data []byte) (Event, error) {
	if typ == "StatementPosted" {
		if e, ok := fastStatementSummarized(data); ok {
			return e, nil
		}
	}
	return DecodeEvent(typ, data)
}

// fastStatementSummarized is fastStatementPosted summarising the lines. It
// accepts exactly what fastStatementPosted accepts (the same members, each
// read as strictly: a skipped string is still a plain string), which
// sameStatementAsJSON holds it to.
func fastStatementSummarized(data []byte) (StatementPosted, bool) { return fastStatement(data, true) }

// statementSummary is statementLines adding each line to sum instead of
// keeping it.
func statementSummary(s *jsonscan.Scanner, sum *Buckets) bool {
	if s.Null() {
		return true // no lines: nothing to add
	}
	if !s.Byte('[') {
		return false
	}
	if s.Byte(']') {
		return true
	}
	for {
		if !summaryLine(s, sum) {
			return false
		}
		if s.Byte(',') {
			continue
		}
		return s.Byte(']')
	}
}

// summaryLine is statementLine keeping only what Summarize reads: the
// line's id, product and merchant are read as plain strings and dropped.
func summaryLine(s *jsonscan.Scanner, sum *Buckets) bool {
	var (
		channel                       Channel
		mode                          BillingMode
		purchasedAt                   []byte
		amount, voucher, coupon, gift Money
	)
	ok := s.MembersIn(lineKeys, func(key []byte) (bit uint64, ok bool) {
		var v string
		switch string(key) {
		case "line_id":
			bit = 1 << 0
			_, ok = s.Token()
		case "product":
			bit = 1 << 1
			_, ok = s.Token()
		case "billing_mode":
			bit = 1 << 2
			v, ok = s.Word(lineBillingModes)
			mode = BillingMode(v)
		case "purchased_at":
			bit = 1 << 3
			var tok []byte
			tok, ok = s.Token()
			if ok {
				purchasedAt = tok[1 : len(tok)-1]
			}
		case "channel":
			bit = 1 << 4
			v, ok = s.Word(lineChannels)
			channel = Channel(v)
		case "merchant":
			bit = 1 << 5
			_, ok = s.Token()
		case "amount":
			bit, ok = 1<<6, readMoney(s, &amount)
		case "voucher":
			bit, ok = 1<<7, readMoney(s, &voucher)
		case "coupon":
			bit, ok = 1<<8, readMoney(s, &coupon)
		case "gift_balance":
			bit, ok = 1<<9, readMoney(s, &gift)
		}
		return bit, ok
	})
	if ok {
		// string(purchasedAt) does not escape classifyLine: no allocation.
		sum.add(classifyLine(channel, mode, string(purchasedAt)), amount, voucher.Add(coupon).Add(gift))
	}
	return ok
}
