package eventstore

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"testing"
)

// TestCanonicalGoldenVectors holds the canonical form to the vectors of
// testdata/canonical_golden.txt, written once from the code as it stood and
// never regenerated: the slow path is encoding/json's, so a Go release that
// changed how it decodes or re-encodes (U+2028, invalid UTF-8, surrogates,
// key order, numbers) would change the hash of every stored event. Both the
// definition (the slow path) and the function the chain uses are checked.
func TestCanonicalGoldenVectors(t *testing.T) {
	f, err := os.Open("testdata/canonical_golden.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	n := 0
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		text := sc.Text()
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		fields := strings.Split(text, "\t")
		if len(fields) != 3 {
			t.Fatalf("line %d: %d fields, want 3", line, len(fields))
		}
		mode := fields[0]
		in, err := strconv.Unquote(fields[1])
		if err != nil {
			t.Fatalf("line %d: input: %v", line, err)
		}
		want, wantOK := "", fields[2] != "error"
		if wantOK {
			if want, err = strconv.Unquote(fields[2]); err != nil {
				t.Fatalf("line %d: output: %v", line, err)
			}
		}
		var got, def []byte
		var gotErr, defErr error
		switch mode {
		case "data":
			got, gotErr = Canonical([]byte(in))
			def, defErr = canonicalSlow([]byte(in))
		case "meta":
			got, gotErr = canonicalAppend(nil, []byte(in), true)
			def, defErr = canonicalWithoutHashSlow([]byte(in))
		default:
			t.Fatalf("line %d: mode %q", line, mode)
		}
		for _, c := range []struct {
			what string
			out  []byte
			err  error
		}{{"canonical", got, gotErr}, {"definition", def, defErr}} {
			switch {
			case (c.err == nil) != wantOK:
				t.Errorf("line %d: %s %s(%q): error %v, want ok %v", line, c.what, mode, in, c.err, wantOK)
			case wantOK && string(c.out) != want:
				t.Errorf("line %d: %s %s(%q) =\n %q\nwant\n %q", line, c.what, mode, in, c.out, want)
			}
		}
		n++
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if n < 250 {
		t.Fatalf("%d vectors; the file holds more than 250", n)
	}
}
