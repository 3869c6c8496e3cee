package domain

import (
	"strings"
	"testing"
)

// hiddenText are names that print as nothing, or as something else than
// they are: each must be refused wherever text is free.
var hiddenText = []struct{ name, text string }{
	{"soft hyphen", "张\u00ad三"},
	{"word joiner", "张\u2060三"},
	{"zero-width joiner", "张\u200d三"},
	{"zero-width non-joiner", "张\u200c三"},
	{"zero-width space", "张\u200b三"},
	{"byte order mark", "张\ufeff三"},
	{"right-to-left override", "abc\u202edef"},
	{"tag characters", "张三\U000E0041\U000E0042"},
	{"tag cancel", "张三\U000E007F"},
	{"mongolian vowel separator", "张\u180e三"},
	{"private use (BMP)", "张\ue000三"},
	{"private use (plane 15)", "张\U000F0001三"},
	{"unassigned", "张\U0003FFFD三"},
	{"noncharacter", "张\uFDD0三"},
	{"noncharacter FFFF", "张\uffff三"},
	{"line separator", "张\u2028三"},
	{"only hangul filler", "\u3164"},
	{"only halfwidth hangul filler", "\uffa0\uffa0"},
	{"only braille blank", "\u2800\u2800\u2800"},
	{"hangul filler among letters", "Zhang\u3164San"},
	{"only fillers and spaces", "\u3164 \uffa0 \u2800"},
	{"only punctuation", "..."},
	{"only ideographic spaces", "\u3000\u3000"},
	{"only combining marks", "\u0301\u0301"},
}

// visibleText are names that must still pass.
var visibleText = []string{"张三", "Zhang San", "示例科技（北京）有限公司", "O'Brien-Smith", "Zoë", "李\u3000四", "A1", "株式会社ＡＢＣ", "Nguyễn"}

// TestTITLE1_InvisibleAndBlankNamesRefused: a title's name made of, or
// holding, format, private-use, unassigned or blank look-alike characters
// is a TITLE-1 field error on name; ordinary names in any script pass.
func TestTITLE1_InvisibleAndBlankNamesRefused(t *testing.T) {
	t.Parallel()
	env := testEnv("2026-10-12T10:00:00+08:00")
	for _, tc := range hiddenText {
		t.Run(tc.name, func(t *testing.T) {
			title := Title{Type: VATGeneral, Holder: HolderIndividual, Name: tc.text}
			_, err := SubmitTitle{Title: title}.Decide(NewAccount("a"), env)
			wantRule(t, err, "TITLE-1", FieldRule, "name")
		})
	}
	for _, name := range visibleText {
		title := Title{Type: VATGeneral, Holder: HolderIndividual, Name: name}
		if _, err := (SubmitTitle{Title: title}).Decide(NewAccount("a"), env); err != nil {
			t.Errorf("%q refused: %v", name, err)
		}
	}
	// Every text field of a title, not only the name.
	special := specialTitle()
	special.BankName = "中国\u2060银行"
	_, err := SubmitTitle{Title: special}.Decide(NewAccount("a"), env)
	wantRule(t, err, "TITLE-1", FieldRule, "bank_name")
}

// TestADDR1_InvisibleAndBlankTextRefused: the same characters in an
// address's recipient or street are an ADDR-1 field error.
func TestADDR1_InvisibleAndBlankTextRefused(t *testing.T) {
	t.Parallel()
	env := testEnv("2026-10-12T10:00:00+08:00")
	for _, tc := range hiddenText {
		t.Run(tc.name, func(t *testing.T) {
			for _, field := range []string{"recipient", "street"} {
				addr := testAddress()
				if field == "recipient" {
					addr.Recipient = tc.text
				} else {
					addr.Street = tc.text
				}
				_, err := AddAddress{Address: addr}.Decide(NewAccount("a"), env)
				wantRule(t, err, "ADDR-1", FieldRule, field)
			}
		})
	}
	for _, name := range visibleText {
		addr := testAddress()
		addr.Recipient = name
		if _, err := (AddAddress{Address: addr}).Decide(NewAccount("a"), env); err != nil {
			t.Errorf("%q refused: %v", name, err)
		}
	}
}

// TestCleanTextSaysWhichCharacter: the message names the code point, so a
// customer can find what their keyboard or paste slipped in.
func TestCleanTextSaysWhichCharacter(t *testing.T) {
	t.Parallel()
	_, msg := cleanText("张\u00ad三", 100)
	if !strings.Contains(msg, "U+00AD") {
		t.Fatalf("message %q does not name U+00AD", msg)
	}
	_, msg = cleanText("\u3164", 100)
	if !strings.Contains(msg, "U+3164") {
		t.Fatalf("message %q does not name U+3164", msg)
	}
	if got, msg := cleanText("  张三  ", 100); got != "张三" || msg != "" {
		t.Fatalf("cleanText trims: %q %q", got, msg)
	}
}
