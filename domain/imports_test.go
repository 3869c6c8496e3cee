package domain

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// domainImports is all that domain may import besides the standard library
// (DESIGN.md): decimal, uuid, and two exceptions of ours, internal/jsonscan
// and internal/eventform, leaves that import only the standard library
// themselves (the JSON the ledger writes, and a statement's stored form).
var domainImports = map[string]bool{
	"github.com/shopspring/decimal":               true,
	"github.com/google/uuid":                      true,
	"github.com/fapiao/fapiao/internal/jsonscan":  true,
	"github.com/fapiao/fapiao/internal/eventform": true,
}

func TestDomainImportsNothingOfOurs(t *testing.T) {
	checkImports(t, ".", domainImports)
	checkImports(t, "../internal/jsonscan", nil)
	checkImports(t, "../internal/eventform", nil)
}

// checkImports fails for any import of dir's non-test files that is neither
// in the standard library (no dot in its first element) nor allowed.
func checkImports(t *testing.T, dir string, allowed map[string]bool) {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil || len(files) == 0 {
		t.Fatalf("%s: no Go files (%v)", dir, err)
	}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(token.NewFileSet(), f, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range file.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			first, _, _ := strings.Cut(path, "/")
			if strings.Contains(first, ".") && !allowed[path] {
				t.Errorf("%s imports %s", f, path)
			}
		}
	}
}
