package domain

import (
	"os"
	"testing"
)

// BenchmarkDecode decodes each event type that has a fast decoder, as the
// ledger writes it, through DecodeEvent ("fast") and through encoding/json
// alone ("json"): the pair shows what the fast decoders are worth.
func BenchmarkDecode(b *testing.B) {
	for _, typ := range []string{"StatementPosted", "InvoiceRequested", "InvoiceIssued", "InvoiceShipped", "InvoiceApproved", "InvoiceCancelled", "InvoiceRedFlushed"} {
		golden, err := os.ReadFile("../testdata/events/" + typ + ".json")
		if err != nil {
			b.Fatal(err)
		}
		e, err := DecodeEvent(typ, golden)
		if err != nil {
			b.Fatal(err)
		}
		_, data, err := EncodeEvent(e) // the ledger's bytes: compact, in field order
		if err != nil {
			b.Fatal(err)
		}
		b.Run(typ+"/fast", func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				if _, err := DecodeEvent(typ, data); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(typ+"/json", func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				if _, err := jsonOnly[typ](data); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// jsonOnly decodes with encoding/json alone, the fast decoders' fallback.
var jsonOnly = map[string]func([]byte) (Event, error){
	"StatementPosted": decodeAs[StatementPosted], "InvoiceRequested": decodeAs[InvoiceRequested],
	"InvoiceIssued": decodeAs[InvoiceIssued], "InvoiceShipped": decodeAs[InvoiceShipped],
	"InvoiceApproved": decodeAs[InvoiceApproved], "InvoiceCancelled": decodeAs[InvoiceCancelled],
	"InvoiceRedFlushed": decodeAs[InvoiceRedFlushed],
}
