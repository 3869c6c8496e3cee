// Package fuzzcorpus loads the seed corpora kept in the repository's shared
// testdata/fuzz/<FuzzName>/ folder. Go reads seeds only from a package's own
// testdata/fuzz, so each fuzz target adds the shared ones with Add; CI then
// runs every seed as an ordinary test, and `make fuzz` starts from them.
//
// Files use Go's "go test fuzz v1" format: a header line, then one line per
// argument of the fuzz function, each string(...), []byte(...), byte(...)
// or uint8(...) holding a Go literal.
package fuzzcorpus

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

// Dir is the shared corpus folder of the fuzz target name.
func Dir(name string) string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "testdata", "fuzz", name)
}

// Add adds every seed of the shared corpus of f's target (named by
// f.Name()). A missing folder adds nothing; a malformed file fails.
func Add(f *testing.F) {
	f.Helper()
	dir := Dir(f.Name())
	entries, err := os.ReadDir(dir)
	if os.IsNotExist(err) {
		return
	}
	if err != nil {
		f.Fatalf("seed corpus: %v", err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			f.Fatalf("seed corpus: %v", err)
		}
		args, err := Parse(string(b))
		if err != nil {
			f.Fatalf("seed corpus %s: %v", e.Name(), err)
		}
		f.Add(args...)
	}
}

// Parse reads one corpus file into the fuzz function's arguments.
func Parse(text string) ([]any, error) {
	lines := strings.Split(strings.TrimSpace(text), "\n")
	if len(lines) < 2 || lines[0] != "go test fuzz v1" {
		return nil, fmt.Errorf(`want the header "go test fuzz v1" and one line per argument`)
	}
	var args []any
	for _, line := range lines[1:] {
		v, err := parseValue(strings.TrimSpace(line))
		if err != nil {
			return nil, fmt.Errorf("%q: %w", line, err)
		}
		args = append(args, v)
	}
	return args, nil
}

func parseValue(line string) (any, error) {
	kind, lit, ok := strings.Cut(line, "(")
	if !ok || !strings.HasSuffix(lit, ")") {
		return nil, fmt.Errorf("want type(literal)")
	}
	lit = strings.TrimSuffix(lit, ")")
	switch kind {
	case "string":
		return strconv.Unquote(lit)
	case "[]byte":
		s, err := strconv.Unquote(lit)
		return []byte(s), err
	case "byte", "uint8":
		if strings.HasPrefix(lit, "'") {
			r, _, tail, err := strconv.UnquoteChar(strings.Trim(lit, "'"), '\'')
			if err != nil || tail != "" || r > 0xff {
				return nil, fmt.Errorf("bad byte literal %s", lit)
			}
			return byte(r), nil
		}
		n, err := strconv.ParseUint(lit, 0, 8)
		return uint8(n), err
	}
	return nil, fmt.Errorf("unsupported type %s", kind)
}

// Format writes args in the corpus format, for tools that save seeds.
func Format(args ...any) string {
	var b strings.Builder
	b.WriteString("go test fuzz v1\n")
	for _, a := range args {
		switch v := a.(type) {
		case string:
			fmt.Fprintf(&b, "string(%s)\n", strconv.Quote(v))
		case []byte:
			fmt.Fprintf(&b, "[]byte(%s)\n", strconv.Quote(string(v)))
		case uint8:
			fmt.Fprintf(&b, "byte(%s)\n", strconv.QuoteRune(rune(v)))
		default:
			panic(fmt.Sprintf("fuzzcorpus: unsupported %T", a))
		}
	}
	return b.String()
}
