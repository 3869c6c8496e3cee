package projections

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"runtime"
	"slices"
	"sync"

	"github.com/google/uuid"
	bolt "go.etcd.io/bbolt"

	"github.com/fapiao/fapiao/eventstore"
)

// indexBuf holds a private build's index entries (invoices, status, accinv,
// byid, closings) for the invoices requested since its accounts were last
// written, and writes them with the accounts, each bucket's keys in order.
// Written as they came, an invoice cost four puts at its request and four
// more at each change of status, each a cursor descent into a random page
// of a growing transaction: two thirds of a rebuild's bbolt time and a
// third of its allocation (GC included), for entries that most often
// changed again before the commit. Invoices requested before the last
// write are already in the file and are updated there.
//
// The entries are one slice in request order (log order: positions only
// grow) and a map from id to index, neither holding a pointer of its own
// for the collector to follow but the account's name: at a million events
// that is 200 000 invoices the collector no longer visits one by one.
type indexBuf struct {
	refs     []invoiceRef
	at       map[uuid.UUID]int32
	closings []closingEntry
	// A detached batch's (byaccount.go): each confirmation's last pending
	// entry (nil: deleted), and the faults with their entries.
	pending map[uuid.UUID][]byte
	faults  []closingEntry
}

type closingEntry struct {
	pos   eventstore.Position
	value []byte
}

func newIndexBuf() *indexBuf { return &indexBuf{at: map[uuid.UUID]int32{}} }

func (x *indexBuf) empty() bool { return x == nil || len(x.refs) == 0 && len(x.closings) == 0 }

// scanRefs is how many entries get finds by looking through them, the
// newest first, before at maps them: a per-account build holds one
// account's invoices, a few dozen, and every event of an invoice's life
// looks it up two or three times, mostly the newest. Hashing the id was
// ≈ 2 % of a rebuild's CPU.
const scanRefs = 32

// add holds a new invoice's entry.
func (x *indexBuf) add(r invoiceRef) {
	x.refs = append(x.refs, r)
	switch n := len(x.refs); {
	case n <= scanRefs:
	case len(x.at) == 0: // past scanRefs: every entry mapped from now on
		for i := range x.refs {
			x.at[x.refs[i].id] = int32(i)
		}
	default:
		x.at[r.id] = int32(n - 1)
	}
}

// get is the held entry of invoice id (the newest, were one held twice),
// nil if it is not held; valid until the next add.
func (x *indexBuf) get(id uuid.UUID) *invoiceRef {
	if len(x.refs) <= scanRefs {
		for i := len(x.refs) - 1; i >= 0; i-- {
			if x.refs[i].id == id {
				return &x.refs[i]
			}
		}
		return nil
	}
	if i, ok := x.at[id]; ok {
		return &x.refs[i]
	}
	return nil
}

// write puts the entries into tx, sorted by each bucket's key: appends,
// mostly, which fill pages instead of splitting them. Each order is a
// permutation of indexes into refs (no pointers, no stable sort: every
// key holds the position, so none are equal).
func (x *indexBuf) write(tx *bolt.Tx) error {
	refs := x.refs
	if !slices.IsSortedFunc(refs, func(a, b invoiceRef) int { return cmp.Compare(a.pos, b.pos) }) {
		slices.SortFunc(refs, func(a, b invoiceRef) int { return cmp.Compare(a.pos, b.pos) })
	}
	// One arena per bucket: bbolt keeps keys and values until the commit.
	invoices := tx.Bucket(bktInvoices)
	invoices.FillPercent = appendFill
	arena := make([]byte, 0, len(refs)*(8+17+40))
	for i := range refs {
		r := &refs[i]
		k := len(arena)
		arena = binary.BigEndian.AppendUint64(arena, r.pos)
		v := len(arena)
		arena = appendRefValue(arena, r)
		if err := invoices.Put(arena[k:v:v], arena[v:len(arena):len(arena)]); err != nil {
			return err
		}
	}
	// The status keys: status, then position. A counting sort: few
	// statuses, and refs are in position order already.
	var count [256]int32
	for i := range refs {
		count[refs[i].status]++
	}
	var next [256]int32
	for c, sum := 1, int32(0); c < len(count); c++ {
		sum += count[c-1]
		next[c] = sum
	}
	perm := make([]int32, len(refs))
	for i := range refs {
		c := refs[i].status
		perm[next[c]] = int32(i)
		next[c]++
	}
	status := tx.Bucket(bktStatus)
	arena = make([]byte, 0, len(refs)*9)
	for _, i := range perm {
		r := &refs[i]
		k := len(arena)
		arena = append(arena, byte(r.status))
		arena = binary.BigEndian.AppendUint64(arena, r.pos)
		if err := status.Put(arena[k:len(arena):len(arena)], nil); err != nil {
			return err
		}
	}
	// An account's list: the account, then position.
	for i := range perm {
		perm[i] = int32(i)
	}
	slices.SortFunc(perm, func(i, j int32) int {
		a, b := &refs[i], &refs[j]
		return cmp.Or(cmp.Compare(len(a.account), len(b.account)), cmp.Compare(a.account, b.account), cmp.Compare(a.pos, b.pos))
	})
	accinv := tx.Bucket(bktAccInv)
	arena = make([]byte, 0, len(refs)*(2+8+17+40))
	for _, i := range perm {
		r := &refs[i]
		k := len(arena)
		arena = binary.BigEndian.AppendUint16(arena, uint16(len(r.account)))
		arena = append(arena, r.account...)
		arena = binary.BigEndian.AppendUint64(arena, r.pos)
		v := len(arena)
		arena = appendRefValue(arena, r)[:v+17]
		if err := accinv.Put(arena[k:v:v], arena[v:len(arena):len(arena)]); err != nil {
			return err
		}
	}
	slices.SortFunc(perm, func(i, j int32) int { return bytes.Compare(refs[i].id[:], refs[j].id[:]) })
	ids := tx.Bucket(bktByID)
	arena = make([]byte, 0, len(refs)*(16+8+40))
	for _, i := range perm {
		r := &refs[i]
		k := len(arena)
		arena = append(arena, r.id[:]...)
		v := len(arena)
		arena = binary.BigEndian.AppendUint64(arena, r.pos)
		arena = append(arena, r.account...)
		if err := ids.Put(arena[k:v:v], arena[v:len(arena):len(arena)]); err != nil {
			return err
		}
	}
	closings := tx.Bucket(bktClosings)
	closings.FillPercent = appendFill
	for _, c := range x.closings {
		if err := closings.Put(posKey(c.pos), c.value); err != nil {
			return err
		}
	}
	clear(x.at)
	x.refs = x.refs[:0]
	x.closings = x.closings[:0]
	return nil
}

