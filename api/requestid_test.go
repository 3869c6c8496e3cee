package api

import (
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
)

// TestNewRequestIDIsARandomUUID: a generated request ID is a version-4
// UUID in its usual text, one the access log writes as is, and none repeats.
func TestNewRequestIDIsARandomUUID(t *testing.T) {
	seen := map[string]bool{}
	for range 20000 {
		id := newRequestID()
		u, err := uuid.Parse(id)
		require.NoError(t, err, id)
		require.Equal(t, uuid.Version(4), u.Version(), id)
		require.Equal(t, uuid.RFC4122, u.Variant(), id)
		require.Equal(t, u.String(), id)
		require.True(t, validRequestID(id) && plain(id), id)
		require.False(t, seen[id], "repeated %s", id)
		seen[id] = true
	}
}
