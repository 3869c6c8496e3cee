package projections

import (
	"bytes"
	"encoding/binary"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/fapiao/fapiao/domain"
	"github.com/fapiao/fapiao/eventstore"
)

// An account is stored as a snapshot (the accounts bucket) followed by a
// tail: the events folded into it since, each under its position in the
// tail bucket. A live commit appends the batch's events of an account to
// its tail instead of encoding the whole account again, which grew with
// the account and, under a steady stream of commands, took most of the
// server's CPU (docs/performance.md, issue 16). Once the tail is full (see
// tailRoom) the next commit writes a snapshot and drops the tail, so a
// snapshot is encoded once every so many events and reading an account
// from the file folds at most maxTail events after decoding it.
//
// A tail entry holds the event's type, the account's holders after the
// batch that wrote it (the last entry's are the account's), and the
// event's data as the log has it.

// An account's tail holds minTail events, or one per tailBytesPerEvent of
// its snapshot if that is more, up to maxTail: a snapshot is rewritten
// whole, so a large account's is rewritten after proportionally more
// events (writing the snapshots costs at most about as much as writing
// the tails), while reading it back folds a tail no longer, in bytes,
// than the snapshot it follows (a tail entry is about a kilobyte: the
// event, and the holders).
const (
	minTail           = 32
	maxTail           = 256
	tailBytesPerEvent = 1 << 10
)

// tailRoom is how many events account id's tail may hold.
func (b *batch) tailRoom(id string) int {
	snap := len(b.tx.Bucket(bktAccounts).Get([]byte(id)))
	return min(max(snap/tailBytesPerEvent, minTail), maxTail)
}

// tailEvent is an event a batch folded into an account, to be appended to
// its tail.
type tailEvent struct {
	pos  eventstore.Position
	typ  string
	data []byte // a copy: the record's bytes are not the batch's to keep
}

func tailKey(acc string, pos eventstore.Position) []byte {
	return binary.BigEndian.AppendUint64(accInvPrefix(acc), pos)
}

func tailValue(e tailEvent, holders []byte) []byte {
	v := make([]byte, 0, 2*binary.MaxVarintLen64+len(e.typ)+len(holders)+len(e.data))
	v = binary.AppendUvarint(v, uint64(len(e.typ)))
	v = append(v, e.typ...)
	v = binary.AppendUvarint(v, uint64(len(holders)))
	v = append(v, holders...)
	return append(v, e.data...)
}

func parseTailValue(v []byte) (typ string, holders, data []byte, ok bool) {
	field := func() ([]byte, bool) {
		n, k := binary.Uvarint(v)
		if k <= 0 || n > uint64(len(v)-k) {
			return nil, false
		}
		f := v[k : k+int(n)]
		v = v[k+int(n):]
		return f, true
	}
	t, ok1 := field()
	h, ok2 := field()
	return string(t), h, v, ok1 && ok2
}

// storedStamp returns the snapshot value of account id (nil if it has
// none) and the position of the last record folded into it as stored: the
// tail's last, else the snapshot's.
func storedStamp(tx *bolt.Tx, id string) ([]byte, eventstore.Position, error) {
	v, stamp, err := snapshotStamp(tx, id)
	if v == nil || err != nil {
		return v, stamp, err
	}
	prefix := accInvPrefix(id)
	c := tx.Bucket(bktTail).Cursor()
	k, _ := c.Seek(binary.BigEndian.AppendUint64(prefix, 1<<64-1))
	if k == nil {
		k, _ = c.Last()
	} else {
		k, _ = c.Prev() // no record is at the last position
	}
	if k != nil && bytes.HasPrefix(k, prefix) {
		if len(k) != len(prefix)+8 {
			return nil, 0, fmt.Errorf("%w: tail key of %d bytes", ErrDamaged, len(k))
		}
		stamp = binary.BigEndian.Uint64(k[len(prefix):])
	}
	return v, stamp, nil
}

