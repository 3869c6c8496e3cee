package transparency_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/fapiao/fapiao/eventstore/transparency"
	"github.com/fapiao/fapiao/internal/testkit"
)

func testVerifier(t *testing.T) note.Verifier {
	t.Helper()
	v, err := transparency.ParseVerifierKey(testkit.CheckpointVerifierKey)
	require.NoError(t, err)
	return v
}

// TestGoldenCheckpoint: the fixed 7-event log signed with the test key
// gives exactly testdata/checkpoint-7.golden (Ed25519 is deterministic).
// A change to the leaves, the tree or the note format shows here.
func TestGoldenCheckpoint(t *testing.T) {
	s := fixedLog(t, 7)
	tree := transparency.New()
	require.NoError(t, transparency.Build(context.Background(), s, tree, 0))
	root, err := tree.Root(7)
	require.NoError(t, err)
	signed, err := transparency.Sign(testkit.CheckpointSigner(t), tlog.Tree{N: 7, Hash: root})
	require.NoError(t, err)

	golden := filepath.Join("testdata", "checkpoint-7.golden")
	testkit.Golden(t, golden, signed)
	want, err := os.ReadFile(golden)
	require.NoError(t, err)

	lines := strings.Split(string(signed), "\n")
	require.Equal(t, "fapiao.test/log", lines[0], "origin: the key's name")
	require.Equal(t, "7", lines[1])
	require.Equal(t, root.String(), lines[2])
	require.Equal(t, "", lines[3])
	require.True(t, strings.HasPrefix(lines[4], "— fapiao.test/log "))

	cp, err := transparency.OpenCheckpoint(want, testVerifier(t))
	require.NoError(t, err)
	require.Equal(t, transparency.Checkpoint{Origin: "fapiao.test/log", Tree: tlog.Tree{N: 7, Hash: root}}, cp)
}

// TestOpenCheckpointRefuses: a changed text, another key, or a checkpoint
// whose origin is not the key's name is refused.
func TestOpenCheckpointRefuses(t *testing.T) {
	signed, err := os.ReadFile(filepath.Join("testdata", "checkpoint-7.golden"))
	require.NoError(t, err)
	v := testVerifier(t)

	changed := strings.Replace(string(signed), "\n7\n", "\n8\n", 1)
	_, err = transparency.OpenCheckpoint([]byte(changed), v)
	require.Error(t, err)

	_, other, err := note.GenerateKey(nil, "fapiao.test/log")
	require.NoError(t, err)
	ov, err := note.NewVerifier(other)
	require.NoError(t, err)
	_, err = transparency.OpenCheckpoint(signed, ov)
	require.Error(t, err, "another key of the same name")

	// Signed by the right key, but naming another log.
	msg, err := note.Sign(&note.Note{Text: "other.log\n7\n" + strings.Split(string(signed), "\n")[2] + "\n"}, testkit.CheckpointSigner(t))
	require.NoError(t, err)
	_, err = transparency.OpenCheckpoint(msg, v)
	require.ErrorContains(t, err, "other.log")

	for _, text := range []string{"", "x\n", "x\n-1\nAAAA\n", "x\n3\nnot base64\n", "x\n03\n" + strings.Split(string(signed), "\n")[2] + "\n"} {
		_, err := transparency.ParseCheckpoint([]byte(text))
		require.Error(t, err, "%q", text)
	}
}

// TestCheckpointerSignsWhenGrown: a checkpoint is re-signed only once the
// tree grew, and not more than once a second, always of the tree's size.
// The second is synctest's fake one: the test does not wait it out.
func TestCheckpointerSignsWhenGrown(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := fixedLog(t, 5)
		tree := transparency.New()
		require.NoError(t, transparency.Build(context.Background(), s, tree, 3))
		c := transparency.NewCheckpointer(testkit.CheckpointSigner(t), tree)
		first, err := c.Latest()
		require.NoError(t, err)
		cp, err := transparency.OpenCheckpoint(first, testVerifier(t))
		require.NoError(t, err)
		require.Equal(t, int64(3), cp.N)

		again, err := c.Latest()
		require.NoError(t, err)
		require.Equal(t, first, again)

		require.NoError(t, transparency.Build(context.Background(), s, tree, 0))
		time.Sleep(time.Second - time.Nanosecond)
		soon, err := c.Latest()
		require.NoError(t, err)
		require.Equal(t, first, soon, "re-signed within a second")

		time.Sleep(time.Nanosecond)
		grown, err := c.Latest()
		require.NoError(t, err)
		cp, err = transparency.OpenCheckpoint(grown, testVerifier(t))
		require.NoError(t, err)
		require.Equal(t, int64(5), cp.N)
		root, err := tree.Root(5)
		require.NoError(t, err)
		require.Equal(t, root, cp.Hash)
	})
}

// TestGenerateKey: the key file is 0600, never overwritten, and its
// signatures check with the printed key line.
func TestGenerateKey(t *testing.T) {
	path := filepath.Join(t.TempDir(), "log.key")
	vkey, err := transparency.GenerateKey(path, "fapiao.example/log")
	require.NoError(t, err)
	info, err := os.Stat(path)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), info.Mode().Perm())
	before, err := os.ReadFile(path)
	require.NoError(t, err)
	_, err = transparency.GenerateKey(path, "fapiao.example/log")
	require.ErrorContains(t, err, "never overwritten")
	after, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Equal(t, before, after)

	signer, err := transparency.LoadSigner(path)
	require.NoError(t, err)
	signed, err := transparency.Sign(signer, tlog.Tree{N: 1, Hash: tlog.RecordHash(make([]byte, 32))})
	require.NoError(t, err)
	keyFile := filepath.Join(t.TempDir(), "log.pub")
	require.NoError(t, os.WriteFile(keyFile, []byte(vkey+"\n"), 0o644))
	for _, k := range []string{vkey, keyFile} {
		v, err := transparency.ParseVerifierKey(k)
		require.NoError(t, err)
		_, err = transparency.OpenCheckpoint(signed, v)
		require.NoError(t, err)
	}
	_, err = transparency.GenerateKey(filepath.Join(t.TempDir(), "k"), "bad name with spaces")
	require.Error(t, err)
}
