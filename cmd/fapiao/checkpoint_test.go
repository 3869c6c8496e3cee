package main

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/fapiao/fapiao/eventstore"
	"github.com/fapiao/fapiao/eventstore/bolt"
	"github.com/fapiao/fapiao/eventstore/transparency"
)

// keptCheckpoint builds, as serve --signing-key does, the tree kept beside
// the bolt store at path and signs a checkpoint of it with a key made by
// fapiao keygen. It returns the checkpoint file, the public key line and
// the key file.
func keptCheckpoint(t *testing.T, path string) (cpFile, pub, keyFile string) {
	t.Helper()
	keyFile, pub = keygen(t, "fapiao.test/log")

	s, err := bolt.Open(path)
	require.NoError(t, err)
	tree, err := transparency.Open(path + ".tlog")
	require.NoError(t, err)
	require.NoError(t, transparency.Build(context.Background(), s, tree, 0))
	signer, err := transparency.LoadSigner(keyFile)
	require.NoError(t, err)
	signed, err := transparency.NewCheckpointer(signer, tree).Latest()
	require.NoError(t, err)
	require.NoError(t, tree.Close())
	require.NoError(t, s.Close())
	cpFile = filepath.Join(t.TempDir(), "checkpoint")
	require.NoError(t, os.WriteFile(cpFile, signed, 0o644))
	return cpFile, pub, keyFile
}

// keygen makes a log signing key named name with fapiao keygen, in a new
// directory, and returns its file and the public key line.
func keygen(t *testing.T, name string) (keyFile, pub string) {
	t.Helper()
	keyFile = filepath.Join(t.TempDir(), "log.key")
	code, out, errOut := jobRun(t, "keygen", "--name", name, "--out", keyFile)
	require.Equal(t, exitOK, code, errOut)
	return keyFile, strings.TrimSpace(out)
}

var amountField = regexp.MustCompile(`"amount":"([0-9]+)\.`)

// rewriteHistory copies the log at path into a fresh bolt store through
// the store's own Append, changing the first amount after position 1 and
// recomputing every later hash of that event's stream, as someone who can
// write the file could; then puts the copy in the original's place. It
// returns the rewritten position.
func rewriteHistory(t *testing.T, path string) eventstore.Position {
	t.Helper()
	ctx := context.Background()
	src, err := bolt.Open(path)
	require.NoError(t, err)
	var records []eventstore.Record
	for r, err := range src.ReadAll(ctx, eventstore.Start) {
		require.NoError(t, err)
		records = append(records, r)
	}
	require.NoError(t, src.Close())

	fresh := filepath.Join(t.TempDir(), "rewritten.db")
	dst, err := bolt.Open(fresh)
	require.NoError(t, err)
	var rewritten eventstore.Position
	heads := map[string]string{} // the recomputed chain of the rewritten stream
	for _, r := range records {
		data, meta := r.Data, r.Metadata
		if rewritten == 0 && r.Position > 1 && amountField.Match(data) {
			data = amountField.ReplaceAll(data, []byte(`"amount":"9$1.`))
			rewritten = r.Position
			heads[r.Stream] = ""
		}
		if prev, ok := heads[r.Stream]; ok {
			m, err := eventstore.ParseMetadata(meta)
			require.NoError(t, err)
			if r.Position != rewritten {
				prev = heads[r.Stream]
			} else {
				prev = m.PrevHash
			}
			var hash string
			meta, hash, err = eventstore.SealHash(m, prev, r.Stream, r.Revision, r.Type, data)
			require.NoError(t, err)
			heads[r.Stream] = hash
		}
		res, err := dst.Append(ctx, r.Stream, eventstore.Any, eventstore.EventData{ID: r.ID, Type: r.Type, Data: data, Metadata: meta})
		require.NoError(t, err)
		require.Equal(t, r.Position, res.Position, "the copy keeps every position")
	}
	require.NoError(t, dst.Close())
	require.NotZero(t, rewritten, "the demo log has an amount to change")
	require.NoError(t, os.Rename(fresh, path))
	return rewritten
}

// TestVerifyCheckpointCatchesRewrittenHistory: a log rewritten with every
// chain hash recomputed passes the chain check, but not a checkpoint kept
// from before; with the tree the server kept, verify names the position.
func TestVerifyCheckpointCatchesRewrittenHistory(t *testing.T) {
	t.Parallel()
	store := jobDemoStore(t)
	path := strings.TrimPrefix(store, "bolt://")
	cpFile, pub, _ := keptCheckpoint(t, path)

	code, out, errOut := jobRun(t, "verify", "--store", store, "--checkpoint", cpFile, "--key", pub)
	require.Equal(t, exitOK, code, errOut)
	require.Contains(t, out, "signature good")
	require.Contains(t, out, "extends the checkpoint")

	pos := rewriteHistory(t, path)
	code, out, errOut = jobRun(t, "verify", "--store", store)
	require.Equal(t, exitOK, code, "the recomputed chains hold: %s", errOut)
	require.Contains(t, out, "every hash chain holds")

	code, out, errOut = jobRun(t, "verify", "--store", store, "--checkpoint", cpFile, "--key", pub)
	require.Equal(t, exitFail, code, out)
	require.Contains(t, out, "CHECKPOINT NOT EXTENDED")
	require.Contains(t, out, fmt.Sprintf("first differing position: %d (leaf %d)", pos, pos-1))
	require.Contains(t, errOut, "does not extend the checkpoint")

	// Without the kept tree the rewrite is still caught, only not located.
	require.NoError(t, os.Rename(path+".tlog", path+".tlog.moved"))
	code, out, _ = jobRun(t, "verify", "--store", store, "--checkpoint", cpFile, "--key", pub)
	require.Equal(t, exitFail, code, out)
	require.Contains(t, out, "first differing position: unknown")

	// Another key's checkpoint, or a changed one, is refused outright.
	_, otherKey, err := note.GenerateKey(rand.Reader, "fapiao.test/log")
	require.NoError(t, err)
	code, _, errOut = jobRun(t, "verify", "--store", store, "--checkpoint", cpFile, "--key", otherKey)
	require.Equal(t, exitFail, code)
	require.Contains(t, errOut, "signature")
	code, _, _ = jobRun(t, "verify", "--store", store, "--checkpoint", cpFile)
	require.Equal(t, exitUsage, code, "--checkpoint without --key")
}