// appendFill fills the pages of buckets written in key order (positions):
// nothing is inserted before their last key, so half-empty pages (bbolt's
// default split) would stay half empty.
const appendFill = 1.0

// appendRefValue appends an invoices entry's value (invoiceRef.value).
func appendRefValue(buf []byte, r *invoiceRef) []byte {
	buf = append(buf, byte(r.status))
	buf = append(buf, r.id[:]...)
	return append(buf, r.account...)
}

// buildMmapSize is the mapping a private build's file starts with (address
// space, not memory): bbolt maps the file again each time it outgrows the
// mapping, and each time copies every node the open transaction touched to
// the heap. With a build's big writes that was a sixth of its CPU.
const buildMmapSize = 1 << 30

// encodeAccounts encodes the views of ids (setting their sizes) and
// releases each one's decoded account as soon as it is encoded (only a
// private build writes this way, and nothing reads its views before the
// commit, after which it decodes them from the file): the collector's last
// cycles of a build then mark the encodings, which hold no pointers, rather
// than half a gigabyte of decoded accounts beside them, and the heap the
// encodings need is the accounts' own. The result waits for the
// encodings. When there are many they are encoded on every core
// meanwhile: a private build writes thousands at a time, and while it
// encodes nothing else runs. Those are cut from large arenas (bbolt keeps
// each value until the commit), not one buffer grown for each.
func encodeAccounts(ids []string, views map[string]*accountView) (wait func() [][]byte) {
	out := make([][]byte, len(ids))
	workers := runtime.GOMAXPROCS(0)
	if len(ids) < parallelEncodeMin*workers {
		for i, id := range ids {
			av := views[id]
			out[i] = av.encode(make([]byte, 0, av.size+256))
			av.size = len(out[i])
			av.release()
		}
		return func() [][]byte { return out }
	}
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			var arena []byte
			for i := w * len(ids) / workers; i < (w+1)*len(ids)/workers; i++ {
				av := views[ids[i]]
				// Encoded in place at the arena's end; one that outgrows
				// what is left is its own allocation (append's), and the
				// next starts a new arena.
				if cap(arena)-len(arena) < av.size+encodeSlack {
					arena = make([]byte, 0, max(encodeArena, av.size+encodeSlack))
				}
				tail := arena[len(arena):]
				v := av.encode(tail)
				if len(v) <= cap(tail) {
					arena = arena[:len(arena)+len(v)]
				} else {
					arena = nil
				}
				out[i] = v[:len(v):len(v)]
				av.size = len(v)
				av.release()
			}
		})
	}
	return func() [][]byte {
		wg.Wait()
		return out
	}
}

// release drops a written view's decoded account: it is read again from
// the file.
func (av *accountView) release() { av.acc, av.holders = nil, nil }

// parallelEncodeMin is the fewest accounts per core encoded in parallel (a
// variable for the tests).
var parallelEncodeMin = 64

// encodeArena is the size of the arenas encodeAccounts cuts values from,
// and encodeSlack what it leaves for an account to have grown since its
// size was last measured (variables for the tests, which make accounts
// outgrow their arenas).
var (
	encodeArena = 4 << 20
	encodeSlack = 4 << 10
)
