package console

import (
	"io/fs"
	"regexp"
	"strings"
	"testing"

	"github.com/fapiao/fapiao/domain"
)

// dictionaryKeys reads the keys of one dictionary (`const zh = {…};`) of i18n.js.
func dictionaryKeys(t *testing.T, src, name string) map[string]bool {
	t.Helper()
	start := strings.Index(src, "const "+name+" = {")
	if start < 0 {
		t.Fatalf("i18n.js has no dictionary %s", name)
	}
	end := strings.Index(src[start:], "\n};")
	keys := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^\s+'([^']+)':`).FindAllStringSubmatch(src[start:start+end], -1) {
		keys[m[1]] = true
	}
	return keys
}

// TestEveryStringIsInBothLanguages: a key used by the page (data-i18n) or
// the scripts (t('…')) that a dictionary lacks would show up as the raw key.
func TestEveryStringIsInBothLanguages(t *testing.T) {
	t.Parallel()
	src, err := fs.ReadFile(static, "js/i18n.js")
	if err != nil {
		t.Fatal(err)
	}
	dicts := map[string]map[string]bool{"zh": dictionaryKeys(t, string(src), "zh"), "en": dictionaryKeys(t, string(src), "en")}
	used := map[string]string{}
	uses := []*regexp.Regexp{
		regexp.MustCompile(`data-i18n="([^"]+)"`),
		regexp.MustCompile(`\bt\('([^'$]+)'`),
	}
	// Keys built at run time from a value: every value they take.
	families := map[string][]string{
		"status.":         append(domain.Names(domain.InvoiceStatuses()), "all"),
		"act.":            domain.InvoiceActions(),
		"type.":           domain.Names(domain.TitleTypes()),
		"holder.":         domain.Names(domain.Holders()),
		"role.":           {"customer", "finance", "support", "auditor"},
		"title.status.":   domain.Names(domain.TitleStatuses()),
		"medium.":         domain.Names(domain.Media()),
		"cf.status.":      domain.Names(domain.ConfirmationStatuses()),
		"cf.reason.":      domain.Names(domain.RedReasons()),
		"cf.by.":          domain.Names(domain.Sides()),
		"cf.act.":         domain.ConfirmationActions(),
		"cf.confirmText.": {"confirm", "refuse", "withdraw"},
		"quota.":          {"amount", "used", "remaining"},
	}
	err = fs.WalkDir(static, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || p == "js/i18n.js" {
			return err
		}
		b, err := fs.ReadFile(static, p)
		if err != nil {
			return err
		}
		for _, re := range uses {
			for _, m := range re.FindAllStringSubmatch(string(b), -1) {
				used[m[1]] = p
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for prefix, values := range families {
		for _, v := range values {
			used[prefix+v] = "(family " + prefix + ")"
		}
	}
	if len(used) < 50 {
		t.Fatalf("found only %d keys in use; is the pattern still right?", len(used))
	}
	for key, where := range used {
		for lang, dict := range dicts {
			if !dict[key] {
				t.Errorf("%s: key %q missing from %s", where, key, lang)
			}
		}
	}
	for key := range dicts["zh"] {
		if !dicts["en"][key] {
			t.Errorf("key %q is in zh but not en", key)
		}
	}
	for key := range dicts["en"] {
		if !dicts["zh"][key] {
			t.Errorf("key %q is in en but not zh", key)
		}
	}
}
