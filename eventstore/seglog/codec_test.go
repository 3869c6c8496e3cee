package seglog

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/fapiao/fapiao/eventstore"
	"github.com/fapiao/fapiao/eventstore/internal/lenprefix"
	"github.com/fapiao/fapiao/internal/testkit"
)

// roundTrip encodes an event's tail as the writer does, frames it as a
// record, decodes the record as a reader does, and returns what came back
// with the tail's kind.
func roundTrip(t testing.TB, c *encoder, stream string, e eventstore.EventData) (eventstore.Record, byte) {
	t.Helper()
	tail := c.appendTail(nil, stream, &e)
	body := appendRecord(nil, stream, 7, (*[16]byte)(&e.ID), tail)
	n, k := uvarintDecode(body)
	require.Equal(t, len(body)-k, int(n))
	r, _, ok := decodeRecord(1, body[k:], formatVersion, newInterner(), nil)
	require.True(t, ok, "the record decodes")
	return r, tail[0]
}

func uvarintDecode(b []byte) (uint64, int) {
	d := lenprefix.Decoder{Buf: b}
	v := d.Uvarint()
	return v, len(b) - len(d.Buf)
}

// requireSame says the record read back is the event appended, byte for byte.
func requireSame(t testing.TB, stream string, e eventstore.EventData, r eventstore.Record) {
	t.Helper()
	require.Equal(t, stream, r.Stream)
	require.Equal(t, uint64(7), r.Revision)
	require.Equal(t, e.ID, r.ID)
	require.Equal(t, e.Type, r.Type)
	require.True(t, bytes.Equal(e.Data, r.Data), "data\n got %q\nwant %q", r.Data, e.Data)
	require.True(t, bytes.Equal(e.Metadata, r.Metadata), "metadata\n got %q\nwant %q", r.Metadata, e.Metadata)
}

const (
	ledgerMeta   = `{"occurred_at":"2026-03-10T10:00:00+08:00","actor":{"role":"customer","id":"b5971986239-w255-g1"},"correlation_id":"56c853ae-8b28-4583-bb7d-516a765c093f","causation_id":"cfa6f10f-1263-5c33-8232-f75329e9622b","idempotency_key":"b5971986239-w255-g1-5","request_hash":"d1ca18b43b50f739e3368c3684417abc310fa87d2a8a640e5cf3c6f82ebfaf24","schema_version":1,"prev_hash":"5c3f7d181f7733938e86dd1ba3cea7a80ce88bbf80f849f1b4b974503aa5d566","hash":"ebe049cc21340c34550cba99c2cbc36de735821ee0ad9a69b4477f9f3155ead7"}`
	ledgerData   = `{"invoice_id":"dc6ed7f9-26d9-581c-a7eb-45e6e5bb7f9e","statements":["2000-01"],"amount":"111.34","kingsoft":"100.00","marketplace":"11.34","title":{"type":"vat_general","holder":"company","name":"示例科技有限公司","taxpayer_id":"91110108MA01ABCDEN"},"address":{"recipient":"张三","phone":"13800138000","province":"北京市","city":"北京市","district":"海淀区","street":"中关村大街1号","postal_code":"100080"},"address_id":"9ded6186-c30a-58cb-af9e-84c61b6952a6","requested_at":"2026-03-10T10:00:00+08:00","sla_due":"2026-03-13"}`
	ledgerStream = "account-b5971986239-w255-g1"
)

// statementData is a StatementPosted's data as the ledger writes it, with
// lines lines (a merchant on every other one).
func statementData(rng *rand.Rand, lines int) string {
	var b strings.Builder
	fmt.Fprintf(&b, `{"month":"2026-%02d","lines":[`, 1+rng.IntN(12))
	for i := range lines {
		if i > 0 {
			b.WriteByte(',')
		}
		merchant := ""
		if i%2 == 1 {
			merchant = `"merchant":"某某软件商家",`
		}
		fmt.Fprintf(&b, `{"line_id":"acc-%06d-2026-01-%d","product":"ECS","billing_mode":"prepaid","purchased_at":"2026-01-%02d","channel":"kingsoft",%s"amount":"%d.%02d","voucher":"0.00","coupon":"1.50","gift_balance":"0.00"}`,
			rng.IntN(1e6), i, 1+rng.IntN(28), merchant, rng.IntN(1e5), rng.IntN(100))
	}
	fmt.Fprintf(&b, `],"posted_at":"2026-02-03T09:%02d:00+08:00"}`, rng.IntN(60))
	return b.String()
}

