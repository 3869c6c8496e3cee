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
func moneyOf(tok []byte, dst *Money) bool { return tok == nil || dst.UnmarshalJSON(tok) == nil }

func idOf(tok []byte, dst *uuid.UUID) bool {
	return tok == nil || dst.UnmarshalText(tok[1:len(tok)-1]) == nil
}

func fastStatementPosted(data []byte) (StatementPosted, bool) {
	var e StatementPosted
	s := jsonscan.New(data)
	ok := s.Object(
		jsonscan.String("month", &e.Month),
		jsonscan.Func("lines", func() bool { return statementLines(&s, &e.Lines) }),
		jsonscan.Time("posted_at", &e.PostedAt),
	)
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

func statementLines(s *jsonscan.Scanner, lines *[]StatementLine) bool {
	if s.Null() {
		*lines = nil // as json leaves it
		return true
	}
	// One table for every line: each is read into l, then appended.
	var (
		l                             StatementLine
		amount, voucher, coupon, gift []byte
	)
	fields := [...]jsonscan.Field{
		jsonscan.String("line_id", &l.LineID),
		jsonscan.OneOf("product", &l.Product, lineProducts),
		jsonscan.OneOf("billing_mode", (*string)(&l.BillingMode), lineBillingModes),
		jsonscan.String("purchased_at", &l.PurchasedAt),
		jsonscan.OneOf("channel", (*string)(&l.Channel), lineChannels),
		jsonscan.String("merchant", &l.Merchant),
		jsonscan.Raw("amount", &amount),
		jsonscan.Raw("voucher", &voucher),
		jsonscan.Raw("coupon", &coupon),
		jsonscan.Raw("gift_balance", &gift),
	}
	// Room for a few lines at once: growing from one by doubling made three
	// allocations for a usual statement.
	*lines = make([]StatementLine, 0, 4)
	return s.Array(func() bool {
		l, amount, voucher, coupon, gift = StatementLine{}, nil, nil, nil, nil
		if !s.Object(fields[:]...) || !moneyOf(amount, &l.Amount) || !moneyOf(voucher, &l.Voucher) ||
			!moneyOf(coupon, &l.Coupon) || !moneyOf(gift, &l.GiftBalance) {
			return false
		}
		*lines = append(*lines, l)
		return true
	})
}
