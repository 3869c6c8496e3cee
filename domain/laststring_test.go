package domain

import (
	"fmt"
	"sync"
	"testing"
	"unsafe"

	"github.com/fapiao/fapiao/internal/jsonscan"
)

// TestLastStringSharesRepeats: lastString gives every text back as it is,
// and a text read before (among a few hundred distinct ones, read in turn
// as a worker walking an account's history reads its due dates) the very
// string it gave the first time; several goroutines at once (-race) only
// ever get their own text.
func TestLastStringSharesRepeats(t *testing.T) {
	l := newLastString(4096)
	read := func(text string) string {
		s := jsonscan.New([]byte(`"` + text + `"`))
		v, ok := l.read(&s)
		if !ok || v != text {
			t.Fatalf("read %q: %q, %v", text, v, ok)
		}
		return v
	}
	texts := []string{"", "a", "SF", "0.13", "2025-01-31", "2025-02-28", "顺丰速运"}
	for d := range 300 {
		texts = append(texts, fmt.Sprintf("2025-%02d-%02d", 1+d/28, 1+d%28))
	}
	first := map[string]string{}
	for _, text := range texts {
		first[text] = read(text)
	}
	shared := 0
	for _, text := range texts {
		if v := read(text); len(text) > 0 && unsafe.StringData(v) == unsafe.StringData(first[text]) {
			shared++
		}
	}
	if shared < len(texts)*8/10 {
		t.Fatalf("%d of %d texts read again shared their first string", shared, len(texts))
	}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 2000 {
				text := texts[(g*7+i)%len(texts)]
				s := jsonscan.New([]byte(`"` + text + `"`))
				if v, ok := l.read(&s); !ok || v != text {
					panic(fmt.Sprintf("read %q: %q", text, v))
				}
			}
		})
	}
	wg.Wait()
}
