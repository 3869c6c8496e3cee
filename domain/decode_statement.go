package domain

import (
	"bytes"
	"unicode/utf8"
)

// StatementPosted is the largest and, with one a month per account, the
// most frequent event: decoding it with encoding/json's reflection was over
// a quarter of a replay's CPU. decodeStatementPosted reads the shape the
// ledger writes in one pass and hands anything else — escapes, keys in
// another case, duplicates, unknown keys, nulls, wrong types, invalid
// input — to json.Unmarshal, so that it never disagrees with it: amounts
// and instants go through the very UnmarshalJSON methods json would call.

func decodeStatementPosted(data []byte) (Event, error) {
	if e, ok := fastStatementPosted(data); ok {
		return e, nil
	}
	return decodeAs[StatementPosted](data)
}

// jscan is a minimal reader of the JSON the fast decoders accept.
type jscan struct {
	b []byte
	i int
}

func (s *jscan) space() {
	for s.i < len(s.b) && (s.b[s.i] == ' ' || s.b[s.i] == '\t' || s.b[s.i] == '\n' || s.b[s.i] == '\r') {
		s.i++
	}
}

// byte consumes c (after space) and reports whether it was there.
func (s *jscan) byte(c byte) bool {
	s.space()
	if s.i < len(s.b) && s.b[s.i] == c {
		s.i++
		return true
	}
	return false
}

func (s *jscan) peek() byte {
	s.space()
	if s.i < len(s.b) {
		return s.b[s.i]
	}
	return 0
}

// str reads a string without escapes or control characters, in valid
// UTF-8, and returns its raw token (quotes included).
func (s *jscan) str() ([]byte, bool) {
	s.space()
	if s.i >= len(s.b) || s.b[s.i] != '"' {
		return nil, false
	}
	start := s.i
	ascii := true
	for j := s.i + 1; j < len(s.b); j++ {
		switch c := s.b[j]; {
		case c == '"':
			s.i = j + 1
			tok := s.b[start:s.i]
			if !ascii && !utf8.Valid(tok) {
				return nil, false
			}
			return tok, true
		case c == '\\' || c < 0x20:
			return nil, false
		case c >= utf8.RuneSelf:
			ascii = false
		}
	}
	return nil, false
}

// object calls field for each member of an object; field reads the value
// and returns false to decline. Duplicate keys are declined through seen.
// The key is the raw bytes between the quotes (a switch on string(key)
// does not allocate; a string argument would, for every member).
func (s *jscan) object(field func(key []byte) bool) bool {
	if !s.byte('{') {
		return false
	}
	if s.byte('}') {
		return true
	}
	for {
		k, ok := s.str()
		if !ok || !s.byte(':') || !field(k[1:len(k)-1]) {
			return false
		}
		if s.byte(',') {
			continue
		}
		return s.byte('}')
	}
}

func fastStatementPosted(data []byte) (StatementPosted, bool) {
	var (
		e    StatementPosted
		s    = jscan{b: data}
		seen uint8
	)
	once := func(bit uint8) bool {
		if seen&bit != 0 {
			return false
		}
		seen |= bit
		return true
	}
	ok := s.object(func(key []byte) bool {
		switch string(key) {
		case "month":
			t, ok := s.str()
			if !ok || !once(1) {
				return false
			}
			e.Month = string(t[1 : len(t)-1])
			return true
		case "posted_at":
			t, ok := s.str()
			return ok && once(2) && e.PostedAt.UnmarshalJSON(t) == nil
		case "lines":
			if !once(4) {
				return false
			}
			if s.peek() == 'n' {
				// null: json leaves a nil slice.
				if !bytes.HasPrefix(s.b[s.i:], []byte("null")) {
					return false
				}
				s.i += len("null")
				e.Lines = nil
				return true
			}
			if !s.byte('[') {
				return false
			}
			// Room for a few lines at once: growing from one by doubling
			// made three allocations for a usual statement.
			e.Lines = make([]StatementLine, 0, 4)
			if s.byte(']') {
				return true
			}
			for {
				var l StatementLine
				if !fastStatementLine(&s, &l) {
					return false
				}
				e.Lines = append(e.Lines, l)
				if s.byte(',') {
					continue
				}
				return s.byte(']')
			}
		default:
			return false
		}
	})
	if !ok {
		return e, false
	}
	s.space()
	return e, s.i == len(s.b)
}

func fastStatementLine(s *jscan, l *StatementLine) bool {
	var seen uint16
	return s.object(func(key []byte) bool {
		var bit uint16
		var str *string
		var money *Money
		switch string(key) {
		case "line_id":
			bit, str = 1, &l.LineID
		case "product":
			bit, str = 2, &l.Product
		case "billing_mode":
			bit, str = 4, (*string)(&l.BillingMode)
		case "purchased_at":
			bit, str = 8, &l.PurchasedAt
		case "channel":
			bit, str = 16, (*string)(&l.Channel)
		case "merchant":
			bit, str = 32, &l.Merchant
		case "amount":
			bit, money = 64, &l.Amount
		case "voucher":
			bit, money = 128, &l.Voucher
		case "coupon":
			bit, money = 256, &l.Coupon
		case "gift_balance":
			bit, money = 512, &l.GiftBalance
		default:
			return false
		}
		if seen&bit != 0 {
			return false
		}
		seen |= bit
		t, ok := s.str()
		if !ok {
			return false
		}
		if str != nil {
			*str = string(t[1 : len(t)-1])
			return true
		}
		return money.UnmarshalJSON(t) == nil
	})
}