// TestStatementKind: a statement as the ledger writes it is stored in its
// form (kindStatement), smaller than its tokens, and read back byte for
// byte; one of another shape is an envelope; and a segment of version 2,
// which has no such kind, refuses one.
func TestStatementKind(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 9))
	var c encoder
	for i := range 200 {
		e := eventstore.EventData{ID: uuid.New(), Type: "StatementPosted", Data: json.RawMessage(statementData(rng, i%5)), Metadata: json.RawMessage(ledgerMeta)}
		r, kind := roundTrip(t, &c, ledgerStream, e)
		requireSame(t, ledgerStream, e, r)
		require.Equal(t, byte(kindStatement), kind)

		other := e
		other.Type = "StatementAdjusted" // the same data under another type: tokens
		r, kind = roundTrip(t, &c, ledgerStream, other)
		requireSame(t, ledgerStream, other, r)
		require.Equal(t, byte(kindEnvelope), kind)
		if i%5 > 1 {
			form := c.appendTail(nil, ledgerStream, &e)
			tokens := c.appendTail(nil, ledgerStream, &other)
			require.Less(t, len(form), len(tokens), "the form is smaller than the tokens")
		}
	}
	for _, data := range []string{
		`{"month":"2026-01","lines":[],"posted_at":"2026-02-03T09:00:00Z"}`,
		`{"month":"2026-01","lines":null,"posted_at":"2026-02-03T09:00:00Z"}`,
		`{"month":"2026\u002d01","lines":[],"posted_at":"2026-02-03T09:00:00Z"}`,
		`{"month":"2026-01", "lines":[],"posted_at":"2026-02-03T09:00:00Z"}`,
		`not json`,
	} {
		e := eventstore.EventData{ID: uuid.New(), Type: "StatementPosted", Data: json.RawMessage(data), Metadata: json.RawMessage(ledgerMeta)}
		r, _ := roundTrip(t, &c, ledgerStream, e)
		requireSame(t, ledgerStream, e, r)
	}

	e := eventstore.EventData{ID: uuid.New(), Type: "StatementPosted", Data: json.RawMessage(statementData(rng, 2)), Metadata: json.RawMessage(ledgerMeta)}
	body := appendRecord(nil, ledgerStream, 7, (*[16]byte)(&e.ID), c.appendTail(nil, ledgerStream, &e))
	_, k := uvarintDecode(body)
	_, _, ok := decodeRecord(1, body[k:], tokensVersion, newInterner(), nil)
	require.False(t, ok, "a version 2 segment holds no statement in its form")
}

// TestCodecShrinksALedgerEvent: the envelope's shapes are recognised (the
// event comes back exact and takes well under half its bytes).
func TestCodecShrinksALedgerEvent(t *testing.T) {
	var c encoder
	e := eventstore.EventData{ID: uuid.New(), Type: "InvoiceRequested", Data: json.RawMessage(ledgerData), Metadata: json.RawMessage(ledgerMeta)}
	r, kind := roundTrip(t, &c, ledgerStream, e)
	requireSame(t, ledgerStream, e, r)
	require.Equal(t, byte(kindEnvelope), kind)
	tail := c.appendTail(nil, ledgerStream, &e)
	raw := len(e.Type) + len(e.Data) + len(e.Metadata)
	require.Less(t, len(tail), raw/2, "encoded %d bytes of %d", len(tail), raw)
}

