package domain

import (
	"go/ast"
	"go/constant"
	"go/parser"
	"go/token"
	"maps"
	"os"
	"slices"
	"strings"
	"testing"
)

// TestEnumListsHoldEveryConstant: each enum's list holds every constant of
// its type declared in the package, once, so that a value added to a type
// cannot be missing from the API's schemas or the console.
func TestEnumListsHoldEveryConstant(t *testing.T) {
	lists := map[string][]string{
		"BillingMode":        Names(BillingModes()),
		"Channel":            Names(Channels()),
		"TitleType":          Names(TitleTypes()),
		"Holder":             Names(Holders()),
		"TitleStatus":        Names(TitleStatuses()),
		"StatementStatus":    Names(StatementStatuses()),
		"InvoiceStatus":      Names(InvoiceStatuses()),
		"Medium":             Names(Media()),
		"ConfirmationStatus": Names(ConfirmationStatuses()),
		"Side":               Names(Sides()),
		"RedReason":          Names(RedReasons()),
	}
	declared := map[string][]string{}
	fset := token.NewFileSet()
	entries, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".go") || strings.HasSuffix(e.Name(), "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, e.Name(), nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			gd, ok := d.(*ast.GenDecl)
			if !ok || gd.Tok != token.CONST {
				continue
			}
			for _, spec := range gd.Specs {
				vs := spec.(*ast.ValueSpec)
				typ, ok := vs.Type.(*ast.Ident)
				if !ok || lists[typ.Name] == nil {
					continue
				}
				for _, v := range vs.Values {
					lit, ok := v.(*ast.BasicLit)
					if !ok || lit.Kind != token.STRING {
						t.Fatalf("%s: a %s constant that is not a string literal", fset.Position(v.Pos()), typ.Name)
					}
					declared[typ.Name] = append(declared[typ.Name], constant.StringVal(constant.MakeFromLiteral(lit.Value, lit.Kind, 0)))
				}
			}
		}
	}
	for typ, list := range lists {
		got, want := slices.Sorted(slices.Values(list)), slices.Sorted(slices.Values(declared[typ]))
		if !slices.Equal(got, want) {
			t.Errorf("%s: the list holds %v, the package declares %v", typ, got, want)
		}
		if len(slices.Compact(got)) != len(list) {
			t.Errorf("%s: a value listed twice in %v", typ, list)
		}
	}
	if got := Names(OpenConfirmationStatuses()); !slices.Equal(got, []string{"not_required", "pending_buyer", "pending_seller", "confirmed"}) {
		t.Errorf("open confirmation statuses %v", got)
	}
	for _, st := range StatementStatuses() {
		if !st.Known() {
			t.Errorf("%s not Known", st)
		}
	}
	for _, st := range []StatementStatus{"", "Available", "held"} {
		if st.Known() {
			t.Errorf("%q Known", st)
		}
	}
	if got := Names(InvoiceableBuckets()); !slices.Equal(got, []string{"kingsoft", "marketplace"}) {
		t.Errorf("invoiceable buckets %v", got)
	}
}

// TestActionsAreListed: the actions Invoice.Actions and
// Confirmation.Actions offer are exactly InvoiceActions and
// ConfirmationActions, so that the API's document lists what answers carry.
func TestActionsAreListed(t *testing.T) {
	offered := map[string]bool{"red_flush_part": true} // added by Actions itself (DEF-5)
	for _, table := range []map[actionKey][]string{paperActions, electronicActions} {
		for _, acts := range table {
			for _, a := range acts {
				offered[a] = true
			}
		}
	}
	if got, want := slices.Sorted(maps.Keys(offered)), slices.Sorted(slices.Values(InvoiceActions())); !slices.Equal(got, want) {
		t.Errorf("invoices offer %v, InvoiceActions lists %v", got, want)
	}
	offered = map[string]bool{}
	for _, st := range ConfirmationStatuses() {
		for _, by := range Sides() {
			for _, used := range []bool{false, true} {
				c := &Confirmation{Status: st, EnteredBy: by, Used: used}
				for _, r := range []Role{RoleCustomer, RoleFinance, RoleSupport, RoleAuditor} {
					for _, a := range c.Actions(r) {
						offered[a] = true
					}
				}
			}
		}
	}
	if got, want := slices.Sorted(maps.Keys(offered)), slices.Sorted(slices.Values(ConfirmationActions())); !slices.Equal(got, want) {
		t.Errorf("confirmations offer %v, ConfirmationActions lists %v", got, want)
	}
}
