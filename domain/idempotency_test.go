package domain

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"reflect"
	"testing"
)

// TestAPP6_TableHoldsNoPointers: the idempotency table's keys and values
// hold no pointers, so the collector never scans it (idempotency.go). A
// string or slice added to either fails here.
func TestAPP6_TableHoldsNoPointers(t *testing.T) {
	t.Parallel()
	var walk func(reflect.Type) string
	walk = func(ty reflect.Type) string {
		switch ty.Kind() {
		case reflect.Array:
			return walk(ty.Elem())
		case reflect.Struct:
			for i := range ty.NumField() {
				if p := walk(ty.Field(i).Type); p != "" {
					return ty.Name() + "." + ty.Field(i).Name + ": " + p
				}
			}
			return ""
		case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
			reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
			return ""
		}
		return ty.String() + " holds a pointer"
	}
	ty := reflect.TypeFor[Account]()
	f, _ := ty.FieldByName("Idempotency")
	for _, part := range []reflect.Type{f.Type.Key(), f.Type.Elem()} {
		if p := walk(part); p != "" {
			t.Fatalf("the idempotency table's %s: %s", part, p)
		}
	}
}

// TestAPP6_DigestsDifferAndEncode: different keys or requests give
// different digests; an account with a table still encodes as JSON, and a
// digest reads back from its text.
func TestAPP6_DigestsDifferAndEncode(t *testing.T) {
	t.Parallel()
	a, b := IdemKeyOf(ScopedKey("finance/alice", "k"), "h"), IdemKeyOf(ScopedKey("finance/bob", "k"), "h2")
	if a.Key == b.Key || a.Request == b.Request || !a.Valid() || IdemKeyOf("", "h").Valid() {
		t.Fatalf("digests: %+v %+v", a, b)
	}
	// Hex request hashes are decoded, not hashed: two that differ in
	// either half still differ, and a hex hash is not its text hashed.
	h := "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	for _, other := range []string{
		"1123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
		"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdee",
		"0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF",
	} {
		if requestDigest(h) == requestDigest(other) {
			t.Fatalf("request hashes %s and %s share a digest", h, other)
		}
	}
	if requestDigest(h) != requestDigest(h) || requestDigest(h) == digest(h) {
		t.Fatal("a hex request hash is not decoded, or not the same twice")
	}
	acc := NewAccount("a")
	acc.RememberDigest(a, 1, 2)
	if _, err := json.Marshal(acc); err != nil {
		t.Fatal(err)
	}
	text, _ := a.Key.MarshalText()
	var back IdemDigest
	if err := back.UnmarshalText(text); err != nil || back != a.Key {
		t.Fatalf("%s read back as %x: %v", text, back, err)
	}
	if err := back.UnmarshalText(text[1:]); err == nil {
		t.Fatal("a short digest was read")
	}
}

// TestAPP6_IdemKeyOfSumIsIdemKeyOf: the ledger's digest of a request hash
// it has just made is the one the hash's text gives.
func TestAPP6_IdemKeyOfSumIsIdemKeyOf(t *testing.T) {
	t.Parallel()
	for i := range 100 {
		sum := sha256.Sum256([]byte{byte(i), byte(i >> 8)})
		key := "finance/alice\x00k" + string(rune('a'+i%26))
		if got, want := IdemKeyOfSum(key, &sum), IdemKeyOf(key, hex.EncodeToString(sum[:])); got != want {
			t.Fatalf("IdemKeyOfSum = %+v, IdemKeyOf = %+v", got, want)
		}
	}
	if IdemKeyOfSum("", &[sha256.Size]byte{1}).Valid() {
		t.Fatal("an empty key gives a valid IdemKey")
	}
}