// TestDictionaryLookup: every entry is found, as its first occurrence, and
// near misses are not.
func TestDictionaryLookup(t *testing.T) {
	require.Greater(t, len(dictionary), dictOneByte)
	for i, w := range dictionary {
		j, ok := dictLookup([]byte(w))
		require.True(t, ok, w)
		require.Equal(t, w, dictionary[j])
		require.LessOrEqual(t, j, i)
		for _, miss := range []string{w + "x", "x" + w, w[:len(w)-1], strings.ToUpper(w)} {
			if k, ok := dictLookup([]byte(miss)); ok {
				require.Equal(t, miss, dictionary[k])
			}
		}
	}
	_, ok := dictLookup(nil)
	require.False(t, ok)
}

// TestCodecExactOnAwkwardInput: whatever the bytes, the reader gets them
// back exactly; what the codec cannot hold goes raw.
func TestCodecExactOnAwkwardInput(t *testing.T) {
	hexU := strings.ToUpper("ebe049cc21340c34550cba99c2cbc36de735821ee0ad9a69b4477f9f3155ead7")
	// A member the codec shrinks, so the rest is stored in an envelope
	// (a record that would not get smaller goes raw).
	const small = `{"hash":"ebe049cc21340c34550cba99c2cbc36de735821ee0ad9a69b4477f9f3155ead7"}`
	cases := []struct {
		name       string
		typ        string
		data, meta string
		kind       byte
	}{
		{"empty", "T", "", "", kindRaw},
		{"white space and odd key order", "InvoiceApproved", "{ \"approved_at\" : \"2026-03-10T10:00:00+08:00\",\n\t\"invoice_id\": \"dc6ed7f9-26d9-581c-a7eb-45e6e5bb7f9e\" }", `{"hash":"` + hexU + `","actor":{"id":"x","role":"finance"}}`, kindEnvelope},
		{"upper-case hash and UUID", "InvoiceApproved", `{"invoice_id":"DC6ED7F9-26D9-581C-A7EB-45E6E5BB7F9E"}`, `{"hash":"` + hexU + `","prev_hash":"` + hexU + `"}`, kindEnvelope},
		{"mixed-case hex stays literal", "T", `{"h":"aBe049cc21340c34550cba99c2cbc36de735821ee0ad9a69b4477f9f3155ead7"}`, `{"u":"dc6ed7f9-26D9-581c-a7eb-45e6e5bb7f9e","hash":"ebe049cc21340c34550cba99c2cbc36de735821ee0ad9a69b4477f9f3155ead7"}`, kindEnvelope},
		{"UUID with a hyphen moved", "T", `{"u":"dc6ed7f926-d9-581c-a7eb-45e6e5bb7f9e"}`, small, kindEnvelope},
		{"nothing to shrink goes raw", "T", `{"u":"dc6ed7f926-d9-581c-a7eb-45e6e5bb7f9e"}`, `{}`, kindRaw},
		{"escapes", "T", `{"a\"b":"c\\\"d\\","e":"\u00e9\n","hash":"x\\"}`, `{"hash":"\\\\"}`, kindEnvelope},
		{"not JSON", "T", "not json", "\x00\x01\xff", kindRaw},
		{"unterminated string", "T", `{"a":"b`, `{}`, kindRaw},
		{"a zero byte outside strings", "T", "{\"a\":1\x00}", `{}`, kindRaw},
		{"non-ASCII outside strings", "T", "{\"a\":1}\xc3\xa9", `{}`, kindRaw},
		{"digits of every kind", "T", `{"a":"2026-03-10T10:00:00.123456789Z","b":"-12.30","c":"0","d":"00000001","e":"1:2+3"}`, `{"x":"2026-03-10T10:00:00.123456789Z"}`, kindEnvelope},
		{"repeats and parts", "T", `{"a":"account-b5971986239","b":"account-b5971986239","c":"b5971986239-9","d":"zzzzzzzaccount-b597"}`, `{}`, kindEnvelope},
		{"dictionary words as values and keys", "InvoiceIssued", `{"hash":"hash","prepaid":"paper_received","withdrawn":"occurred_at"}`, `{}`, kindEnvelope},
		{"type not in the dictionary", "Some Type \"quoted\"", `{"a":1}`, `{"b":[true,false,null,-1.5e+3],"hash":"ebe049cc21340c34550cba99c2cbc36de735821ee0ad9a69b4477f9f3155ead7"}`, kindEnvelope},
		{"stream name as a value", "T", `{"s":"` + ledgerStream + `"}`, `{}`, kindEnvelope},
		// Past maxStrings strings are no longer numbered, on both sides:
		// repeats and parts of early and late strings.
		{"more strings than are numbered", "T", manyStrings(80), `{"hash":"ebe049cc21340c34550cba99c2cbc36de735821ee0ad9a69b4477f9f3155ead7","r":"string-number-003","p":"string-number-07x","l":"string-number-079"}`, kindEnvelope},
		{"non-ASCII text and its parts", "T", `{"a":"示例科技有限公司北京","b":"示例科技有限公司上海","c":"\u00e9\ud83d\ude00","d":"\u00e9\ud83d\ude00"}`, `{}`, kindEnvelope},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var c encoder
			e := eventstore.EventData{ID: uuid.New(), Type: tc.typ, Data: json.RawMessage(tc.data), Metadata: json.RawMessage(tc.meta)}
			r, kind := roundTrip(t, &c, ledgerStream, e)
			requireSame(t, ledgerStream, e, r)
			require.Equal(t, tc.kind, kind)
		})
	}
}

