package transparency

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// A checkpoint's text is three lines, as the Go checksum database's
// (tlog.FormatTree) and the C2SP tlog-checkpoint form:
//
//	<origin>
//	<tree size, decimal>
//	<root hash, base64>
//
// where origin is the signing key's name, not tlog's fixed "go.sum
// database tree" (so a checkpoint says whose log it is). Signed, it is a
// note (golang.org/x/mod/sumdb/note): the text, a blank line, and one
// "— <name> <base64 signature>" line per signature (Ed25519).

// Checkpoint is a signed tree head: the log named Origin had Size events
// and this Merkle root.
type Checkpoint struct {
	Origin string
	tlog.Tree
}

// goSumPrefix is tlog's first line, swapped for the origin so that
// tlog.ParseTree does the parsing.
const goSumPrefix = "go.sum database tree"

// FormatCheckpoint is the text of a checkpoint.
func FormatCheckpoint(origin string, tree tlog.Tree) []byte {
	text := tlog.FormatTree(tree)
	return append([]byte(origin), text[len(goSumPrefix):]...)
}

// ParseCheckpoint parses a checkpoint's text (not its signature).
func ParseCheckpoint(text []byte) (Checkpoint, error) {
	origin, rest, ok := bytes.Cut(text, []byte("\n"))
	if !ok || len(origin) == 0 {
		return Checkpoint{}, errors.New("transparency: malformed checkpoint: no origin line")
	}
	tree, err := tlog.ParseTree(append([]byte(goSumPrefix+"\n"), rest...))
	if err != nil {
		return Checkpoint{}, fmt.Errorf("transparency: malformed checkpoint: %w", err)
	}
	return Checkpoint{Origin: string(origin), Tree: tree}, nil
}

// ParseVerifierKey reads a public key line (as fapiao keygen prints it), or
// a file holding one.
func ParseVerifierKey(keyOrFile string) (note.Verifier, error) {
	key := strings.TrimSpace(keyOrFile)
	if !strings.Contains(key, "+") {
		raw, err := readKeyFile(key)
		if err != nil {
			return nil, fmt.Errorf("transparency: --key is neither a key line (NAME+HASH+KEY) nor a readable file: %w", err)
		}
		key = strings.TrimSpace(string(raw))
	}
	v, err := note.NewVerifier(key)
	if err != nil {
		return nil, fmt.Errorf("transparency: verifier key: %w", err)
	}
	return v, nil
}

// OpenCheckpoint checks a signed checkpoint against the verifier: the
// signature must be v's, and the origin must be v's name.
func OpenCheckpoint(signed []byte, v note.Verifier) (Checkpoint, error) {
	n, err := note.Open(signed, note.VerifierList(v))
	if err != nil {
		return Checkpoint{}, fmt.Errorf("transparency: checkpoint signature: %w", err)
	}
	cp, err := ParseCheckpoint([]byte(n.Text))
	if err != nil {
		return Checkpoint{}, err
	}
	if cp.Origin != v.Name() {
		return Checkpoint{}, fmt.Errorf("transparency: checkpoint is of log %q, the key is %q's", cp.Origin, v.Name())
	}
	return cp, nil
}

// Sign returns the signed checkpoint of tree, its origin the signer's name.
func Sign(s note.Signer, tree tlog.Tree) ([]byte, error) {
	msg, err := note.Sign(&note.Note{Text: string(FormatCheckpoint(s.Name(), tree))}, s)
	if err != nil {
		return nil, fmt.Errorf("transparency: sign checkpoint: %w", err)
	}
	return msg, nil
}

// minResign is how often a grown tree may be signed again on demand: a
// client polling GET /v1/checkpoint cannot make the server fsync and sign
// on every request.
const minResign = time.Second

// Checkpointer signs checkpoints of a tree as it grows.
type Checkpointer struct {
	signer note.Signer
	tree   *Tree
	now    func() time.Time

	mu       sync.Mutex
	latest   []byte
	size     int64
	signedAt time.Time
}

// NewCheckpointer signs tree's checkpoints with signer.
func NewCheckpointer(signer note.Signer, tree *Tree) *Checkpointer {
	return NewCheckpointerClock(signer, tree, time.Now)
}

// NewCheckpointerClock is NewCheckpointer reading the time, for its
// once-a-second limit, from now: a test moves it on instead of waiting.
func NewCheckpointerClock(signer note.Signer, tree *Tree, now func() time.Time) *Checkpointer {
	return &Checkpointer{signer: signer, tree: tree, now: now}
}

// Latest returns the latest signed checkpoint, first signing a new one if
// the tree grew since (and the last is older than a second). The tree is
// fsynced before it is signed: a checkpoint never covers leaves the side
// file could lose.
func (c *Checkpointer) Latest() ([]byte, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	size := c.tree.Size()
	if c.latest != nil && (size == c.size || c.now().Sub(c.signedAt) < minResign) {
		return c.latest, nil
	}
	if err := c.tree.Sync(); err != nil {
		return nil, err
	}
	root, err := c.tree.Root(size)
	if err != nil {
		return nil, err
	}
	signed, err := Sign(c.signer, tlog.Tree{N: size, Hash: root})
	if err != nil {
		return nil, err
	}
	c.latest, c.size, c.signedAt = signed, size, c.now()
	return signed, nil
}
