package testkit

import (
	"testing"

	"golang.org/x/mod/sumdb/note"
)

// TEST ONLY: the checkpoint key committed for the tests: the transparency
// package's golden vector and the API's test servers sign with it. It
// signs nothing outside tests; never use it for a real log.
const (
	CheckpointSigningKey  = "PRIVATE+KEY+fapiao.test/log+62be7093+Aao8jKM2USJutbwI21AroZl8Hkw4Q4GllRGd9oJLZyM1"
	CheckpointVerifierKey = "fapiao.test/log+62be7093+AY64BOCrKv2tvbNm6anQXjwZ9jx1Oq/mnOIl8Vh2q3Re"
)

// CheckpointSigner is the signer of CheckpointSigningKey.
func CheckpointSigner(t testing.TB) note.Signer {
	t.Helper()
	s, err := note.NewSigner(CheckpointSigningKey)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