// manyStrings is a JSON object of n members with distinct long values,
// some repeated and some sharing a prefix.
func manyStrings(n int) string {
	var b strings.Builder
	b.WriteByte('{')
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `"k%d":"string-number-%03d"`, i, i%(n-5))
	}
	b.WriteByte('}')
	return b.String()
}

// TestCodecRandomJSON: random documents in the envelope's shapes, written
// compact or spaced, keys in any order, hex and UUIDs in either case, come
// back exact; one encoder is reused throughout, as the writer does.
func TestCodecRandomJSON(t *testing.T) {
	rng := rand.New(rand.NewPCG(17, 1))
	var c encoder
	envelope := 0
	for i := range 3000 {
		e := eventstore.EventData{ID: uuid.New(), Type: randType(rng),
			Data: json.RawMessage(randJSON(rng, 3)), Metadata: json.RawMessage(randMeta(rng))}
		stream := fmt.Sprintf("account-%d", rng.IntN(50))
		r, kind := roundTrip(t, &c, stream, e)
		requireSame(t, stream, e, r)
		if kind == kindEnvelope {
			envelope++
		}
		_ = i
	}
	require.Greater(t, envelope, 2500, "most random envelopes are encoded, not stored raw")
}

func randType(rng *rand.Rand) string {
	if rng.IntN(4) == 0 {
		return fmt.Sprintf("Custom%d", rng.IntN(10))
	}
	return dictionary[16+rng.IntN(31)]
}

func randHex(rng *rand.Rand, n int) string {
	const lower = "0123456789abcdef"
	b := make([]byte, n)
	for i := range b {
		b[i] = lower[rng.IntN(16)]
	}
	return string(b)
}

func randCase(rng *rand.Rand, s string) string {
	switch rng.IntN(6) {
	case 0:
		return strings.ToUpper(s)
	case 1: // one letter up: mixed case
		i := rng.IntN(len(s))
		return s[:i] + strings.ToUpper(s[i:i+1]) + s[i+1:]
	}
	return s
}