// snapshotStamp returns the snapshot value of account id (nil if it has
// none) and the snapshot's stamp: the stored stamp in a file that has no
// tails (a private build's).
func snapshotStamp(tx *bolt.Tx, id string) ([]byte, eventstore.Position, error) {
	v := tx.Bucket(bktAccounts).Get([]byte(id))
	if v == nil {
		return nil, 0, nil
	}
	stamp, ok := stampOf(v)
	if !ok {
		return nil, 0, fmt.Errorf("%w: account %s", ErrDamaged, id)
	}
	return v, stamp, nil
}

// decodeStored decodes account id's stored view: its snapshot v, then its
// tail folded in.
func decodeStored(tx *bolt.Tx, id string, v []byte) (*accountView, error) {
	av, err := decodeAccountView(id, v)
	if err != nil {
		return nil, err
	}
	prefix := accInvPrefix(id)
	c := tx.Bucket(bktTail).Cursor()
	for k, tv := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, tv = c.Next() {
		bad := func(what string) error { return fmt.Errorf("%w: account %s: tail: %s", ErrDamaged, id, what) }
		if len(k) != len(prefix)+8 {
			return nil, bad("key")
		}
		typ, h, data, ok := parseTailValue(tv)
		if !ok {
			return nil, bad("entry")
		}
		holders, rest, ok := readHolders(h)
		if !ok || len(rest) != 0 {
			return nil, bad("holders")
		}
		ev, err := domain.DecodeEventSummarized(typ, data)
		if err != nil {
			return nil, bad(err.Error())
		}
		// An event whose fold failed was kept as a fault when it was
		// first folded; folding it again leaves the account as it did.
		_ = foldAccount(av.acc, ev)
		av.holders = holders
		av.stamp = binary.BigEndian.Uint64(k[len(prefix):])
		av.size += len(tv)
		av.tail++
	}
	return av, nil
}

// foldAccount applies ev to the account with the command side's fold; a
// panic in it (an event the aggregate cannot take, such as a forged one)
// becomes an error.
func foldAccount(a *domain.Account, ev domain.Event) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("fold panicked: %v", v)
		}
	}()
	a.Apply(ev)
	if e, ok := ev.(domain.StatementPosted); ok {
		dropLines(a, e.Month)
	}
	return nil
}

// writeTails stores the batch's changed accounts (writeAccount).
func (b *batch) writeTails() error {
	for id, av := range b.dirty {
		if err := b.writeAccount(id, av); err != nil {
			return err
		}
	}
	return nil
}

// writeAccount stores a changed account at a live batch's commit: its
// events appended to its tail while the tail has room, else a snapshot of
// it (with the tail dropped). A private build (exclusive) writes snapshots
// only (writeAccounts): nothing reads its file before it is complete.
func (b *batch) writeAccount(id string, av *accountView) error {
	evs := b.tails[id]
	if av.tail >= 0 && len(evs) > 0 && av.tail+len(evs) <= b.tailRoom(id) {
		tb := b.tx.Bucket(bktTail)
		h := appendHolders(make([]byte, 0, 1+26*len(av.holders)), av.holders) // 26: a month and one holder
		for _, e := range evs {
			v := tailValue(e, h)
			if err := tb.Put(tailKey(id, e.pos), v); err != nil {
				return err
			}
			av.size += len(v)
		}
		av.tail += len(evs)
		return nil
	}
	// A fresh buffer: bbolt keeps the value until the commit.
	v := av.encode(make([]byte, 0, av.size+256))
	av.size = len(v)
	if err := b.tx.Bucket(bktAccounts).Put([]byte(id), v); err != nil {
		return err
	}
	if av.tail > 0 {
		if err := dropTail(b.tx, id); err != nil {
			return err
		}
	}
	av.tail = 0
	return nil
}

// dropTail deletes account id's tail.
func dropTail(tx *bolt.Tx, id string) error {
	prefix := accInvPrefix(id)
	var keys [][]byte
	c := tx.Bucket(bktTail).Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		keys = append(keys, bytes.Clone(k))
	}
	for _, k := range keys {
		if err := tx.Bucket(bktTail).Delete(k); err != nil {
			return err
		}
	}
	return nil
}