// TestVerifyProofOffline: fapiao verify-proof checks an inclusion proof
// (and the event's own content) and a consistency proof with the public
// key and checkpoint files only.
func TestVerifyProofOffline(t *testing.T) {
	t.Parallel()
	store := jobDemoStore(t)
	path := strings.TrimPrefix(store, "bolt://")
	cpFile, pub, keyFile := keptCheckpoint(t, path)
	dir := t.TempDir()
	tree, err := transparency.OpenReadOnly(path + ".tlog")
	require.NoError(t, err)
	defer tree.Close()
	n := tree.Size()

	s, err := bolt.Open(path)
	require.NoError(t, err)
	var event eventstore.Record
	for r, err := range s.ReadAll(context.Background(), 4) {
		require.NoError(t, err)
		event = r
		break
	}
	require.NoError(t, s.Close())
	eh, err := transparency.RecordHash(event)
	require.NoError(t, err)
	leaf, err := tree.Leaf(4)
	require.NoError(t, err)
	hashes, err := tree.ProveInclusion(4, n)
	require.NoError(t, err)
	write := func(name string, v any) string {
		raw, err := json.Marshal(v)
		require.NoError(t, err)
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, raw, 0o644))
		return p
	}
	proof := write("inclusion.json", transparency.InclusionProof{Position: 5, Index: 4, Size: n, EventHash: eh, LeafHash: leaf, Hashes: hashes})
	eventFile := write("event.json", event)
	code, out, errOut := jobRun(t, "verify-proof", "--key", pub, "--checkpoint", cpFile, "--proof", proof, "--event", eventFile)
	require.Equal(t, exitOK, code, errOut)
	require.Contains(t, out, "inclusion proof good")

	event.Data = json.RawMessage(strings.Replace(string(event.Data), `"`, `"x`, 1))
	code, _, errOut = jobRun(t, "verify-proof", "--key", pub, "--checkpoint", cpFile, "--proof", proof, "--event", write("changed.json", event))
	require.Equal(t, exitFail, code)
	require.Contains(t, errOut, "hash does not match")

	// A consistency proof from an older checkpoint of 10 events.
	root10, err := tree.Root(10)
	require.NoError(t, err)
	signer, err := transparency.LoadSigner(keyFile)
	require.NoError(t, err)
	olderSigned, err := transparency.Sign(signer, tlog.Tree{N: 10, Hash: root10})
	require.NoError(t, err)
	older := filepath.Join(dir, "older")
	require.NoError(t, os.WriteFile(older, olderSigned, 0o644))
	tp, err := tree.ProveConsistency(10, n)
	require.NoError(t, err)
	cons := write("consistency.json", transparency.ConsistencyProof{From: 10, To: n, Hashes: tp})
	code, out, errOut = jobRun(t, "verify-proof", "--key", pub, "--old-checkpoint", older, "--checkpoint", cpFile, "--proof", cons)
	require.Equal(t, exitOK, code, errOut)
	require.Contains(t, out, "consistency proof good")

	// The proof does not join the newer checkpoint to an older one of
	// another size.
	code, _, _ = jobRun(t, "verify-proof", "--key", pub, "--old-checkpoint", cpFile, "--checkpoint", cpFile, "--proof", cons)
	require.Equal(t, exitFail, code)
}

// TestCheckpointFlags: the transparency flags' mistakes are usage errors
// (exit 2); a signing key that cannot be read stops serve before it
// listens (exit 1).
func TestCheckpointFlags(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	notAKey := filepath.Join(dir, "not-a-key")
	require.NoError(t, os.WriteFile(notAKey, []byte("hello\n"), 0o600))
	tests := []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"keygen without name", []string{"keygen"}, exitUsage, "--name NAME is required"},
		{"keygen bad name", []string{"keygen", "--name", "a b", "--out", filepath.Join(dir, "k")}, exitFail, "without spaces"},
		{"serve tree without key", []string{"serve", "--tokens", "t.json", "--tree", "x.tlog"}, exitUsage, "--tree goes with --signing-key"},
		{"serve unreadable key", []string{"serve", "--tokens", writeTokens(t, dir), "--store", "bolt://" + filepath.Join(dir, "s.db"), "--signing-key", notAKey, "--addr", "127.0.0.1:0"}, exitFail, "not a note signing key"},
		{"verify tree without checkpoint", []string{"verify", "--tree", "x.tlog"}, exitUsage, "--tree goes with --checkpoint"},
		{"verify-proof without proof", []string{"verify-proof", "--key", "k", "--checkpoint", "c"}, exitUsage, "are required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			code, out, errOut := jobRun(t, tt.args...)
			require.Equal(t, tt.code, code, "stdout: %s\nstderr: %s", out, errOut)
			require.Contains(t, errOut, tt.stderr)
			require.NotContains(t, out, "listening")
		})
	}
}