// randString is a JSON string's contents in one of the shapes the codec
// knows, or near one, or anything.
func randString(rng *rand.Rand) string {
	switch rng.IntN(12) {
	case 0:
		return randCase(rng, randHex(rng, 64))
	case 1:
		return randCase(rng, randUUID(rng))
	case 2:
		return fmt.Sprintf("2026-%02d-%02dT%02d:00:00+08:00", 1+rng.IntN(12), 1+rng.IntN(28), rng.IntN(24))
	case 3:
		return fmt.Sprintf("%d.%02d", rng.IntN(100000), rng.IntN(100))
	case 4:
		return dictionary[rng.IntN(len(dictionary))]
	case 5:
		return randHex(rng, rng.IntN(70))
	case 6:
		return `esc\"aped\\` + randHex(rng, 3) + `\u00e9\n`
	case 7:
		return "示例科技有限公司" + randHex(rng, 2)
	case 8:
		return ""
	case 9:
		return "account-" + fmt.Sprint(rng.IntN(50)) + "-" + randHex(rng, rng.IntN(4))
	case 10:
		return strings.Repeat("x", rng.IntN(300))
	}
	return fmt.Sprint(rng.IntN(1000))
}

func randValue(rng *rand.Rand, depth int) any {
	switch k := rng.IntN(9); {
	case k < 4 || depth == 0:
		return randString(rng)
	case k == 4:
		return rng.NormFloat64() * 1e3
	case k == 5:
		return []any{true, false, nil}[rng.IntN(3)]
	case k == 6:
		var a []any
		for range rng.IntN(4) {
			a = append(a, randValue(rng, depth-1))
		}
		return a
	default:
		return randObject(rng, depth-1)
	}
}

type member struct {
	key string
	val any
}

func randObject(rng *rand.Rand, depth int) []member {
	var m []member
	for range rng.IntN(6) {
		key := randString(rng)
		if rng.IntN(2) == 0 {
			key = dictionary[rng.IntN(len(dictionary))]
		}
		m = append(m, member{key, randValue(rng, depth)})
	}
	return m
}

// write renders v as JSON, compact or spaced at random (and so keys in
// the order generated, unsorted), strings as given (already escaped).
func write(rng *rand.Rand, b *strings.Builder, v any) {
	sp := func() {
		if rng.IntN(8) == 0 {
			b.WriteString([]string{" ", "\n", "\t", "  \r\n"}[rng.IntN(4)])
		}
	}
	// elems writes n elements of an array or object, comma-separated.
	elems := func(n int, elem func(i int)) {
		for i := range n {
			if i > 0 {
				b.WriteString(",")
			}
			sp()
			elem(i)
		}
	}
	switch v := v.(type) {
	case string:
		b.WriteString(`"` + v + `"`)
	case float64:
		fmt.Fprint(b, v)
	case bool:
		fmt.Fprint(b, v)
	case nil:
		b.WriteString("null")
	case []any:
		b.WriteString("[")
		elems(len(v), func(i int) { write(rng, b, v[i]) })
		b.WriteString("]")
	case []member:
		b.WriteString("{")
		elems(len(v), func(i int) {
			b.WriteString(`"` + v[i].key + `"`)
			sp()
			b.WriteString(":")
			sp()
			write(rng, b, v[i].val)
		})
		sp()
		b.WriteString("}")
	}
}

func randJSON(rng *rand.Rand, depth int) string {
	var b strings.Builder
	write(rng, &b, randObject(rng, depth))
	return b.String()
}

// randMeta is a metadata envelope with its members shuffled, some missing.
func randMeta(rng *rand.Rand) string {
	id := fmt.Sprintf("acct-%d", rng.IntN(50))
	m := []member{
		{"occurred_at", randString(rng)},
		{"actor", []member{{"role", dictionary[11+rng.IntN(5)]}, {"id", id}}},
		{"correlation_id", randCase(rng, randUUID(rng))},
		{"causation_id", randCase(rng, randUUID(rng))},
		{"idempotency_key", id + "-" + fmt.Sprint(rng.IntN(100))},
		{"request_hash", randCase(rng, randHex(rng, 64))},
		{"schema_version", 1.0},
		{"prev_hash", []string{"", randHex(rng, 64)}[rng.IntN(2)]},
		{"hash", randCase(rng, randHex(rng, 64))},
	}
	rng.Shuffle(len(m), func(i, j int) { m[i], m[j] = m[j], m[i] })
	m = m[:len(m)-rng.IntN(3)]
	var b strings.Builder
	write(rng, &b, m)
	return b.String()
}

