package fuzzcorpus

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestRoundTrip(t *testing.T) {
	for _, args := range [][]any{
		{"bolt://x.db"},
		{uint8(7), []byte("{\"a\": \"\\u202e\xff\"}\n")},
		{"", []byte{}},
		{uint8(0), "'quote'"},
	} {
		got, err := Parse(Format(args...))
		require.NoError(t, err)
		require.Equal(t, args, got)
	}
}

func TestParseGoWritten(t *testing.T) {
	// What `go test -fuzz` itself writes for a (uint8, []byte) target.
	got, err := Parse("go test fuzz v1\nbyte('\\x03')\n[]byte(\"0\")\n")
	require.NoError(t, err)
	require.Equal(t, []any{uint8(3), []byte("0")}, got)
	_, err = Parse("go test fuzz v1\nint(3)\n")
	require.Error(t, err)
	_, err = Parse("string(\"x\")\n")
	require.Error(t, err)
}