// FuzzCodec: any type, data and metadata come back exactly.
func FuzzCodec(f *testing.F) {
	f.Add("InvoiceRequested", []byte(ledgerData), []byte(ledgerMeta))
	f.Add("T", []byte(`{"a":"b"}`), []byte(`{ "hash" : "`+strings.ToUpper(randHex(rand.New(rand.NewPCG(1, 2)), 64))+`" }`))
	f.Add("", []byte("\x00\"\\"), []byte{0xe1, 0x80})
	f.Add("StatementPosted", []byte(statementData(rand.New(rand.NewPCG(5, 6)), 2)), []byte(ledgerMeta))
	rng := rand.New(rand.NewPCG(3, 4))
	for range 20 {
		f.Add(randType(rng), []byte(randJSON(rng, 2)), []byte(randMeta(rng)))
	}
	var c encoder
	f.Fuzz(func(t *testing.T, typ string, data, meta []byte) {
		e := eventstore.EventData{ID: uuid.New(), Type: typ, Data: data, Metadata: meta}
		r, _ := roundTrip(t, &c, ledgerStream, e)
		requireSame(t, ledgerStream, e, r)
	})
}

// FuzzDecodeTail: whatever bytes a record's tail holds (its group's
// checksum can hold over damage written by a bug), decoding answers and
// never panics, as tokens or as a statement's form.
func FuzzDecodeTail(f *testing.F) {
	var c encoder
	e := eventstore.EventData{ID: uuid.New(), Type: "InvoiceRequested", Data: json.RawMessage(ledgerData), Metadata: json.RawMessage(ledgerMeta)}
	f.Add(c.appendTail(nil, ledgerStream, &e)[1:])
	f.Add([]byte{tokPart, 0, 0, 200, 0})
	f.Add([]byte{tokDigits, 255, 255, 3})
	st := eventstore.EventData{ID: uuid.New(), Type: "StatementPosted", Data: json.RawMessage(statementData(rand.New(rand.NewPCG(1, 1)), 3)), Metadata: json.RawMessage(ledgerMeta)}
	f.Add(c.appendTail(nil, ledgerStream, &st)[1:])
	f.Fuzz(func(t *testing.T, tail []byte) {
		d := tailDecoder{stream: []byte(ledgerStream)}
		d.decode(nil, tail, true)
		decodeStatement(nil, []byte(ledgerStream), tail, true) // as kindStatement
	})
}

// BenchmarkCodec measures the codec's CPU per ledger event: encode is what
// an append pays, decode what a read pays.
func BenchmarkCodec(b *testing.B) {
	e := eventstore.EventData{ID: uuid.New(), Type: "InvoiceRequested", Data: json.RawMessage(ledgerData), Metadata: json.RawMessage(ledgerMeta)}
	var c encoder
	tail := c.appendTail(nil, ledgerStream, &e)
	b.Run("encode", func(b *testing.B) {
		b.ReportAllocs()
		buf := make([]byte, 0, 1024)
		cpu := startCPU()
		for b.Loop() {
			buf = c.appendTail(buf[:0], ledgerStream, &e)
		}
		cpu.report(b)
		b.ReportMetric(float64(len(tail)), "bytes/tail")
		b.ReportMetric(float64(len(e.Type)+len(e.Data)+len(e.Metadata)), "bytes/raw")
	})
	b.Run("decode", func(b *testing.B) {
		b.ReportAllocs()
		body := appendRecord(nil, ledgerStream, 7, (*[16]byte)(&e.ID), tail)
		_, k := uvarintDecode(body)
		in := newInterner()
		arena := make([]byte, 0, 4096)
		cpu := startCPU()
		for b.Loop() {
			if _, _, ok := decodeRecord(1, body[k:], formatVersion, in, arena[:0]); !ok {
				b.Fatal("does not decode")
			}
		}
		cpu.report(b)
	})
}

// cpuClock reads the process's CPU time, so that a benchmark on a shared
// machine reports the CPU an operation costs and not the wall time it
// waited for a core.
type cpuClock struct{ start time.Duration }

func startCPU() cpuClock { return cpuClock{testkit.ProcessCPU()} }

func (c cpuClock) report(b *testing.B) {
	b.ReportMetric(float64(testkit.ProcessCPU()-c.start)/float64(b.N), "cpu-ns/op")
}

// TestCodecBytesUnchanged pins the bytes the encoder writes (format 2 is
// on disk: a faster encoder must write what the last one did, not merely
// something that decodes the same). The digest is over the tails of the
// ledger's event and 3000 random records (TestCodecRandomJSON's
// generator, its own seed); it changes only with the format.
func TestCodecBytesUnchanged(t *testing.T) {
	const want = "d095eb7bd3332d5f8fb33de913abe7f07e38435ea4ab05a342d6c3bb84c46637"
	rng := rand.New(rand.NewPCG(29, 3))
	var c encoder
	h := sha256.New()
	e := eventstore.EventData{Type: "InvoiceRequested", Data: json.RawMessage(ledgerData), Metadata: json.RawMessage(ledgerMeta)}
	h.Write(c.appendTail(nil, ledgerStream, &e))
	for range 3000 {
		e := eventstore.EventData{Type: randType(rng), Data: json.RawMessage(randJSON(rng, 3)), Metadata: json.RawMessage(randMeta(rng))}
		h.Write(c.appendTail(nil, fmt.Sprintf("account-%d", rng.IntN(50)), &e))
	}
	require.Equal(t, want, hex.EncodeToString(h.Sum(nil)))
}

// randUUID is a version 4 UUID from rng, so the generated records are the
// same on every run (TestCodecBytesUnchanged).
func randUUID(rng *rand.Rand) string {
	var u uuid.UUID
	for i := range u {
		u[i] = byte(rng.Uint32())
	}
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	return u.String()
}

// TestHexWord holds the encoder's eight-digits-at-a-time hex packing
// (hexBad, hexPack) to
// its definition, digit by digit: lower-case digits only or upper-case
// only (a mixed-case hash is stored as it is), on every byte value in
// every position and on random words of hex digits and near misses.
func TestHexWord(t *testing.T) {
	value := func(ch, a byte) (byte, bool) {
		switch {
		case ch >= '0' && ch <= '9':
			return ch - '0', true
		case ch >= a && ch <= a+5:
			return ch - a + 10, true
		}
		return 0, false
	}
	check := func(word [8]byte) {
		t.Helper()
		x := binary.LittleEndian.Uint64(word[:])
		for _, a := range []byte{'a', 'A'} {
			hc := lowerHex
			if a == 'A' {
				hc = upperHex
			}
			var want [4]byte
			wantOK := true
			for i, ch := range word {
				v, ok := value(ch, a)
				wantOK = wantOK && ok
				want[i/2] |= v << (4 * (1 - i%2))
			}
			ok := hexBad(x, hc) == 0
			if ok != wantOK || ok && binary.LittleEndian.Uint32(want[:]) != hexPack(x) {
				t.Fatalf("hexBad, hexPack(%q) in case %q: %v, %08x; want %v, %x", word[:], a, ok, hexPack(x), wantOK, want)
			}
		}
	}
	rng := rand.New(rand.NewPCG(5, 8))
	alphabets := []string{"0123456789abcdef", "0123456789ABCDEF", "0123456789abcdefABCDEF"}
	word := func() (w [8]byte) {
		digits := alphabets[rng.IntN(len(alphabets))]
		for i := range w {
			w[i] = digits[rng.IntN(len(digits))]
		}
		return w
	}
	for pos := range 8 {
		for b := range 256 {
			w := word()
			w[pos] = byte(b)
			check(w)
		}
	}
	for range 100000 {
		w := word()
		for i := range w {
			if rng.IntN(20) == 0 {
				w[i] = byte(rng.Uint32())
			}
		}
		check(w)
	}
}
